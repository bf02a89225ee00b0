"""Piece states (état courant), their stages, the actions and refusal motives, as data.

A piece is held by one structure acting in one role (`holder_role`): the next actor who must
do something. The state says what happened last; the holder says who acts next. Where each
action leads from each state is the transition table (`transitions`); the French labels are
the vocabulary's (`MOTIVE_LABELS`, `ACTION_LABELS` are re-exported here for callers).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .vocabulary import ACTION_LABELS as ACTION_LABELS  # re-exported for callers
from .vocabulary import MOTIVE_LABELS as MOTIVE_LABELS
from .vocabulary import STATE_LABELS, refused_label


class Holder(StrEnum):
    """Who holds a piece: the role in which the holder structure must act."""

    FOURNISSEUR = "FOURNISSEUR"
    MOE = "MOE"
    MOA = "MOA"
    SERVICE_FINANCIER = "SERVICE_FINANCIER"
    PREMIER_VALIDEUR = "PREMIER_VALIDEUR"
    SECOND_VALIDEUR = "SECOND_VALIDEUR"
    DEPOSANT = "DEPOSANT"  # suspended (must complete) or refused (informed)
    NONE = ""


class Stage(StrEnum):
    AT_RECIPIENT = "at_recipient"  # made available, completed, validated: all actions open
    TAKEN = "taken"  # taken into account: refuse, suspend, associate still open
    AT_VALIDATOR = "at_validator"
    SUSPENDED = "suspended"
    REFUSED = "refused"
    ENDED = "ended"


class Action(StrEnum):
    TAKE = "take"
    REFUSE = "refuse"
    SUSPEND = "suspend"
    COMPLETE = "complete"
    VALIDATE = "validate"
    ASSOCIATE = "associate"
    DEPOSIT = "deposit"
    EXPIRE = "expire"
    FORWARD = "forward"
    PAY = "pay"  # mise en paiement by the service financier


class Motive(StrEnum):
    ACHEMINEMENT = "ACHEMINEMENT"
    AUTRE_MOTIF = "AUTRE_MOTIF"


@dataclass(frozen=True, slots=True)
class State:
    code: str
    label: str
    stage: Stage


_RECIPIENTS = ("FOURNISSEUR", "MOE", "MOA", "SERVICE_FINANCIER")
#: The state of a piece the service financier put in payment (Chorus Pro's « Mise en
#: paiement »); its `state_date` is the day paid, which stops its payment clock.
PAID_STATE = "MISE_EN_PAIEMENT"
_VALIDATORS = ((1, "PREMIER_VALIDEUR"), (2, "SECOND_VALIDEUR"))

#: Which refusal motives each holder role may use, and so which refused states exist (seeds
#: 000 annex 3/3, 001 annex 3/4): the MOE and the MOA refuse for a routing error or another
#: motive; the contractor refuses a general statement for another motive only (« Décompte
#: général refusé par fournisseur pour autre raison »); the service financier for a routing
#: error only (the seeds show it no other refusal); the validators for either.
REFUSAL_MOTIVES: dict[str, frozenset[Motive]] = {
    "MOE": frozenset(Motive),
    "MOA": frozenset(Motive),
    "SERVICE_FINANCIER": frozenset({Motive.ACHEMINEMENT}),
    "FOURNISSEUR": frozenset({Motive.AUTRE_MOTIF}),
    "PREMIER_VALIDEUR": frozenset(Motive),
    "SECOND_VALIDEUR": frozenset(Motive),
}


def _refused(role: str) -> list[tuple[str, Stage, str]]:
    return [
        (f"REFUSEE_{role}_{motive}", Stage.REFUSED, refused_label(role, motive))
        for motive in sorted(REFUSAL_MOTIVES[role])
    ]


def _build() -> dict[str, State]:
    """The built-in states: codes and stages here, labels from the vocabulary; a refused
    state for each motive its role may give (`REFUSAL_MOTIVES`), no other."""
    built: list[tuple[str, Stage, str]] = []
    for role in _RECIPIENTS:
        built += [
            (f"MISE_A_DISPOSITION_{role}", Stage.AT_RECIPIENT, ""),
            (f"PRISE_EN_COMPTE_{role}", Stage.TAKEN, ""),
            *_refused(role),
        ]
    for n, role in _VALIDATORS:
        built += [
            (f"MISE_A_DISPOSITION_{role}", Stage.AT_VALIDATOR, ""),
            (f"VALIDEE_PAR_{role}", Stage.AT_RECIPIENT, ""),
            *_refused(role),
            (f"VALIDATION_{n}_HORS_DELAI", Stage.AT_RECIPIENT, ""),
        ]
    built += [
        ("SUSPENDUE", Stage.SUSPENDED, ""),
        ("COMPLETEE", Stage.AT_RECIPIENT, ""),
        ("ASSOCIEE", Stage.ENDED, ""),
        ("REMPLACEE_PAR_A22", Stage.ENDED, ""),
        (PAID_STATE, Stage.ENDED, ""),
    ]
    return {code: State(code, text or STATE_LABELS[code], stage) for code, stage, text in built}


STATES: dict[str, State] = _build()

#: Roles that may suspend a piece they hold (information missing).
SUSPENDERS = frozenset({"MOE", "MOA", "SERVICE_FINANCIER"})


def state(code: str) -> State:
    try:
        return STATES[code]
    except KeyError:
        raise KeyError(f"état inconnu : {code}") from None


def label(code: str) -> str:
    found = STATES.get(code)
    return found.label if found else code


def available_state(role: str) -> str:
    """Where a deposit for `role` starts (the transition table's deposit row)."""
    from .transitions import TRANSITIONS

    return TRANSITIONS.initial("", role).target


def taken_state(role: str) -> str:
    """The state a piece made available to `role` reaches when it is taken into account."""
    from .transitions import TRANSITIONS

    return TRANSITIONS.first(Action.TAKE, role=role).target


def refused_state(role: str, motive: Motive | str) -> str:
    """The state a refusal by `role` for `motive` leads to."""
    from .transitions import TRANSITIONS

    return TRANSITIONS.first(Action.REFUSE, role=role, motive=str(motive)).target


def refused_codes() -> list[str]:
    return [s.code for s in STATES.values() if s.stage is Stage.REFUSED]
