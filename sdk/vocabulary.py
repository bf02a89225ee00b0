"""Every French word the engine shows: one place for labels and sentences (seeds' wording).

The front-ends and the CLI's human output take their labels from here, never from codes.
"""

from __future__ import annotations

#: "transmise …": to whom a piece goes, with its preposition (keyed by holder role; the
#: roles are `states.Holder` string values: this module imports nothing of the engine, so that
#: the engine's tables can take their labels from here).
TO_HOLDER = {
    "MOE": "à la maîtrise d'œuvre",
    "MOA": "à la maîtrise d'ouvrage",
    "SERVICE_FINANCIER": "au service financier",
    "FOURNISSEUR": "au fournisseur",
    "PREMIER_VALIDEUR": "au premier valideur",
    "SECOND_VALIDEUR": "au second valideur",
}


#: Feminine head nouns of billing documents beyond those the endings below tell (the
#: others are taken as masculine).
_FEMININE_NOUNS = frozenset(
    ("demande", "garantie", "lettre", "levée", "note", "pièce", "réponse", "requête", "retenue")
)
_FEMININE_ENDINGS = ("tion", "sion", "ure", "ance", "ence", "ette", "ise")


def _is_feminine(document: str) -> bool:
    """Whether a document's name takes « la » (by its first word)."""
    head = document.split(" ", 1)[0].lower()
    return head in _FEMININE_NOUNS or head.endswith(_FEMININE_ENDINGS)


def deposited_sentence(document: str, number: str, feminine: bool | None = None) -> str:
    """« Le projet de décompte mensuel numéro … a été déposé, il est » (seed 000), with the
    article and agreement the document needs (`feminine`: None tells it by the first word)."""
    noun = document[0].lower() + document[1:]
    if feminine is None:
        feminine = _is_feminine(noun)
    article = "L'" if noun[0] in "aeéèêiîouy" else "La " if feminine else "Le "
    agreement = "déposée, elle" if feminine else "déposé, il"
    return f"{article}{noun} numéro {number} a été {agreement} est"


# -- states, actions, motives and transitions (the engine's tables take their labels here) ------

#: Refusal motives (seeds 000 annex 3/3, 001 annex 3/4), keyed by `states.Motive` value.
MOTIVE_LABELS = {
    "ACHEMINEMENT": "erreur dans les données d'acheminement",
    "AUTRE_MOTIF": "autre motif",
}

#: Actions on a piece, keyed by `states.Action` value (history, menus, refusals).
ACTION_LABELS = {
    "take": "Prendre en compte",
    "refuse": "Refuser",
    "suspend": "Suspendre",
    "complete": "Compléter",
    "validate": "Valider",
    "associate": "Déposer la pièce suivante",
    "deposit": "Dépôt",
    "expire": "Délai de validation dépassé",
    "forward": "Transmission",
}

#: Holder roles in state labels: (« de la MOE », « par la MOE »'s noun group « la MOE »).
WHO = {
    "FOURNISSEUR": ("du fournisseur", "le fournisseur"),
    "MOE": ("de la MOE", "la MOE"),
    "MOA": ("de la MOA", "la MOA"),
    "SERVICE_FINANCIER": ("du service financier", "le service financier"),
    "PREMIER_VALIDEUR": ("du premier valideur", "le premier valideur"),
    "SECOND_VALIDEUR": ("du second valideur", "le second valideur"),
    "DEPOSANT": ("du déposant", "le déposant"),
}

_RECIPIENTS = ("FOURNISSEUR", "MOE", "MOA", "SERVICE_FINANCIER")
_VALIDATORS = ((1, "PREMIER_VALIDEUR"), (2, "SECOND_VALIDEUR"))


