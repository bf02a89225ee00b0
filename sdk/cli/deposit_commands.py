"""`decompte deposit`: its arguments, the draft they describe (amounts, VAT lines, the
Factur-X prefill, attachments) completed by the deposit form as the app completes it, and the
receipt it prints."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ..amounts import compute_totals, parse_amount, vat_line
from ..deposit_form import DepositForm, open_form
from ..errors import UsageError
from ..files_check import AttachmentInput
from ..model import PaymentMode, PieceDraft, VatLine, VatType
from .arguments import ATTACH_METAVAR, _date, piece_ref
from .arguments import attachments as attachment_args
from .arguments import path as path_arg
from .context import Context
from .output import fields, money


def register(sub: Any) -> None:
    p = sub.add_parser("deposit", help="déposer une pièce (initiale ou --after PIECE)")
    p.add_argument("--cadre", required=True, help="A4, A15… ou le code complet")
    p.add_argument("--number", default="")
    p.add_argument("--date", type=_date, default=None, help="date de la pièce AAAA-MM-JJ")
    p.add_argument("--marche", default="", help="numéro de marché (dépôt initial)")
    p.add_argument("--after", default=None, help="pièce précédente du dossier")
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="TAUX:BASE_HT[:TVA]",
        help="une ligne de TVA, ex. 20:48250,00 (TVA calculée si absente)",
    )
    p.add_argument("--vat-type", default="DEBITS", choices=[v.value for v in VatType])
    p.add_argument("--exemption-motive", default="")
    p.add_argument("--payment-mode", default="VIREMENT", choices=[m.value for m in PaymentMode])
    p.add_argument("--engagement", default="")
    p.add_argument("--service", default="")
    p.add_argument("--iban", default="")
    p.add_argument("--bic", default="")
    p.add_argument("--currency", default="EUR")
    p.add_argument("--due-date", type=_date, default=None)
    p.add_argument("--discount", default="0", help="remise globale TTC")
    p.add_argument("--prepaid", default="0")
    for name in ("total-ht", "total-vat", "total-ttc", "amount-due"):
        p.add_argument(f"--{name}", default=None, help="montant d'en-tête (calculé sinon)")
    p.add_argument("--recipient", default="", help="identifiant du destinataire (ordonnateur)")
    p.add_argument("--moe", default="", help="identifiant de la MOE")
    p.add_argument("--file", type=path_arg, default=None)
    p.add_argument("--attach", action="append", default=[], metavar=ATTACH_METAVAR)
    p.add_argument("--comment", default="")
    p.add_argument(
        "--prefill",
        action="store_true",
        help="compléter numéro, date, montants et TVA depuis le Factur-X / XML",
    )
    p.add_argument("--confirm", action="store_true", help="confirmer les avertissements")
    p.set_defaults(func=deposit)


def deposit(ctx: Context) -> int:
    a = ctx.args
    form, draft, attachments = deposit_request(ctx)
    receipt = ctx.core.workflow.deposit(
        ctx.session,
        draft,
        file=a.file,
        attachments_in=attachments,
        after=form.after,
        confirm_warnings=a.confirm,
    )
    p = receipt.piece
    notes = "\n".join(f"  {f}" for f in receipt.findings)
    ctx.emit(
        {
            "piece": p,
            "certificate": receipt.certificate,
            "dossier": receipt.dossier_number,
            "message": receipt.message,
            "findings": [f.as_dict() for f in receipt.findings],
        },
        f"{receipt.message}\n"
        + fields(
            [
                ("Certificat de dépôt n°", receipt.certificate),
                ("Montant HT total", f"{money(p.total_ht)} €"),
                ("Montant TVA", f"{money(p.total_vat)} €"),
                ("Montant TTC", f"{money(p.total_ttc)} €"),
                ("Montant à payer", f"{money(p.amount_due)} €"),
                ("Date de dépôt", p.deposited_at),
                ("Dossier de facturation N°", receipt.dossier_number),
                ("Pièce", f"#{p.id}"),
            ]
        )
        + (f"\nConstats :\n{notes}" if notes else ""),
    )
    return 0


def deposit_request(ctx: Context) -> tuple[DepositForm, PieceDraft, list[AttachmentInput]]:
    """The deposit the command line describes: its form (marché or previous piece), the
    draft completed with the form's defaults (as the app's Déposer tab completes it) and
    the attachments."""
    a = ctx.args
    lines = _lines(a.line)
    totals = compute_totals(
        lines, _amount(a.discount, "--discount"), _amount(a.prepaid, "--prepaid")
    )

    def header(value: str | None, computed: Decimal, name: str) -> Decimal:
        return _amount(value, name) if value is not None else computed

    draft = PieceDraft(
        cadre=a.cadre,
        number=a.number,
        issue_date=a.date,
        marche_number=a.marche,
        currency=a.currency,
        vat_type=VatType(a.vat_type),
        exemption_motive=a.exemption_motive,
        payment_mode=PaymentMode(a.payment_mode),
        engagement=a.engagement,
        service_code=a.service,
        due_date=a.due_date,
        iban=a.iban,
        bic=a.bic,
        vat_lines=lines,
        total_ht=header(a.total_ht, totals.total_ht, "--total-ht"),
        total_vat=header(a.total_vat, totals.total_vat, "--total-vat"),
        total_ttc=header(a.total_ttc, totals.total_ttc, "--total-ttc"),
        discount_ttc=_amount(a.discount, "--discount"),
        prepaid=_amount(a.prepaid, "--prepaid"),
        amount_due=header(a.amount_due, totals.amount_due, "--amount-due"),
        recipient_identifier=a.recipient,
        moe_identifier=a.moe,
        comment=a.comment,
        file_name=a.file.name if a.file else "",
    )
    if a.prefill:
        draft = _prefilled(draft, a)
    for name, label in (("number", "--number"), ("issue_date", "--date")):
        if not getattr(draft, name):
            raise UsageError(
                "Champ obligatoire",
                field=label,
                hint="saisissez-le, ou utilisez --prefill avec un Factur-X",
            )
    after = piece_ref(ctx, a.after).id if a.after else None
    form = open_form(ctx.core, ctx.session, marche_number=draft.marche_number, after=after)
    return form, form.complete(draft), attachment_args(a.attach)


def _prefilled(draft: PieceDraft, a: Any) -> PieceDraft:
    """Fill what the command line left out from the structured invoice in the file."""
    from ..documents import inspect_file

    if a.file is None:
        raise UsageError(
            "--prefill lit le fichier déposé",
            field="--file",
            hint="indiquez le Factur-X ou le XML avec --file",
        )
    invoice = inspect_file(a.file).invoice
    if invoice is None:
        raise UsageError(
            "Ce fichier ne porte pas de facture structurée",
            field="--file",
            hint="déposez un PDF Factur-X ou un XML CII/UBL, ou saisissez les montants",
        )
    given = {
        "number": a.number,
        "issue_date": a.date,
        "engagement": a.engagement,
        "service_code": a.service,
        "marche_number": a.marche,
        "recipient_identifier": a.recipient,
    }
    explicit_amounts = bool(a.line) or any(
        v is not None for v in (a.total_ht, a.total_vat, a.total_ttc, a.amount_due)
    )
    changes = {}
    for name, value in invoice.draft_fields().items():
        if value in (None, "", [], ()) or given.get(name):
            continue
        if explicit_amounts and name in _AMOUNT_FIELDS:
            continue
        changes[name] = value
    return dataclasses.replace(draft, **changes)


_AMOUNT_FIELDS = {
    "vat_lines",
    "total_ht",
    "total_vat",
    "total_ttc",
    "prepaid",
    "amount_due",
    "discount_ttc",
}


def _amount(text: str, field_name: str) -> Decimal:
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise UsageError(str(exc), field=field_name) from None


def _lines(specs: list[str]) -> list[VatLine]:
    lines = []
    for i, spec in enumerate(specs):
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise UsageError(
                f"Ligne de TVA illisible : {spec}",
                field=f"--line[{i}]",
                hint="TAUX:BASE_HT ou TAUX:BASE_HT:TVA, ex. 20:1000,00",
            )
        rate = _amount(parts[0], f"--line[{i}].rate")
        base = _amount(parts[1], f"--line[{i}].base")
        line = vat_line(base, rate)
        if len(parts) == 3:
            line = VatLine(rate, base, _amount(parts[2], f"--line[{i}].amount"))
        lines.append(line)
    return lines
