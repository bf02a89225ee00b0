"""The payment deadline a piece carries and the late-payment interest (intérêts moratoires)
owed when it is paid late or still unpaid past it: an estimate shown to help, never a legal
decision.

The rule (code de la commande publique art. R2192-31 and R2192-32, from décret 2013-269
art. 8 and 9): the interest runs from the day after the payment deadline to the day paid
(today while unpaid); its rate is the ECB main refinancing operations rate in force on the
first day of the calendar half-year in which it began to run, plus 8 points, and that one
rate holds for the whole delay, even when the delay runs on into the next half-year. Interest
= amount to pay (TTC) × rate × days late / 365, rounded to the cent half-up; plus a flat
indemnity of 40 € for recovery costs, once per late piece. The ECB rates are a dated table
of the configuration (`[late_payment]`), with today's values below.

Which piece carries the dossier's payment deadline: one still awaiting payment (its stage is
one of `UNPAID_STAGES`) or the one put in payment (`PAID_STATE`, whose state date is the day
paid); a piece followed by the next one, replaced or refused carries none (the dossier's
live piece carries it, so the interest is never counted twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .amounts import format_amount
from .deadlines import DeadlineConfig, add_days
from .states import PAID_STATE, STATES, Stage

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class EcbRate:
    """The ECB main refinancing operations rate (percent) from `start` on."""

    start: date
    rate: Decimal


#: The ECB main refinancing operations rate since 2023, by the day each change took effect
#: (ECB, « Key ECB interest rates »; checked against the ECB's and the French trade press's
#: announcements of each decision). Update it in `[late_payment]` when the ECB changes it.
DEFAULT_ECB_RATES: tuple[EcbRate, ...] = tuple(
    EcbRate(date.fromisoformat(day), Decimal(rate))
    for day, rate in (
        ("2022-12-21", "2.50"),
        ("2023-02-08", "3.00"),
        ("2023-03-22", "3.50"),
        ("2023-05-10", "3.75"),
        ("2023-06-21", "4.00"),
        ("2023-08-02", "4.25"),
        ("2023-09-20", "4.50"),
        ("2024-06-12", "4.25"),
        ("2024-09-18", "3.65"),
        ("2024-10-23", "3.40"),
        ("2024-12-18", "3.15"),
        ("2025-02-05", "2.90"),
        ("2025-03-12", "2.65"),
        ("2025-04-23", "2.40"),
        ("2025-06-11", "2.15"),
    )
)


@dataclass(frozen=True, slots=True)
class LatePaymentConfig:
    """`[late_payment]`: the ECB rates table, the points added to it, the flat indemnity."""

    ecb_rates: tuple[EcbRate, ...] = DEFAULT_ECB_RATES
    margin: Decimal = Decimal("8")
    indemnity: Decimal = Decimal("40.00")

    def ecb_rate_on(self, day: date) -> Decimal | None:
        """The rate in force on `day` (None before the table's first date)."""
        found = None
        for row in sorted(self.ecb_rates, key=lambda r: r.start):
            if row.start <= day:
                found = row.rate
        return found


#: The stages of a piece still awaiting payment: it carries its dossier's payment deadline.
UNPAID_STAGES = frozenset({Stage.AT_RECIPIENT, Stage.TAKEN, Stage.AT_VALIDATOR, Stage.SUSPENDED})


def carries_payment_deadline(state: str) -> bool:
    found = STATES.get(state)
    return state == PAID_STATE or (found is not None and found.stage in UNPAID_STAGES)


def semester_start(day: date) -> date:
    """The first day of the calendar half-year of `day` (1 January or 1 July)."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


@dataclass(frozen=True, slots=True)
class LateInterest:
    """What a late piece owes: `days` late from `began` (the day after the deadline), the
    half-year whose first day fixes the rate, the ECB rate and the annual rate (percent;
    None when the table has no rate for that day), the interest, the flat indemnity and
    their total (the indemnity alone when the rate is unknown)."""

    days: int
    began: date
    semester: date
    ecb_rate: Decimal | None
    rate: Decimal | None
    interest: Decimal | None
    indemnity: Decimal
    total: Decimal

    def describe(self) -> str:
        """One line in French, saying it is an estimate."""
        indemnity = f"indemnité forfaitaire {format_amount(self.indemnity)} €"
        if self.rate is None or self.interest is None:
            return (
                f"Intérêts moratoires (estimation) : taux BCE inconnu au "
                f"{self.semester:%d/%m/%Y} (configuration [late_payment]) ; {indemnity}"
            )
        rate = f"{self.rate:f}".replace(".", ",")
        return (
            f"Intérêts moratoires (estimation) : {format_amount(self.interest)} € "
            f"({self.days} j à {rate} %) + {indemnity} = {format_amount(self.total)} €"
        )


def late_interest(
    amount: Decimal, due: date, until: date, config: LatePaymentConfig
) -> LateInterest | None:
    """The interest on `amount` paid (or still unpaid) on `until` for a deadline `due`;
    None when it is not late."""
    days = (until - due).days
    if days <= 0:
        return None
    began = due + timedelta(days=1)
    semester = semester_start(began)
    ecb = config.ecb_rate_on(semester)
    rate = ecb + config.margin if ecb is not None else None
    interest = (
        (amount * rate * days / Decimal(36500)).quantize(CENT, rounding=ROUND_HALF_UP)
        if rate is not None
        else None
    )
    indemnity = config.indemnity.quantize(CENT, rounding=ROUND_HALF_UP)
    return LateInterest(
        days, began, semester, ecb, rate, interest, indemnity, (interest or Decimal(0)) + indemnity
    )


@dataclass(frozen=True, slots=True)
class PiecePayment:
    """The payment deadline a piece carries: `due`, the day paid (None: not yet), the days
    left before the deadline counted to the day paid or today (negative: late), and the
    interest owed when late."""

    due: date
    paid_on: date | None
    days_left: int
    late: LateInterest | None = field(default=None)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def short(self) -> str:
        """For a column: « payée », days left (« 12 j ») or days late (« +15 j »)."""
        if self.paid_on is not None:
            return "payée"
        return f"+{-self.days_left}\u00a0j" if self.overdue else f"{self.days_left}\u00a0j"

    def describe(self) -> str:
        due = f"{self.due:%d/%m/%Y}"
        if self.paid_on is not None:
            when = f"Mise en paiement le {self.paid_on:%d/%m/%Y}"
            if self.overdue:
                return f"{when}, {-self.days_left} j après l'échéance du {due}"
            return f"{when}, dans le délai (échéance {due})"
        if self.overdue:
            return f"Paiement : échéance dépassée de {-self.days_left} j ({due})"
        return f"Paiement : {self.days_left} j restants (échéance {due})"


def piece_payment(
    state: str,
    state_date: date,
    amount_due: Decimal,
    clock_start: date | None,
    today: date,
    deadlines: DeadlineConfig,
    config: LatePaymentConfig,
) -> PiecePayment | None:
    """The payment deadline of a piece in `state` whose dossier's clock started on
    `clock_start` (None: not started), with the interest owed at `today` or the day paid."""
    if clock_start is None or not carries_payment_deadline(state):
        return None
    due = add_days(clock_start, deadlines.payment_days)
    paid_on = state_date if state == PAID_STATE else None
    until = paid_on or today
    return PiecePayment(
        due, paid_on, (due - until).days, late_interest(amount_due, due, until, config)
    )
