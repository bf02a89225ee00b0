"""The tacit procedure's windows, as data, and the countdown of a dossier whose owner side is
silent (CCAG-Travaux 2021 art. 12.4; the lengths are `[deadlines]` configuration, « à
vérifier »).

Each step names the cadre the contractor may deposit once the window has run out, the cadres
whose being made available to the owner side opens it, and the `DeadlineConfig` field that
holds its length. A piece the owner side holds without answering (the final draft at the MOE,
the MOE's A17 or the contractor's A22 at the MOA) shows the countdown of the step that may
follow it (`show`, the Synthèse, the piece screen); depositing the step's cadre before the end
is a warning (rule `tacit.window`). The countdown informs; it never decides a legal question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from .cadres import CadreTable
from .deadlines import DeadlineConfig, TacitCountdown, tacit_countdown
from .states import STATES, Holder, Stage
from .store.schema import events, pieces

A22 = "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE"
A23 = "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR"
_FINAL_DRAFTS = (
    "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR",
    "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT",
    "A14_PROJET_DECOMPTE_FINAL_COTRAITANT",
)


@dataclass(frozen=True, slots=True)
class TacitStep:
    """`cadre` may be deposited `DeadlineConfig.<days_key>` days after a piece of one of the
    `start` cadres of its dossier was made available to the owner side."""

    cadre: str
    start: tuple[str, ...]
    days_key: str


TACIT_STEPS: tuple[TacitStep, ...] = (
    TacitStep(A22, _FINAL_DRAFTS, "tacit_a22_days"),
    TacitStep(A23, (A22,), "tacit_a23_days"),
)

#: Who is silent while the countdown runs: the owner side holding the piece, unanswered.
_OWNER_SIDE = frozenset({Holder.MOE.value, Holder.MOA.value})
_WAITING = frozenset({Stage.AT_RECIPIENT, Stage.TAKEN})
#: How far back a chain is walked to find the piece that opened the window.
_MAX_CHAIN = 20


def step_of(cadre: str) -> TacitStep | None:
    """The step whose deposit is `cadre` (the rule's question: is it early?)."""
    return next((s for s in TACIT_STEPS if s.cadre == cadre), None)


def step_after(cadres: CadreTable, cadre: str) -> TacitStep | None:
    """The step that may follow a piece of `cadre` (A22 after A7/A11/A14/A17, A23 after A22)."""
    for step in TACIT_STEPS:
        found = cadres.get(step.cadre)
        if found is not None and cadre in found.follows:
            return step
    return None


def owner_side_silent(piece: Any) -> bool:
    """The piece waits on the MOE or the MOA, who has neither answered nor refused it."""
    known = STATES.get(piece.state)
    return known is not None and known.stage in _WAITING and piece.holder_role in _OWNER_SIDE


def made_available_on(conn: Connection, piece_id: int) -> date | None:
    """The day the piece reached its recipient: its first history event into a « to be
    processed » state after the last one into a validator's (a deposit straight to the MOE,
    or the validation that forwarded it)."""
    found: date | None = None
    e = events.c
    for to_state, at in conn.execute(
        select(e.to_state, e.at).where(e.piece_id == piece_id).order_by(e.id)
    ):
        stage = STATES[to_state].stage if to_state in STATES else None
        if stage is Stage.AT_VALIDATOR:
            found = None
        elif stage is Stage.AT_RECIPIENT and found is None:
            found = at.date()
    return found


def countdown(
    conn: Connection,
    piece: Any,
    step: TacitStep,
    cadres: CadreTable,
    config: DeadlineConfig,
    today: date,
) -> TacitCountdown | None:
    """The window of `step` for a deposit after `piece` (a store row or a `Piece`): opened by
    `piece` or the nearest piece before it of a `start` cadre; None when there is none or it
    never reached its recipient."""
    p = pieces.c
    current: Any = piece
    for _ in range(_MAX_CHAIN):
        if current.cadre in step.start:
            break
        if current.previous_id is None:
            return None
        current = conn.execute(
            select(p.id, p.cadre, p.number, p.previous_id).where(p.id == current.previous_id)
        ).first()
        if current is None:
            return None
    else:
        return None
    on = made_available_on(conn, current.id)
    deposited, opening = cadres.get(step.cadre), cadres.get(current.cadre)
    if on is None or deposited is None:
        return None
    start_short = opening.short if opening else current.cadre
    days = int(getattr(config, step.days_key))
    start = (start_short, current.number, on)
    return tacit_countdown(deposited.short, deposited.document, start, days, today)


def waiting_countdown(
    conn: Connection, piece: Any, cadres: CadreTable, config: DeadlineConfig, today: date
) -> TacitCountdown | None:
    """The countdown shown on a piece the owner side leaves unanswered (None otherwise)."""
    if not owner_side_silent(piece):
        return None
    step = step_after(cadres, piece.cadre)
    return countdown(conn, piece, step, cadres, config, today) if step else None
