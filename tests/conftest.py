"""Shared fixtures: a demo store built once per test session, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sdk.amounts import compute_totals, vat_line
from sdk.config import Config
from sdk.core import Core
from sdk.demo import build_demo
from sdk.model import PieceDraft
from sdk.session import Session
from sdk.store import open_store

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
}


class Clock:
    """A test clock: fixed, moved explicitly."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int = 0, hours: int = 0) -> None:
        self.now += timedelta(days=days, hours=hours)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("template") / "demo.db"
    store = open_store(db)
    build_demo(lambda clock: Core(store, Config(), clock), today=TODAY)
    store.close()
    return db


def copy_store(template: Path, target_dir: Path) -> Path:
    db = target_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{db}{suffix}")
    shutil.copytree(f"{template}.files", f"{db}.files")
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    return copy_store(demo_template, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.combine(TODAY, time(14)))


@pytest.fixture
def core(demo_db: Path, clock: Clock) -> Iterator[Core]:
    engine_core = Core(open_store(demo_db), Config(), clock)
    yield engine_core
    engine_core.close()


@pytest.fixture
def as_(core: Core):
    """`as_("moe")` opens a session for a demo actor without re-hashing its password."""

    def open_for(key: str) -> Session:
        return core.org.open_session(core.org.user(LOGINS[key]))

    return open_for


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


@pytest.fixture
def draft():
    return make_draft
