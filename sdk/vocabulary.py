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
    "pay": "Mettre en paiement",
}

#: Shorter names of actions on a key (the app's key bar), where they differ from the label.
ACTION_KEY_LABELS = {"associate": "Pièce suivante"}

#: What an action that needs a comment asks for, keyed by `states.Action` value: the field's
#: label, its placeholder, and what the refusal of an empty comment asks to state.
COMMENT_PROMPTS = {
    "refuse": ("Motif du refus", "précisez l'erreur constatée", "le motif du refus"),
    "suspend": (
        "Informations manquantes",
        "ce que le déposant doit compléter",
        "les informations manquantes",
    ),
    "complete": ("Ce qui a été complété", "ex. bon de commande joint", "ce qui a été complété"),
}

#: The question an action's dialog asks ({verb}: its label, {what}: « la facture n° … »,
#: {it}: « la » / « le »); « {verb} {what} ? » for the others.
ACTION_QUESTIONS = {"validate": "{verb} {what} et {it} transmettre à son destinataire ?"}

#: A refusal motive explained where a user picks it (the refuse dialog).
MOTIVE_HELP = {
    "ACHEMINEMENT": "Erreur dans les données d'acheminement (destinataire, service, engagement…)",
    "AUTRE_MOTIF": "Autre motif (décompte général contesté, pièce sans rapport…)",
}

#: The refuse dialog's reminder, the `process --motive` help and the motive error's hint
#: (seed 000: « Une pièce peut être refusée uniquement si [il y a] erreur de destinataire »; a
#: different amount is corrected in the next piece the MOE deposits, its état d'acompte).
REFUSAL_WARNING = (
    "Un écart de montant n'est pas un motif de refus pour la MOE : il se corrige dans "
    "l'état d'acompte qu'elle dépose ensuite."
)

#: The refusal of a refuse without a usable motive ({allowed}: `motive_choices`).
MOTIVE_REFUSALS = {
    "missing": "Motif de refus obligatoire",
    "unknown": "Motif de refus « {motive} » non admis pour {who}",
    "hint": "motifs possibles : {allowed}",
    "none": "aucun",
}


#: `decompte process --help` on the refusal motive ({choices}: every motive, with its label).
MOTIVE_OPTION_HELP = (
    "motif du refus, obligatoire pour refuse, sans valeur par défaut : {choices} ; "
    "s'il manque ou n'est pas admis, ceux que le détenteur de la pièce peut donner sont "
    "listés. " + REFUSAL_WARNING
)


def motive_choices(codes: list[str] | tuple[str, ...], *, with_codes: bool = True) -> str:
    """« ACHEMINEMENT (erreur dans les données d'acheminement), AUTRE_MOTIF (autre motif) »:
    the motive codes the CLI takes, each with its label (the labels alone for the app)."""
    shown = (
        f"{c} ({MOTIVE_LABELS.get(c, c)})" if with_codes else MOTIVE_LABELS.get(c, c) for c in codes
    )
    return ", ".join(shown) or MOTIVE_REFUSALS["none"]


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
        labels[f"MISE_A_DISPOSITION_{role}"] = f"Mise à disposition {WHO[role][0]}"
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
        "MISE_EN_PAIEMENT": "Mise en paiement",
    }
    return labels


#: Labels of the built-in piece states (seeds' wording), keyed by state code; the refused
#: states' labels are `refused_label`'s (which exist is `states.REFUSAL_MOTIVES`).
STATE_LABELS: dict[str, str] = _state_labels()


def refused_label(role: str, motive: str) -> str:
    """« Refusée par la MOE pour autre motif »."""
    return f"Refusée par {WHO[role][1]} pour {MOTIVE_LABELS[motive]}"


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
    "moe": "la maîtrise d'œuvre de la pièce (pour la maîtrise d'ouvrage)",
    "next_depositor": "le déposant de la pièce suivante refusée",
    "system": "Decompte (automatique)",
}

#: Conditions of transitions, keyed by guard name (`transitions.GUARDS`).
GUARD_LABELS = {
    "final_cadre_taken_by_next_role": "cadre final pris en compte par son destinataire",
    "holder_may_suspend": "le détenteur peut suspendre (MOE, MOA, service financier)",
    "initial_piece": "pièce initiale du dossier",
    "second_validator_named": "un second valideur est désigné",
    "next_cadre_by_holder": "la pièce suivante est déposée par le détenteur",
    "next_cadre_replaces": "la pièce suivante remplace celle-ci (projet de décompte général, "
    "procédure tacite)",
    "next_cadre_by_supplier": "la pièce suivante est déposée par le fournisseur (procédure tacite)",
    "next_cadre_by_moe": "la pièce suivante est déposée par la maîtrise d'œuvre pour la maîtrise "
    "d'ouvrage (procédure tacite)",
    "next_piece_refused": "la pièce suivante a été refusée",
}

