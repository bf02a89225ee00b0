"""Deadlines per piece: who must act by when, and the payment clock of the billing file.

The delays are configuration (`[deadlines]` in config.toml). Countdowns inform; they never
decide a legal question for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .states import STATES, Holder, Stage
from .vocabulary import TACIT_TEXTS


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
    # Tacit procedure (CCAG-Travaux 2021 art. 12.4; defaults « à vérifier », never a legal
    # decision): days the owner side has, after the final draft (A7/A11/A14) was made
    # available, before the contractor may deposit its draft general statement (A22); then
    # days after the A22 was made available before its general statement (A23).
    tacit_a22_days: int = 30
    tacit_a23_days: int = 10

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


@dataclass(frozen=True, slots=True)
class TacitCountdown:
    """The owner side's window in the tacit procedure: from the day the piece `start_number`
    (cadre `start_short`) was made available, `days` days before the contractor may deposit
    the `short` piece (« A22 »); `days_left` > 0 while the window runs."""

    short: str
    document: str
    start_short: str
    start_number: str
    start_on: date
    days: int
    due: date
    days_left: int

    @property
    def open(self) -> bool:
        """The window has run out: the contractor may deposit the piece."""
        return self.days_left <= 0

    def describe(self, *, labelled: bool = True) -> str:
        """The sentence, after « Procédure tacite : » unless the caller shows that label."""
        text = TACIT_TEXTS["open" if self.open else "waiting"].format(**self._words())
        return f"{TACIT_TEXTS['label']} : {text}" if labelled else text

    def cell(self) -> str:
        """A few words for a table cell (the Synthèse's deadline column)."""
        key = "cell_open" if self.open else "cell_waiting"
        return TACIT_TEXTS[key].format(**self._words())

    def column(self) -> str:
        """The Synthèse's « Délai » cell: « T 6 j », or « T+4 j » once the window has run out."""
        key = "column_open" if self.open else "column_waiting"
        return TACIT_TEXTS[key].format(**self._words())

    def too_early(self) -> tuple[str, str]:
        """The warning's message and hint for a deposit of `short` before the window ends."""
        words = self._words()
        return TACIT_TEXTS["too_early"].format(**words), TACIT_TEXTS["too_early_hint"].format(
            **words
        )

    def _words(self) -> dict[str, object]:
        return {
            "short": self.short,
            "document": self.document,
            "start_short": self.start_short,
            "number": self.start_number,
            "start": f"{self.start_on:%d/%m/%Y}",
            "days": self.days,
            "due": f"{self.due:%d/%m/%Y}",
            "left": self.days_left,
            "past": -self.days_left,
        }


def tacit_countdown(
    short: str,
    document: str,
    start: tuple[str, str, date],
    days: int,
    today: date,
) -> TacitCountdown:
    """The window of `days` days opened when the piece `start` (cadre short, number, day it
    was made available) reached the owner side."""
    due = add_days(start[2], days)
    return TacitCountdown(short, document, *start, days, due, (due - today).days)
