"""The cadres de facturation as data: who deposits which document, for whom, after what.

The built-in cadres' labels and documents come from `vocabulary.CADRE_TEXTS` (the seeds'
wording). A plugin adds a cadre by returning `Cadre` rows from the `decompte_cadres` hook;
the engine reads this table only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .model import ActorRole
from .vocabulary import CADRE_TEXTS, CADRE_TITLE

F, CO, ST = ActorRole.FOURNISSEUR, ActorRole.COTRAITANT, ActorRole.SOUSTRAITANT
MOE, MOA, SF = ActorRole.MOE, ActorRole.MOA, ActorRole.SERVICE_FINANCIER

EN_COURS, FIN, TACITE, FACTURE = "EN_COURS", "FIN", "TACITE", "FACTURE"


@dataclass(frozen=True, slots=True)
class Cadre:
    """One cadre. `follows` lists the cadres it may be associated to (empty: initial only)."""

    code: str
    short: str
    label: str
    document: str
    depositor: ActorRole
    next_role: ActorRole
    phase: str
    follows: tuple[str, ...] = ()
    initial: bool = True
    on_behalf_of: ActorRole | None = None
    validated: bool = False  # goes through the titulaire/mandataire validator circuit first
    by_holder: bool = True  # False: the depositor need not hold the previous piece (tacit)
    #: deposited in place of the owner side's pending piece (A22): that piece ends
    #: « Remplacée par un projet de décompte général », not « Associée »
    replaces: bool = False
    final: bool = False  # taking it into account ends the billing file
    #: the document's gender in French sentences (« La demande … a été déposée »);
    #: None: told by its first word (facture, demande, attestation… are feminine)
    feminine: bool | None = None

    @property
    def title(self) -> str:
        """« A4 — Projet de décompte mensuel déposé par un fournisseur » (seed 000)."""
        return CADRE_TITLE.format(short=self.short, label=self.label)


def _c(code: str, depositor: ActorRole, next_role: ActorRole, phase: str, **kw: Any) -> Cadre:
    """A built-in cadre; its label and document come from the vocabulary (seeds' wording)."""
    label, document = CADRE_TEXTS[code]
    return Cadre(code, code.split("_", 1)[0], label, document, depositor, next_role, phase, **kw)


_MONTHLY_DRAFTS = (
    "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
    "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
    "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT",
)
_FINAL_DRAFTS = (
    "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR",
    "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT",
    "A14_PROJET_DECOMPTE_FINAL_COTRAITANT",
)
_GENERAL = ("A18_DECOMPTE_GENERAL_MOE", "A20_DECOMPTE_GENERAL_MOA")
_TACIT = ("A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE",)

BUILTIN_CADRES: tuple[Cadre, ...] = (
    _c("A1_FACTURE_FOURNISSEUR", F, MOA, FACTURE, final=True),
    _c("A2_FACTURE_FOURNISSEUR_DEJA_PAYEE", F, MOA, FACTURE, final=True),
    _c("A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", F, MOE, EN_COURS),
    _c("A5_ETAT_ACOMPTE_FOURNISSEUR", F, MOA, EN_COURS, on_behalf_of=MOE),
    _c("A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR", F, SF, EN_COURS, on_behalf_of=MOA, final=True),
    _c("A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR", F, MOE, FIN),
    _c("A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR", F, SF, FIN, follows=_GENERAL, final=True),
    _c("A9_FACTURE_SOUSTRAITANT", ST, MOA, FACTURE, validated=True, final=True),
    _c("A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT", ST, MOE, EN_COURS, validated=True),
    _c("A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT", ST, MOE, FIN, validated=True),
    _c("A12_FACTURE_COTRAITANT", CO, MOA, FACTURE, validated=True, final=True),
    _c("A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT", CO, MOE, EN_COURS, validated=True),
    _c("A14_PROJET_DECOMPTE_FINAL_COTRAITANT", CO, MOE, FIN, validated=True),
    _c("A15_ETAT_ACOMPTE_MOE", MOE, MOA, EN_COURS, follows=_MONTHLY_DRAFTS, initial=False),
    _c(
        "A16_ETAT_ACOMPTE_VALIDE_MOE",
        MOE,
        SF,
        EN_COURS,
        follows=_MONTHLY_DRAFTS,
        initial=False,
        on_behalf_of=MOA,
        final=True,
    ),
    _c("A17_PROJET_DECOMPTE_GENERAL_MOE", MOE, MOA, FIN, follows=_FINAL_DRAFTS, initial=False),
    _c(
        "A18_DECOMPTE_GENERAL_MOE",
        MOE,
        F,
        FIN,
        follows=(*_FINAL_DRAFTS, "A17_PROJET_DECOMPTE_GENERAL_MOE"),
        initial=False,
        on_behalf_of=MOA,
    ),
    _c(
        "A19_ETAT_ACOMPTE_VALIDE_MOA",
        MOA,
        SF,
        EN_COURS,
        follows=("A15_ETAT_ACOMPTE_MOE", "A5_ETAT_ACOMPTE_FOURNISSEUR"),
        initial=False,
        final=True,
    ),
    _c(
        "A20_DECOMPTE_GENERAL_MOA",
        MOA,
        F,
        FIN,
        follows=("A17_PROJET_DECOMPTE_GENERAL_MOE",),
        initial=False,
    ),
    _c(
        "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE",
        F,
        MOA,
        TACITE,
        follows=(*_FINAL_DRAFTS, "A17_PROJET_DECOMPTE_GENERAL_MOE"),
        by_holder=False,
        replaces=True,
    ),
    _c(
        "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR",
        F,
        SF,
        TACITE,
        follows=_TACIT,
        by_holder=False,
        initial=False,
        final=True,
    ),
    _c(
        "A24_DECOMPTE_GENERAL_DEFINITIF_TACITE_MOE",
        MOE,
        SF,
        TACITE,
        follows=_TACIT,
        by_holder=False,  # the MOA holds the A22; its MOE deposits for it
        initial=False,
        on_behalf_of=MOA,
        final=True,
    ),
    _c(
        "A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE",
        MOA,
        SF,
        TACITE,
        follows=_TACIT,
        initial=False,
        final=True,
    ),
)


class CadreTable:
    """Lookup over built-in and plugin cadres, keyed by full code and short code (A4)."""

    def __init__(self, cadres: Iterable[Cadre] = BUILTIN_CADRES) -> None:
        self._by_code: dict[str, Cadre] = {}
        for cadre in cadres:
            self.add(cadre)

    def add(self, cadre: Cadre) -> None:
        if cadre.code in self._by_code:
            raise ValueError(f"cadre {cadre.code} défini deux fois")
        self._by_code[cadre.code] = cadre

    def get(self, code: str) -> Cadre | None:
        code = code.strip().upper()
        found = self._by_code.get(code)
        if found is None:
            matches = [c for c in self._by_code.values() if c.short == code]
            found = matches[0] if len(matches) == 1 else None
        return found

    def __iter__(self) -> Iterator[Cadre]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def for_role(self, role: ActorRole, *, initial: bool | None = None) -> list[Cadre]:
        return [
            c for c in self if c.depositor is role and (initial is None or c.initial is initial)
        ]

    def next_after(self, previous: str) -> list[Cadre]:
        return [c for c in self if previous in c.follows]
