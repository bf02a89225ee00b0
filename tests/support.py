"""Helpers shared by the tests: the demo logins, a fixed day, a movable clock, drafts."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import metadata

from decompte.sdk.amounts import compute_totals, vat_line
from decompte.sdk.model import PieceDraft

TODAY = date(2026, 11, 23)
LOGINS = {
    "moa": "marie.lambert@saint-aubin.fr",
    "sf": "paul.renard@dgfip.finances.gouv.fr",
    "moe": "juliette.forin@atelier-moreau.fr",
    "titulaire": "luc.durand@batiments-durand.fr",
    "cotraitant": "anne.martin@charpentes-martin.fr",
    "soustraitant": "karim.lefevre@elec-lefevre.fr",
    "soustraitant2": "sophie.girard@plomberie-girard.fr",
    "clerk": "lucas.petit@saint-aubin.fr",
    "deux_structures": "claire.garnier@gestion-garnier.fr",
}


class Clock:
    """A test clock: fixed, moved explicitly."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int = 0, hours: int = 0) -> None:
        self.now += timedelta(days=days, hours=hours)


def make_draft(
    cadre: str,
    number: str,
    base: str = "1000.00",
    *,
    marche: str = "2026-ECO-001",
    rate: str = "20",
    issue_date: date = TODAY,
    **changes: object,
) -> PieceDraft:
    """A consistent draft: one VAT line, header totals computed from it."""
    line = vat_line(Decimal(base), Decimal(rate))
    totals = compute_totals([line])
    values: dict[str, object] = dict(
        cadre=cadre,
        number=number,
        issue_date=issue_date,
        marche_number=marche,
        engagement="EJ2026000123",
        service_code="SERVICES_TECHNIQUES",
        iban="FR7630006000011234567890189",
        vat_lines=[line],
        total_ht=totals.total_ht,
        total_vat=totals.total_vat,
        total_ttc=totals.total_ttc,
        amount_due=totals.amount_due,
    )
    values.update(changes)
    return PieceDraft(**values)  # type: ignore[arg-type]


def quiet_core(store: object, clock: object) -> object:
    """A Core with the bundled plugins only: what is installed on the machine cannot change
    the results."""
    from decompte.sdk.config import Config
    from decompte.sdk.core import Core
    from decompte.sdk.plugins import PluginHost

    return Core(store, Config(), clock, plugins=PluginHost.load(Config(), entry_points=False))


def offline_build_possible() -> bool:
    """setuptools can build a wheel without downloading anything (no build isolation)."""
    version = tuple(int(x) for x in metadata.version("setuptools").split(".")[:2])
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None
