"""Where the findings show in the Déposer form: each finding's field names the note under
its row (or a VAT line's, or the attachments'); the rest go to the « Contrôles » section's
summary. Rendering only: the findings themselves come from the deposit form model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text

from ...safe_text import Static
from ...widgets.tones import tone

if TYPE_CHECKING:
    from decompte.sdk.findings import Finding

#: finding field -> the note shown under that field
FIELD_NOTES = {
    "after": "prev",
    "file": "file",
    "cadre": "cadre",
    "marche_number": "marche",
    "supplier_identifier": "supplier",
    "supplier_vat_number": "supplier",
    "iban": "iban",
    "bic": "iban",
    "recipient_identifier": "recipient",
    "service_code": "service",
    "moe_identifier": "moe",
    "moa_identifier": "moe",
    "number": "number",
    "issue_date": "date",
    "due_date": "date",
    "currency": "currency",
    "vat_type": "vat-type",
    "exemption_motive": "exemption",
    "engagement": "engagement",
    "payment_mode": "payment",
    "discount_ttc": "discount",
    "prepaid": "totals",
    "total_ht": "totals",
    "total_vat": "totals",
    "total_ttc": "totals",
    "amount_due": "totals",
    "vat_lines": "totals",
}
#: form widget -> its note (the inverse is used to know if a field holds a value)
WIDGET_NOTES = {
    "dep-prev": "prev",
    "dep-file": "file",
    "dep-cadre": "cadre",
    "dep-marche": "marche",
    "dep-iban": "iban",
    "dep-recipient": "recipient",
    "dep-service": "service",
    "dep-moe": "moe",
    "dep-number": "number",
    "dep-date": "date",
    "dep-currency": "currency",
    "dep-vat-type": "vat-type",
    "dep-exemption": "exemption",
    "dep-engagement": "engagement",
    "dep-payment": "payment",
    "dep-discount": "discount",
}
ICONS = {"error": ("✖", "error"), "warning": ("⚠", "warning"), "info": ("ℹ", "info")}


def note_key(widget_id: str) -> str | None:
    """The note of a form widget (a VAT line's rate and base share their line's)."""
    if widget_id.startswith(("base-", "rate-")):
        return "line-" + widget_id.split("-", 1)[1]
    return WIDGET_NOTES.get(widget_id)


def by_note(
    findings: Iterable[Finding], line_numbers: Mapping[int, int]
) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """The findings grouped by note key, and those no field note takes. `line_numbers`
    maps a VAT line's position to its row number."""
    notes: dict[str, list[Finding]] = {}
    general: list[Finding] = []
    for finding in findings:
        target = FIELD_NOTES.get(finding.field)
        if finding.field.startswith("vat_lines["):
            index = int(finding.field[len("vat_lines[") :].split("]")[0])
            target = f"line-{line_numbers[index]}" if index in line_numbers else "totals"
        elif finding.field.startswith("attachments"):
            target = "attachments"
        if target is None:
            general.append(finding)
        else:
            notes.setdefault(target, []).append(finding)
    return notes, general


def summary(findings: list[Finding], app: Any) -> Text:
    """The « Contrôles » section: counts by severity, then every finding with its field."""
    text = Text()
    if not findings:
        text.append(
            "✔ Aucun constat : la pièce peut être envoyée (F9)", tone(app, "success", bold=True)
        )
        return text
    counts = {
        s: sum(1 for f in findings if str(f.severity) == s) for s in ("error", "warning", "info")
    }
    text.append(
        f"{counts['error']} erreur(s) bloquante(s), "
        f"{counts['warning']} avertissement(s) à confirmer, "
        f"{counts['info']} information(s)\n",
        "bold",
    )
    text.append_text(finding_text(findings, with_field=True, app=app))
    return text


def set_note(note: Static, findings: list[Finding]) -> None:
    severities = {str(f.severity) for f in findings}
    worst = next((s for s in ("error", "warning", "info") if s in severities), "")
    note.update(finding_text(findings))
    note.set_class(bool(findings), "shown")
    for severity in ("error", "warning", "info"):
        note.set_class(severity == worst, severity)


def finding_text(findings: list[Finding], *, with_field: bool = False, app: Any = None) -> Text:
    text = Text()
    for i, finding in enumerate(findings):
        icon, kind = ICONS.get(str(finding.severity), ("•", ""))
        colour = _tone(app, kind) if with_field and app is not None else Style()
        if i:
            text.append("\n")
        text.append(f"{icon} ", colour + Style(bold=True))
        if with_field and finding.field:
            text.append(f"[{finding.field}] ", "dim")
        text.append(finding.message, colour)
        if finding.hint:
            text.append(f" — {finding.hint}", "dim")
    return text


def _tone(app: Any, kind: str) -> Style:
    name = {"error": "error", "warning": "warning", "info": "accent"}.get(kind)
    return tone(app, name) if name else Style()
