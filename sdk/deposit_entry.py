"""What a user types in a deposit form, as text, read into a draft. The app's Déposer tab
sends its fields here; what cannot even be read (an amount, a date) becomes a finding on its
field instead of an exception, so that it is shown next to the field as the user types. The
draft is then completed with the form's defaults (`DepositForm.complete`), as the CLI's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from .amounts import ZERO, compute_totals, parse_amount, vat_line
from .errors import UsageError
from .field_limits import check_choice
from .findings import Finding, Severity
from .model import PaymentMode, PieceDraft, VatLine, VatType
from .vocabulary import PAYMENT_MODE_LABELS, VAT_TYPE_LABELS

if TYPE_CHECKING:
    from .deposit_form import DepositForm


@dataclass(frozen=True, slots=True)
class Entry:
    """The form's fields as typed. `lines` holds (rate in percent, HT base) per VAT line."""

    cadre: str = ""
    marche_number: str = ""
    number: str = ""
    issue_date: str = ""
    currency: str = "EUR"
    vat_type: str = "DEBITS"
    exemption_motive: str = ""
    payment_mode: str = "VIREMENT"
    engagement: str = ""
    service_code: str = ""
    iban: str = ""
    recipient: str = ""
    moe: str = ""
    lines: tuple[tuple[str, str], ...] = ()
    discount: str = "0"
    file: str = ""


def read_entry(entry: Entry, form: DepositForm, today: date) -> tuple[PieceDraft, list[Finding]]:
    """The completed draft, and the findings of what could not be read. Header totals are
    computed from the VAT lines, as the portal does."""
    unreadable: list[Finding] = []

    def bad(field_name: str, message: str, hint: str = "") -> None:
        unreadable.append(Finding("form.input", Severity.ERROR, field_name, message, hint))

    lines: list[VatLine] = []
    for i, (rate, base) in enumerate(entry.lines):
        if not base.strip():
            bad(f"vat_lines[{i}].base", "Base HT obligatoire", "ex. 12 500,00")
            continue
        try:
            lines.append(vat_line(parse_amount(base), Decimal(rate or "20")))
        except (ValueError, InvalidOperation) as exc:
            bad(f"vat_lines[{i}].base", str(exc))
    try:
        discount = parse_amount(entry.discount.strip() or "0")
    except ValueError as exc:
        bad("discount_ttc", str(exc))
        discount = ZERO
    totals = compute_totals(lines, discount)
    try:
        issue = parse_day(entry.issue_date)
        if issue is None:
            bad("issue_date", "La date de la pièce est obligatoire", "format JJ/MM/AAAA")
    except ValueError as exc:
        bad("issue_date", str(exc))
        issue = None
    vat_type, payment_mode = VatType.DEBITS, PaymentMode.VIREMENT
    try:
        vat_type = check_choice(
            "vat_type", entry.vat_type or "DEBITS", VatType, labels=VAT_TYPE_LABELS
        )
        payment_mode = check_choice(
            "payment_mode",
            entry.payment_mode or "VIREMENT",
            PaymentMode,
            labels=PAYMENT_MODE_LABELS,
        )
    except UsageError as exc:
        bad(exc.field, exc.message, exc.hint)
    typed = PieceDraft(
        cadre=entry.cadre,
        number=entry.number.strip(),
        issue_date=issue or today,
        marche_number=entry.marche_number.strip(),
        currency=entry.currency,
        vat_type=vat_type,
        exemption_motive=entry.exemption_motive.strip(),
        payment_mode=payment_mode,
        engagement=entry.engagement,
        service_code=entry.service_code,
        iban=entry.iban,
        vat_lines=lines,
        total_ht=totals.total_ht,
        total_vat=totals.total_vat,
        total_ttc=totals.total_ttc,
        discount_ttc=discount,
        amount_due=totals.amount_due,
        recipient_identifier=entry.recipient,
        moe_identifier=entry.moe,
        file_name=Path(entry.file.strip()).name if entry.file.strip() else "",
    )
    draft = form.complete(typed)
    if not draft.marche_number:
        bad(
            "marche_number",
            "Le numéro de marché est obligatoire",
            "choisissez le marché auquel la pièce se rattache",
        )
    return draft, unreadable


def parse_day(text: str) -> date | None:
    """JJ/MM/AAAA or AAAA-MM-JJ; None when empty; ValueError in French otherwise."""
    raw = text.strip()
    if not raw:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d%m%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"Date illisible : « {raw} » (format JJ/MM/AAAA)")
