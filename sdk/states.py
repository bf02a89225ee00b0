"""Piece states (état courant) and the actions allowed from them, as data.

A piece is held by one structure acting in one role (`holder_role`): the next actor who must
do something. The state says what happened last; the holder says who acts next.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


class Motive(StrEnum):
    ACHEMINEMENT = "ACHEMINEMENT"
    AUTRE_MOTIF = "AUTRE_MOTIF"


MOTIVE_LABELS = {
    Motive.ACHEMINEMENT: "erreur dans les données d'acheminement",
    Motive.AUTRE_MOTIF: "autre motif",
}


@dataclass(frozen=True, slots=True)
class State:
    code: str
    label: str
    stage: Stage


_WHO = {
    "FOURNISSEUR": ("du fournisseur", "le fournisseur"),
    "MOE": ("de la MOE", "la MOE"),
    "MOA": ("de la MOA", "la MOA"),
    "SERVICE_FINANCIER": ("du service financier", "le service financier"),
    "PREMIER_VALIDEUR": ("du premier valideur", "le premier valideur"),
    "SECOND_VALIDEUR": ("du second valideur", "le second valideur"),
}


def _build() -> dict[str, State]:
    states: list[State] = []
    for role in ("FOURNISSEUR", "MOE", "MOA", "SERVICE_FINANCIER"):
        of, by = _WHO[role]
        states.append(
            State(f"MISE_A_DISPOSITION_{role}", f"Mise à disposition {of}", Stage.AT_RECIPIENT)
        )
        states.append(State(f"PRISE_EN_COMPTE_{role}", f"Prise en compte par {by}", Stage.TAKEN))
        for motive, text in MOTIVE_LABELS.items():
            states.append(
                State(f"REFUSEE_{role}_{motive}", f"Refusée par {by} pour {text}", Stage.REFUSED)
            )
    for n, role in ((1, "PREMIER_VALIDEUR"), (2, "SECOND_VALIDEUR")):
        of, by = _WHO[role]
        states.append(
            State(f"MISE_A_DISPOSITION_{role}", f"Mise à disposition {of}", Stage.AT_VALIDATOR)
        )
        states.append(State(f"VALIDEE_PAR_{role}", f"Validée par {by}", Stage.AT_RECIPIENT))
        for motive, text in MOTIVE_LABELS.items():
            states.append(
                State(f"REFUSEE_{role}_{motive}", f"Refusée par {by} pour {text}", Stage.REFUSED)
            )
        states.append(
            State(
                f"VALIDATION_{n}_HORS_DELAI",
                f"Validation {n} hors délai : transmise sans action {of}",
                Stage.AT_RECIPIENT,
            )
        )
    states += [
        State("SUSPENDUE", "Suspendue : informations à compléter", Stage.SUSPENDED),
        State("COMPLETEE", "Complétée par le déposant", Stage.AT_RECIPIENT),
        State("ASSOCIEE", "Associée à la pièce suivante", Stage.ENDED),
        State(
            "REMPLACEE_PAR_A22",
            "Remplacée par un projet de décompte général (procédure tacite)",
            Stage.ENDED,
        ),
    ]
    return {s.code: s for s in states}


STATES: dict[str, State] = _build()

#: Which stages let the holder do what.
HOLDER_ACTIONS: dict[Stage, frozenset[Action]] = {
    Stage.AT_RECIPIENT: frozenset({Action.TAKE, Action.REFUSE, Action.SUSPEND, Action.ASSOCIATE}),
    Stage.TAKEN: frozenset({Action.REFUSE, Action.SUSPEND, Action.ASSOCIATE}),
    Stage.AT_VALIDATOR: frozenset({Action.VALIDATE, Action.REFUSE}),
    Stage.SUSPENDED: frozenset({Action.COMPLETE}),
    Stage.REFUSED: frozenset(),
    Stage.ENDED: frozenset(),
}

#: Which refusal motives each holder role may use (seeds 000 annex 3/3, 001 annex 3/4).
REFUSAL_MOTIVES: dict[str, frozenset[Motive]] = {
    "MOE": frozenset(Motive),
    "MOA": frozenset(Motive),
    "SERVICE_FINANCIER": frozenset({Motive.ACHEMINEMENT}),
    "FOURNISSEUR": frozenset({Motive.AUTRE_MOTIF}),
    "PREMIER_VALIDEUR": frozenset(Motive),
    "SECOND_VALIDEUR": frozenset(Motive),
}

#: Roles that may suspend a piece they hold (information missing).
SUSPENDERS = frozenset({"MOE", "MOA", "SERVICE_FINANCIER"})

ACTION_LABELS = {
    Action.TAKE: "Prendre en compte",
    Action.REFUSE: "Refuser",
    Action.SUSPEND: "Suspendre",
    Action.COMPLETE: "Compléter",
    Action.VALIDATE: "Valider",
    Action.ASSOCIATE: "Déposer la pièce suivante",
    Action.DEPOSIT: "Dépôt",
    Action.EXPIRE: "Délai de validation dépassé",
    Action.FORWARD: "Transmission",
}


def state(code: str) -> State:
    try:
        return STATES[code]
    except KeyError:
        raise KeyError(f"état inconnu : {code}") from None


def label(code: str) -> str:
    found = STATES.get(code)
    return found.label if found else code


def available_state(role: str) -> str:
    return f"MISE_A_DISPOSITION_{role}"


def taken_state(role: str) -> str:
    return f"PRISE_EN_COMPTE_{role}"


def refused_state(role: str, motive: Motive) -> str:
    return f"REFUSEE_{role}_{motive}"


def refused_codes() -> list[str]:
    return [s.code for s in STATES.values() if s.stage is Stage.REFUSED]