def _state_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for role in (*_RECIPIENTS, *(r for _, r in _VALIDATORS)):
        of, by = WHO[role]
        labels[f"MISE_A_DISPOSITION_{role}"] = f"Mise à disposition {of}"
        for motive, text in MOTIVE_LABELS.items():
            labels[f"REFUSEE_{role}_{motive}"] = f"Refusée par {by} pour {text}"
    for role in _RECIPIENTS:
        labels[f"PRISE_EN_COMPTE_{role}"] = f"Prise en compte par {WHO[role][1]}"
    for n, role in _VALIDATORS:
        of, by = WHO[role]
        labels[f"VALIDEE_PAR_{role}"] = f"Validée par {by}"
        labels[f"VALIDATION_{n}_HORS_DELAI"] = (
            f"Validation {n} hors délai : transmise sans action {of}"
        )
    labels |= {
        "SUSPENDUE": "Suspendue : informations à compléter",
        "COMPLETEE": "Complétée par le déposant",
        "ASSOCIEE": "Associée à la pièce suivante",
        "REMPLACEE_PAR_A22": "Remplacée par un projet de décompte général (procédure tacite)",
    }
    return labels


#: Labels of the built-in piece states (seeds' wording), keyed by state code.
STATE_LABELS: dict[str, str] = _state_labels()

#: Stages: what a state means for who acts next, keyed by `states.Stage` value.
STAGE_LABELS = {
    "at_recipient": "à traiter par le destinataire",
    "taken": "prise en compte",
    "at_validator": "à valider",
    "suspended": "suspendue",
    "refused": "refusée",
    "ended": "terminée",
}

#: Who may apply a transition, keyed by `transitions.Actor` value.
ACTOR_LABELS = {
    "holder": "le détenteur de la pièce",
    "depositor": "le déposant de la pièce",
    "supplier": "le fournisseur du dossier",
    "next_depositor": "le déposant de la pièce suivante refusée",
    "system": "Decompte (automatique)",
}

#: Who holds the piece after a transition, keyed by `transitions.NextHolder` value.
NEXT_HOLDER_LABELS = {
    "same": "le même détenteur",
    "depositor": "le déposant",
    "suspender": "celui qui l'a suspendue",
    "next": "le rôle suivant du cadre",
    "second_validator": "le second valideur",
    "route": "le destinataire du dépôt",
    "nobody": "personne",
}

#: Conditions of transitions, keyed by guard name (`transitions.GUARDS`).
GUARD_LABELS = {
    "final_cadre_taken_by_next_role": "cadre final pris en compte par son destinataire",
    "holder_may_suspend": "le détenteur peut suspendre (MOE, MOA, service financier)",
    "initial_piece": "pièce initiale du dossier",
    "second_validator_named": "un second valideur est désigné",
    "next_cadre_by_holder": "la pièce suivante est déposée par le détenteur",
    "next_cadre_tacit": "la pièce suivante relève de la procédure tacite",
    "next_piece_refused": "la pièce suivante a été refusée",
}

#: Dossier statuses a transition sets, keyed by status code.
DOSSIER_STATUS_LABELS = {
    "EN_COURS": "en cours",
    "TERMINE": "terminé",
    "REFUSE": "refusé",
}

#: History comments the engine writes itself, keyed by `Transition.reason`.
REASON_TEXTS = {
    "to_next_holder": "Transmise {to_holder}",
    "to_second_validator": "Transmise au second valideur",
    "next_piece": "Pièce suivante {short} n° {number}",
}

#: Why the engine refuses a transition (each a sentence; {state} / {action} filled in).
TRANSITION_REFUSALS = {
    "no_transition": "Action « {action} » impossible : la pièce est « {state} »",
    "no_transition_hint": "rechargez la pièce : quelqu'un a peut-être agi avant vous",
    "holder": "La pièce attend une autre structure",
    "holder_hint": "seul le détenteur de la pièce peut la traiter",
    "depositor": "La pièce attend une autre structure",
    "depositor_hint": "seul le déposant complète une pièce suspendue",
    "supplier": "Seul le fournisseur du dossier dépose en procédure tacite",
    "next_depositor": "Seul le déposant de la pièce suivante refusée la redépose",
    "system": "Cette transition est appliquée par Decompte lui-même",
    "holder_may_suspend": "Un valideur ne suspend pas une pièce",
    "holder_may_suspend_hint": "validez-la ou refusez-la",
    "associate": "La pièce est « {state} » : on ne peut plus lui associer de pièce suivante",
    "associate_holder": "Seul le destinataire de la pièce dépose la suivante",
    "associate_holder_hint": "la pièce attend une autre structure",
    "motive": "Motif {motive} non admis pour {role}",
    "motive_hint": "motifs possibles : {allowed}",
}