#: The tacit procedure's countdown and its early-deposit warning (`deadlines.TacitCountdown`):
#: {short}/{document} the piece the contractor may deposit, {start_short} n° {number} made
#: available on {start} the piece that opened the window of {days} days ending on {due},
#: {left} the days that remain.
TACIT_TEXTS = {
    "label": "Procédure tacite",
    "waiting": "{document} ({short}) possible dans {left} j, le {due} "
    "({days} j après la mise à disposition de la pièce {start_short} n° {number} le {start})",
    "open": "{document} ({short}) possible depuis le {due} "
    "({days} j après la mise à disposition de la pièce {start_short} n° {number} le {start})",
    "cell_waiting": "Tacite {short} : {left} j",
    "cell_open": "Tacite {short} : ouverte",
    # the Synthèse's « Délai » cell (7 columns), when the tacit window ends before the
    # holder's own deadline: « T 6 j », « T+4 j » once it has run out
    "column_waiting": "T\u00a0{left}\u00a0j",
    "column_open": "T+{past}\u00a0j",
    "too_early": "Dépôt anticipé du {short} : il reste {left} j avant la fin du délai de "
    "{days} j ouvert par la mise à disposition de la pièce {start_short} n° {number} le "
    "{start} (échéance le {due})",
    "too_early_hint": "la procédure tacite s'ouvre quand ce délai est écoulé (CCAG-Travaux "
    "2021 art. 12.4, délai configurable, à vérifier) ; confirmez le dépôt si vous êtes sûr "
    "de votre droit",
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

#: The history comment of a mise en paiement ({day}: the day paid, as recorded).
PAID_NOTE = "Mise en paiement le {day:%d/%m/%Y}"

#: Why the engine refuses a transition (each a sentence; {state} / {action} filled in).
TRANSITION_REFUSALS = {
    "no_transition": "Action « {action} » impossible : la pièce est « {state} »",
    "no_transition_hint": "rechargez la pièce : quelqu'un a peut-être agi avant vous",
    "holder": "La pièce attend une autre structure",
    "holder_hint": "seul le détenteur de la pièce peut la traiter",
    "depositor": "La pièce attend une autre structure",
    "depositor_hint": "seul le déposant complète une pièce suspendue",
    "supplier": "Seul le fournisseur du dossier dépose en procédure tacite",
    "moe": "Seule la maîtrise d'œuvre de la pièce dépose ce décompte pour la maîtrise d'ouvrage",
    "next_depositor": "Seul le déposant de la pièce suivante refusée la redépose",
    "system": "Cette transition est appliquée par Decompte lui-même",
    "holder_may_suspend": "Un valideur ne suspend pas une pièce",
    "holder_may_suspend_hint": "validez-la ou refusez-la",
    "associate": "La pièce est « {state} » : on ne peut plus lui associer de pièce suivante",
    "associate_holder": "Seul le destinataire de la pièce dépose la suivante",
    "associate_holder_hint": "la pièce attend une autre structure",
    "inactive_holder": "Action « {action} » impossible : la structure qui recevrait la pièce "
    "est inactive",
}


# -- roles: marché actors, piece holders, structure members ------------------------------------

#: Roles on a marché (`model.ActorRole`) and holders of a piece (`states.Holder`), by value:
#: what a screen or a human CLI output shows instead of the code.
ROLE_LABELS = {
    "FOURNISSEUR": "Fournisseur",
    "COTRAITANT": "Cotraitant",
    "SOUSTRAITANT": "Sous-traitant",
    "MOE": "Maîtrise d'œuvre",
    "MOA": "Maîtrise d'ouvrage",
    "SERVICE_FINANCIER": "Service financier",
    "PREMIER_VALIDEUR": "Premier valideur",
    "SECOND_VALIDEUR": "Second valideur",
    "DEPOSANT": "Déposant",
}

#: A structure that holds no role on any marché (a user's identity line).
NO_ROLE_LABEL = "sans rôle sur un marché"

#: Kinds of structure identifier (seed 002), keyed by `model.IdentifierType` value.
IDENTIFIER_TYPE_LABELS = {
    "SIRET": "SIRET",
    "UE_HORS_FRANCE": "UE hors France",
    "HORS_UE": "hors UE",
    "RIDET": "RIDET",
    "TAHITI": "TAHITI",
    "AUTRE": "autre",
    "PARTICULIER": "particulier",
}

#: What a public structure requires on incoming pieces, keyed by `model.RoutingMode` value.
ROUTING_MODE_LABELS = {
    "none": "ni service ni engagement",
    "service": "code service",
    "engagement": "numéro d'engagement",
    "service_and_engagement": "code service et numéro d'engagement",
    "service_or_engagement": "code service ou numéro d'engagement",
}

#: Members of a structure, keyed by `model.MemberRole` value (seed 002: user roles).
MEMBER_LABELS = {
    "GESTIONNAIRE_PRINCIPAL": "gestionnaire principal",
    "GESTIONNAIRE_SECONDAIRE": "gestionnaire secondaire",
    "UTILISATEUR_SIMPLE": "utilisateur",
}


def role_label(code: str) -> str:
    """« Maîtrise d'œuvre » for MOE, « — » for none; a role a plugin invented (no label
    here) reads as words rather than as a code."""
    if not code:
        return "—"
    return ROLE_LABELS.get(code) or code.replace("_", " ").capitalize()


# -- cadres de facturation ---------------------------------------------------------------------

#: The built-in cadres' label and deposited document, keyed by cadre code: the seeds' picker
#: (« Cadres de facturation / Documents déposés », seed 001) and its « A4 — Projet de décompte
#: mensuel déposé par un fournisseur » (seed 000). `show`, `cadres`, the deposit receipt and
#: the app all read them through the `Cadre` rows built from this table.
CADRE_TEXTS: dict[str, tuple[str, str]] = {
    "A1_FACTURE_FOURNISSEUR": ("Facture déposée par un fournisseur", "Facture"),
    "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE": (
        "Facture déjà payée déposée par un fournisseur",
        "Facture",
    ),
    "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR": (
        "Projet de décompte mensuel déposé par un fournisseur",
        "Projet de décompte mensuel",
    ),
    "A5_ETAT_ACOMPTE_FOURNISSEUR": ("État d'acompte déposé par un fournisseur", "État d'acompte"),
    "A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR": (
        "Pièce de facturation de travaux transmise au service financier (projet de décompte "
        "mensuel, état d'acompte ou état d'acompte validé)",
        "Pièce de facturation de travaux transmise au service financier",
    ),
    "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR": (
        "Projet de décompte final déposé par un fournisseur",
        "Projet de décompte final",
    ),
    "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR": (
        "Projet de décompte général et définitif déposé par un fournisseur",
        "Projet de décompte général et définitif",
    ),
    "A9_FACTURE_SOUSTRAITANT": ("Facture déposée par un sous-traitant", "Facture"),
    "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT": (
        "Projet de décompte mensuel déposé par un sous-traitant",
        "Projet de décompte mensuel",
    ),
    "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT": (
        "Projet de décompte final déposé par un sous-traitant",
        "Projet de décompte final",
    ),
    "A12_FACTURE_COTRAITANT": ("Facture déposée par un cotraitant", "Facture"),
    "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT": (
        "Projet de décompte mensuel déposé par un cotraitant",
        "Projet de décompte mensuel",
    ),
    "A14_PROJET_DECOMPTE_FINAL_COTRAITANT": (
        "Projet de décompte final déposé par un cotraitant",
        "Projet de décompte final",
    ),
    "A15_ETAT_ACOMPTE_MOE": ("État d'acompte déposé par une MOE", "État d'acompte"),
    "A16_ETAT_ACOMPTE_VALIDE_MOE": (
        "État d'acompte validé déposé par une MOE",
        "État d'acompte validé",
    ),
    "A17_PROJET_DECOMPTE_GENERAL_MOE": (
        "Projet de décompte général déposé par une MOE",
        "Projet de décompte général",
    ),
    "A18_DECOMPTE_GENERAL_MOE": ("Décompte général déposé par une MOE", "Décompte général"),
    "A19_ETAT_ACOMPTE_VALIDE_MOA": (
        "État d'acompte validé déposé par une MOA",
        "État d'acompte validé",
    ),
    "A20_DECOMPTE_GENERAL_MOA": ("Décompte général déposé par une MOA", "Décompte général"),
    "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE": (
        "Projet de décompte général dans le cadre d'une procédure tacite",
        "Projet de décompte général",
    ),
    "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR": (
        "Décompte général définitif dans le cadre d'une procédure tacite",
        "Décompte général définitif",
    ),
    "A24_DECOMPTE_GENERAL_DEFINITIF_TACITE_MOE": (
        "Décompte général définitif et tacite (procédure tacite)",
        "Décompte général définitif",
    ),
    "A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE": (
        "Décompte général définitif déposé par une MOA (procédure tacite)",
        "Décompte général définitif",
    ),
}

#: Phases of a billing file, keyed by `Cadre.phase` (seed 001: « Dossier de facturation en
#: cours de marché / en fin de marché »).
PHASE_LABELS = {
    "EN_COURS": "en cours de marché",
    "FIN": "fin de marché",
    "TACITE": "procédure tacite",
    "FACTURE": "facture",
}

#: The one-line title of a cadre wherever it is named (« A4 — Projet de décompte … »).
CADRE_TITLE = "{short} — {label}"

#: A cadre that starts a billing file (the `cadres` listing's « Après » column).
INITIAL_DEPOSIT = "dépôt initial"


# -- a piece's terms ----------------------------------------------------------------------------

#: VAT regimes (seed 001's deposit form), keyed by `model.VatType` value.
VAT_TYPE_LABELS = {
    "DEBITS": "TVA sur les débits",
    "ENCAISSEMENTS": "TVA sur les encaissements",
    "EXONERATION": "Exonéré",
    "SANS_TVA": "Sans TVA",
}

#: Attachment types (« type de pièce jointe »), keyed by `model.AttachmentKind` value.
ATTACHMENT_KIND_LABELS = {
    "FACTURE": "Facture",
    "BON_DE_COMMANDE": "Bon de commande",
    "DEMANDE_PAIEMENT_SOUS_TRAITANT": "Demande de paiement sous-traitant",
    "PROCES_VERBAL": "Procès-verbal",
    "ATTESTATION": "Attestation",
    "SITUATION": "Situation de travaux",
    "AUTRE": "Autre",
    "FICHIER_REMPLACE": "Fichier de la pièce remplacé",
}

#: What a completion's history event records besides its comment (`completion.py`).
COMPLETION_TEXTS = {
    "attachments": "Pièces jointes ajoutées : {items}",
    "attachment": "{name} ({kind})",
    "file": "Fichier de la pièce remplacé : {old} → {new} (l'ancien reste en pièce jointe)",
    "engagement": "Numéro d'engagement : {old} → {new}",
    "service_code": "Code service : {old} → {new}",
    "empty": "(vide)",
    "replaced_designation": "Fichier de la pièce remplacé le {day} : {name}",
}

#: Payment modes (« mode de règlement »), keyed by `model.PaymentMode` value.
PAYMENT_MODE_LABELS = {
    "VIREMENT": "Virement",
    "CHEQUE": "Chèque",
    "PRELEVEMENT": "Prélèvement",
    "ESPECE": "Espèces",
    "REPORT": "Report",
    "AUTRE": "Autre",
}


# -- documents -----------------------------------------------------------------------------------

#: Deposit formats (seed 001: « Format de dépôt : PDF non signé »), keyed by
#: `documents.inspection.DocumentFormat` value.
FORMAT_LABELS = {
    "PDF_NON_SIGNE": "PDF non signé",
    "PDF_SIGNE_PADES": "PDF signé PAdES",
    "FACTURX": "PDF Factur-X",
    "XML_CII": "XML CII (Factur-X)",
    "XML_UBL": "XML UBL 2.1",
}


def certificate_sentence(document: str, number: str, when: str, certificate: str) -> str:
    """The deposit certificate's sentence, with the document's article and agreement:
    « La facture numéro F-1 a été déposée le … ; elle est enregistrée sous le certificat de
    dépôt numéro … » (the document's gender told by its first word)."""
    document = document or "pièce"
    subject = with_article(document)
    e, it = ("e", "elle") if _is_feminine(document) else ("", "il")
    return (
        f"{subject[0].upper()}{subject[1:]} numéro {number} a été déposé{e} le {when} ; "
        f"{it} est enregistré{e} sous le certificat de dépôt numéro {certificate}."
    )


# -- the front-ends' own verbs -------------------------------------------------------------------

#: Downloading a piece's files (the piece screen's key and the CLI's `download`).
DOWNLOAD_LABEL = "Télécharger"


# -- the deadline sweep (`decompte sweep`, the app's timer) -------------------------------------

#: What the sweep notices besides the state moves, by notice kind (`sweep.NoticeKind`).
SWEEP_FLAG_LABELS = {
    "action": "en retard de traitement (échéance {due})",
    "paiement": "paiement en retard (échéance {due}), dossier {dossier}",
    "refus_masque": "refusée depuis plus de {days} j : masquée de la Synthèse",
}
SWEEP_NOTHING = "Balayage des délais au {day} : rien n'a changé."
SWEEP_DONE = "Balayage des délais au {day} : {count} changement(s)."


def with_article(document: str, feminine: bool | None = None) -> str:
    """« la facture », « l'état d'acompte », « le projet de décompte mensuel » (`feminine`:
    None tells it by the first word, as in `deposited_sentence`)."""
    noun = document[0].lower() + document[1:]
    if noun[0] in "aeéèêiîouy":
        return f"l'{noun}"
    return f"la {noun}" if (_is_feminine(noun) if feminine is None else feminine) else f"le {noun}"


def object_pronoun(document: str) -> str:
    """« la » for a feminine document (« valider la facture et la transmettre »), else « le »."""
    return "la" if _is_feminine(document) else "le"
