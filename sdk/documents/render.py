"""French human output of an inspection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt
from .xml_invoice import InvoiceData, Party

if TYPE_CHECKING:
    from .inspection import Inspection

_SEVERITY = {"error": "erreur", "warning": "avertissement", "info": "info"}


def _yes(flag: bool) -> str:
    return "oui" if flag else "non"


def _sample(text: str, width: int = 80) -> str:
    if not text:
        return ""
    return f" — « {text[:width]}{'…' if len(text) > width else ''} »"


def render_inspection(ins: Inspection) -> str:
    lines = [
        f"Fichier        : {ins.name} — {fmt.size(ins.size)}",
        f"SHA-256        : {ins.sha256}",
        f"Format         : {ins.format.label} ({ins.format})",
    ]
    if ins.pdf_version:
        pages = "?" if ins.pages is None else str(ins.pages)
        lines += [
            f"Version PDF    : {ins.pdf_version}",
            f"Pages          : {pages}",
            f"Chiffré        : {_yes(ins.encrypted)}",
            f"Texte          : {_yes(ins.has_text)}{_sample(ins.text_sample)}",
            f"Signatures     : {len(ins.signatures) or 'aucune'}",
        ]
        for sig in ins.signatures:
            cover = (
                "couvre tout le fichier"
                if sig.covers_whole_file
                else "ne couvre pas tout le fichier"
            )
            who = f", {sig.signer_name}" if sig.signer_name else ""
            when = f", le {sig.signing_time}" if sig.signing_time else ""
            lines.append(
                f"  - {sig.field_name or 'sans nom'} : {sig.sub_filter or '?'}, {cover}{when}{who}"
            )
            lines += _verdict_lines(ins, sig.field_name)
        if ins.signature_check is not None and ins.signature_check.verdict is not None:
            lines.append(f"Vérification   : {ins.signature_check.verdict.label}")
            lines += [f"  {note}" for note in ins.signature_check.notes]
        if ins.embedded_files:
            lines.append(f"Fichiers joints: {', '.join(ins.embedded_files)}")
        lines.append(f"XML embarqué   : {ins.embedded_xml or 'aucun'}")
    if ins.invoice is not None:
        lines += ["Données lues :", *_invoice_lines(ins.invoice)]
    if ins.findings:
        lines.append("Constats :")
        for f in ins.findings:
            hint = f" — {f.hint}" if f.hint else ""
            lines.append(
                f"  [{_SEVERITY.get(str(f.severity), f.severity)}] {f.message} ({f.rule_id}){hint}"
            )
    else:
        lines.append("Constats       : aucun")
    return "\n".join(lines)


def _verdict_lines(ins: Inspection, field_name: str) -> list[str]:
    check = ins.signature_check
    if check is None:
        return []
    lines = []
    for v in check.verdicts:
        if v.field_name != field_name:
            continue
        lines.append(f"      {v.label}" + (f" : {v.reason}" if v.reason else ""))
        if v.signer or v.signer_serial:
            serial = f" (n° de série {v.signer_serial})" if v.signer_serial else ""
            lines.append(f"      signataire : {v.signer or '?'}{serial}")
        if v.claimed_time:
            lines.append(f"      date déclarée : {v.claimed_time}")
        if v.timestamp_time:
            lines.append(f"      horodatage : {v.timestamp_time}")
        if v.coverage:
            lines.append(f"      couvre : {v.coverage}")
    return lines


def _party(party: Party) -> str:
    if not (party.name or party.siret or party.vat_number):
        return "—"
    parts = [party.name or "?"]
    if party.siret:
        parts.append(f"SIRET {fmt.siret(party.siret)}")
    elif party.siren:
        parts.append(f"SIREN {party.siren}")
    if party.vat_number:
        parts.append(f"TVA {party.vat_number}")
    return ", ".join(parts)


def _invoice_lines(inv: InvoiceData) -> list[str]:
    cur = inv.currency
    kind = "avoir" if inv.credit_note else "facture"
    lines = [
        f"  Syntaxe      : {inv.syntax}" + (f", profil {inv.profile}" if inv.profile else ""),
        f"  Numéro       : {inv.number or '—'} ({kind}, type {inv.type_code or '?'})",
        f"  Date         : {fmt.day(inv.issue_date)}",
        f"  Échéance     : {fmt.day(inv.due_date)}",
        f"  Devise       : {cur or '—'}",
        f"  Fournisseur  : {_party(inv.seller)}",
        f"  Destinataire : {_party(inv.buyer)}",
        f"  Engagement   : {inv.engagement or '—'}",
        f"  Marché       : {inv.marche_number or '—'}",
        f"  Code service : {inv.service_code or '—'}",
        f"  Montant HT   : {fmt.amount(inv.total_ht, cur)}",
        f"  TVA          : {fmt.amount(inv.total_vat, cur)}",
        f"  Montant TTC  : {fmt.amount(inv.total_ttc, cur)}",
        f"  Net à payer  : {fmt.amount(inv.amount_due, cur)}",
    ]
    for vat in inv.vat_breakdown:
        lines.append(
            f"  TVA {fmt.percent(vat.rate)} : base {fmt.amount(vat.base, cur)}, "
            f"montant {fmt.amount(vat.amount, cur)}"
            + (f" (catégorie {vat.category})" if vat.category else "")
        )
    return lines
