"""What time alone changes, found once for a given day by the deadline sweep.

`Workflow.sweep(at)` first applies the transition table's `expire` rows (a validator let its
delay pass: VALIDATION n HORS DELAI, then on to the next holder), then asks this module for
the flags time sets without moving any piece:

- « action »: the holder's delay to act ran out (`deadlines.action_deadline`);
- « paiement »: the payment delay of a dossier ran out while a piece still awaits payment
  (`late_payment.piece_payment`);
- « refus_masque »: a refused piece left the Synthèse (`refused_hidden_after_days`).

The screens never read these flags: the Synthèse, the piece screen, `show` and the Tableau de
bord compute them from the same dates with the same rules, so they are right whether or not
a sweep ran (a store without a cron job still shows what is late). What is stored
(`deadline_notices`) is that the sweep noticed the crossing: one row per kind, piece and day
the delay started, so that each crossing is reported (and announced to plugins) once, and a
second sweep on the same day reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, exists, func, insert, select

from . import states as S
from . import vocabulary as V
from .deadlines import DeadlineConfig, add_days
from .late_payment import UNPAID_STAGES
from .states import Holder
from .store.schema import deadline_notices, dossiers, pieces

P, N = pieces.c, deadline_notices.c

#: The kind of a change that moved a piece (the table's `expire` rows).
VALIDATION = "validation"


class NoticeKind(StrEnum):
    """The flags the sweep sets (labels in `vocabulary.SWEEP_FLAG_LABELS`)."""

    ACTION = "action"
    PAYMENT = "paiement"
    REFUSED_HIDDEN = "refus_masque"


#: The stages in which a holder is expected to act (as in `deadlines.action_deadline`).
ACTING_STAGES = (S.Stage.AT_RECIPIENT, S.Stage.TAKEN, S.Stage.AT_VALIDATOR)


@dataclass(frozen=True, slots=True)
class SweepChange:
    """One thing the sweep changed: a piece moved (`from_state` → `to_state`) or a flag set."""

    kind: str  # VALIDATION or a NoticeKind
    piece_id: int
    number: str
    dossier_id: int
    since: date  # the day the delay started counting
    due: date  # its last day: the change happens the day after
    from_state: str = ""
    to_state: str = ""
    dossier: str = ""  # the dossier's number (payment flags)

    def describe(self) -> str:
        """One French line: « N° : état → état » or « N° : flag »."""
        if self.kind == VALIDATION:
            return f"{self.number} : {S.label(self.from_state)} → {S.label(self.to_state)}"
        flag = V.SWEEP_FLAG_LABELS[self.kind].format(
            due=f"{self.due:%d/%m/%Y}", dossier=self.dossier, days=(self.due - self.since).days
        )
        return f"{self.number} : {flag}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "piece": self.number,
            "piece_id": self.piece_id,
            "dossier_id": self.dossier_id,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "flag": "" if self.kind == VALIDATION else self.kind,
            "since": self.since,
            "due": self.due,
        }


def notice_flags(conn: Connection, at: date, deadlines: DeadlineConfig) -> list[SweepChange]:
    """Find the crossings not noticed yet as of `at` and record them, in the caller's write
    transaction (the unique key refuses a crossing two sweeps would record at once)."""
    found = [
        *_action_overdue(conn, at, deadlines),
        *_payment_overdue(conn, at, deadlines),
        *_refused_hidden(conn, at, deadlines),
    ]
    if found:
        conn.execute(
            insert(deadline_notices),
            [
                {
                    "kind": c.kind,
                    "piece_id": c.piece_id,
                    "dossier_id": c.dossier_id,
                    "since": c.since,
                    "due": c.due,
                    "noticed_on": at,
                }
                for c in found
            ],
        )
    return found


def _not_noticed(kind: NoticeKind, since: Any) -> Any:
    return ~exists().where(N.kind == str(kind), N.piece_id == P.id, N.since == since)


def _crossed(
    conn: Connection, kind: NoticeKind, since: Any, days: int, at: date, *where: Any
) -> Iterator[SweepChange]:
    """The pieces matching `where` whose delay of `days` from their `since` column ran out
    before `at`, not noticed yet for that start."""
    query = (
        select(P.id, P.number, P.dossier_id, since.label("since"))
        .where(*where, since < add_days(at, -days), _not_noticed(kind, since))
        .order_by(P.id)
    )
    for row in conn.execute(query):
        yield SweepChange(
            kind, row.id, row.number, row.dossier_id, row.since, add_days(row.since, days)
        )


def _action_overdue(conn: Connection, at: date, deadlines: DeadlineConfig) -> Iterator[SweepChange]:
    """Pieces whose holder has a configured delay and let it pass (due before `at`)."""
    codes = [s.code for s in S.STATES.values() if s.stage in ACTING_STAGES]
    for role in Holder:
        days = deadlines.for_holder(role)
        if days is None or role is Holder.NONE:
            continue
        yield from _crossed(
            conn,
            NoticeKind.ACTION,
            P.holder_since,
            days,
            at,
            P.holder_role == str(role),
            P.state.in_(codes),
        )


def _payment_overdue(
    conn: Connection, at: date, deadlines: DeadlineConfig
) -> Iterator[SweepChange]:
    """Dossiers whose payment clock ran out while a piece still awaits payment (the one that
    carries the deadline, `late_payment.UNPAID_STAGES`: open, or ended in the tool when the
    service financier took its final piece but has not put it in payment); the flag is kept
    on that piece, once per dossier and start of the clock."""
    D = dossiers.c
    unpaid = [s.code for s in S.STATES.values() if s.stage in UNPAID_STAGES]
    carrying = (
        select(P.dossier_id, func.min(P.id).label("piece_id"))
        .where(P.state.in_(unpaid))
        .group_by(P.dossier_id)
        .subquery()
    )
    noticed = exists().where(
        N.kind == str(NoticeKind.PAYMENT), N.dossier_id == D.id, N.since == D.moe_available_on
    )
    query = (
        select(
            D.id, D.number.label("dossier"), D.moe_available_on, P.id.label("piece_id"), P.number
        )
        .select_from(dossiers)
        .join(carrying, carrying.c.dossier_id == D.id)
        .join(pieces, P.id == carrying.c.piece_id)
        .where(
            D.moe_available_on.is_not(None),
            D.moe_available_on < add_days(at, -deadlines.payment_days),
            ~noticed,
        )
        .order_by(D.id)
    )
    for row in conn.execute(query):
        yield SweepChange(
            NoticeKind.PAYMENT,
            row.piece_id,
            row.number,
            row.id,
            row.moe_available_on,
            add_days(row.moe_available_on, deadlines.payment_days),
            dossier=row.dossier,
        )


def _refused_hidden(conn: Connection, at: date, deadlines: DeadlineConfig) -> Iterator[SweepChange]:
    """Refused pieces the Synthèse's filter now hides (refused before `at` minus the delay:
    the same bound as `PieceListing.synthese`)."""
    days = deadlines.refused_hidden_after_days
    yield from _crossed(
        conn,
        NoticeKind.REFUSED_HIDDEN,
        P.state_date,
        days,
        at,
        P.state.in_(S.refused_codes()),
    )
