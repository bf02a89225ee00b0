"""Deadlines per piece: who must act by when, and the payment clock of the billing file.

The delays are configuration (`[deadlines]` in config.toml). Countdowns inform; they never
decide a legal question for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .states import STATES, Holder, Stage


def add_days(day: date, days: int) -> date:
    """`day` moved by `days`, held at the calendar's ends instead of overflowing (a far date
    typed by a user, a long delay in the configuration)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


@dataclass(frozen=True, slots=True)
class DeadlineConfig:
    moe_days: int = 7  # MOE handles a monthly draft (CCAG-Travaux)
    validator_days: int = 15  # titulaire / mandataire validation, then "hors délai"
    payment_days: int = 30  # from availability of the payment request to the MOE (seed 000)
    moa_days: int | None = None  # not in the seeds: off unless configured
    financial_days: int | None = None
    refused_hidden_after_days: int = 10  # Synthèse filter

    def for_holder(self, role: str) -> int | None:
        return {
            Holder.MOE: self.moe_days,
            Holder.MOA: self.moa_days,
            Holder.SERVICE_FINANCIER: self.financial_days,
            Holder.PREMIER_VALIDEUR: self.validator_days,
            Holder.SECOND_VALIDEUR: self.validator_days,
        }.get(Holder(role) if role in Holder._value2member_map_ else Holder.NONE)


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str  # "action" (the holder must act) or "paiement"
    due: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def describe(self) -> str:
        what = "Paiement" if self.kind == "paiement" else "Traitement"
        if self.days_left < 0:
            return f"{what} : échéance dépassée de {-self.days_left} j ({self.due:%d/%m/%Y})"
        return f"{what} : {self.days_left} j restants (échéance {self.due:%d/%m/%Y})"


def action_deadline(
    state: str, holder_role: str, holder_since: date | None, today: date, config: DeadlineConfig
) -> Deadline | None:
    """The holder's deadline, for pieces waiting on someone who has a configured delay."""
    found = STATES.get(state)
    if holder_since is None or found is None:
        return None
    if found.stage not in (Stage.AT_RECIPIENT, Stage.TAKEN, Stage.AT_VALIDATOR):
        return None
    days = config.for_holder(holder_role)
    if days is None:
        return None
    due = add_days(holder_since, days)
    return Deadline("action", due, (due - today).days)


def payment_deadline(
    moe_available_on: date | None, today: date, config: DeadlineConfig
) -> Deadline | None:
    if moe_available_on is None:
        return None
    due = add_days(moe_available_on, config.payment_days)
    return Deadline("paiement", due, (due - today).days)
