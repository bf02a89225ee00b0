"""What a deposit draft's typed values must be before any check reads them or any row is
written: safe text within the store's widths, known enumerated values, amounts and rates a
computation and a 64-bit integer column can hold, real dates.

The rules (`rules.py`) judge a well-formed draft and report every finding at once; this module
guards the core against values no rule can even compute with, with one named usage error on
the first bad field (a draft from the CLI, the app, a plugin or a script goes through it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

from .amounts import amount_problem, rate_problem
from .errors import UsageError
from .field_limits import check_choice, check_field
from .model import IdentifierType, PaymentMode, PieceDraft, VatType
from .vocabulary import IDENTIFIER_TYPE_LABELS, PAYMENT_MODE_LABELS, VAT_TYPE_LABELS

#: Text fields of a draft: (field, limit key, French label, multi-line).
_TEXT_FIELDS = (
    ("cadre", "cadre", "Cadre de facturation", False),
    ("number", "piece_number", "Numéro de la pièce", False),
    ("marche_number", "marche_number", "Numéro de marché", False),
    ("currency", "currency", "Devise", False),
    ("exemption_motive", "exemption_motive", "Motif d'exonération", False),
    ("engagement", "engagement", "Numéro d'engagement", False),
    ("service_code", "service_code", "Code service", False),
    ("iban", "iban", "IBAN", False),
    ("bic", "bic", "BIC", False),
    ("supplier_identifier", "identifier", "Identifiant du fournisseur", False),
    ("supplier_vat_number", "vat_number", "Numéro de TVA du fournisseur", False),
    ("recipient_identifier", "identifier", "Identifiant du destinataire", False),
    ("moe_identifier", "identifier", "Identifiant de la maîtrise d'œuvre", False),
    ("moa_identifier", "identifier", "Identifiant de la maîtrise d'ouvrage", False),
    ("file_name", "piece_file_name", "Nom du fichier de la pièce", False),
    ("comment", "comment", "Commentaire", True),
)

_HEADER_AMOUNTS = (
    ("total_ht", "Montant HT"),
    ("total_vat", "Montant de TVA"),
    ("total_ttc", "Montant TTC"),
    ("discount_ttc", "Remise globale TTC"),
    ("prepaid", "Montant déjà payé"),
    ("amount_due", "Montant à payer"),
)


#: Fields whose length a built-in rule reports as a finding, among the draft's others, as
#: the user types; the deposit still checks them before writing (a site may drop the rule).
RULED_LENGTHS = frozenset({"number", "engagement"})


def clean_draft(draft: PieceDraft, *, ruled_lengths: bool = True) -> PieceDraft:
    """`draft` with surrounding spaces removed from its text (as the portal does), or a
    named usage error (exit 2) on its first value that cannot be stored or computed with.
    With `ruled_lengths=False`, the lengths in `RULED_LENGTHS` are left to the rules."""
    changes: dict[str, object] = {}
    for name, limit_key, label, multiline in _TEXT_FIELDS:
        value = getattr(draft, name)
        if name == "iban" and isinstance(value, str):
            value = value.replace(" ", "")
        unbounded = not ruled_lengths and name in RULED_LENGTHS
        changes[name] = check_field(
            name,
            value,
            limit_key="comment" if unbounded else limit_key,
            label=label,
            multiline=multiline,
            strip=not multiline,
        )
    changes["vat_type"] = check_choice(
        "vat_type", draft.vat_type, VatType, labels=VAT_TYPE_LABELS, label="Type de TVA"
    )
    changes["payment_mode"] = check_choice(
        "payment_mode",
        draft.payment_mode,
        PaymentMode,
        labels=PAYMENT_MODE_LABELS,
        label="Mode de règlement",
    )
    for name in ("supplier_identifier_type", "recipient_identifier_type"):
        changes[name] = check_choice(
            name,
            getattr(draft, name),
            IdentifierType,
            labels=IDENTIFIER_TYPE_LABELS,
            label="Type d'identifiant",
        )
    _check_day("issue_date", draft.issue_date, "Date de la pièce", required=True)
    _check_day("due_date", draft.due_date, "Date d'échéance", required=False)
    for name, label in _HEADER_AMOUNTS:
        _check_amount(name, getattr(draft, name), label)
    _check_lines(draft.vat_lines)
    return dataclasses.replace(draft, **changes)  # type: ignore[arg-type]


def _check_amount(name: str, value: object, label: str) -> None:
    if problem := amount_problem(value):
        raise UsageError(
            f"{label} : {problem}",
            field=name,
            hint="saisissez un montant en euros, ex. 1 234,56 (999 999 999 999,99 au plus)",
        )


def _check_lines(lines: Iterable[object]) -> None:
    for i, line in enumerate(lines):
        rate, base, amount = (getattr(line, k, None) for k in ("rate", "base", "amount"))
        if problem := rate_problem(rate):
            raise UsageError(
                f"Ligne de TVA {i + 1} : {problem}",
                field=f"vat_lines[{i}].rate",
                hint="saisissez un taux en pourcentage, ex. 20 ou 5,5",
            )
        _check_amount(f"vat_lines[{i}].base", base, f"Ligne de TVA {i + 1}, base HT")
        _check_amount(f"vat_lines[{i}].amount", amount, f"Ligne de TVA {i + 1}, TVA")


def _check_day(name: str, value: object, label: str, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, date):
        raise UsageError(
            f"{label} : date attendue", field=name, hint="saisissez une date JJ/MM/AAAA"
        )
