"""Every French word the engine shows: one place for labels and sentences (seeds' wording).

The front-ends and the CLI's human output take their labels from here, never from codes.
"""

from __future__ import annotations

from .states import Holder

#: "transmise …": to whom a piece goes, with its preposition.
TO_HOLDER = {
    Holder.MOE: "à la maîtrise d'œuvre",
    Holder.MOA: "à la maîtrise d'ouvrage",
    Holder.SERVICE_FINANCIER: "au service financier",
    Holder.FOURNISSEUR: "au fournisseur",
    Holder.PREMIER_VALIDEUR: "au premier valideur",
    Holder.SECOND_VALIDEUR: "au second valideur",
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
