"""CLI commands for pieces: deposit, process, Synthèse, Rechercher, show, history, dossier."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import states as S
from .. import vocabulary as V
from ..actions import BY_COMMAND, perform
from ..amounts import compute_totals, parse_amount, vat_line
from ..deposit_form import DepositForm, open_form
from ..errors import NotFound, UsageError
from ..files_check import AttachmentInput
from ..model import PaymentMode, Piece, PieceDraft, VatLine, VatType
from ..queries import Page, SearchCriteria, SyntheseFilter
from .context import Context
from .output import fields, money, table


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
    p.add_argument("--file", type=Path, default=None)
    p.add_argument("--attach", action="append", default=[], metavar="CHEMIN[:TYPE[:DÉSIGNATION]]")
    p.add_argument("--comment", default="")
    p.add_argument(
        "--prefill",
        action="store_true",
        help="compléter numéro, date, montants et TVA depuis le Factur-X / XML",
    )
    p.add_argument("--confirm", action="store_true", help="confirmer les avertissements")
    p.set_defaults(func=deposit)

    p = sub.add_parser("process", help="traiter une pièce reçue")
    p.add_argument("action", choices=list(BY_COMMAND))
    p.add_argument("piece")
    p.add_argument("--motive", default="ACHEMINEMENT", choices=[m.value for m in S.Motive])
    p.add_argument("--reason", default="")
    p.add_argument("--engagement", default=None)
    p.add_argument("--service", default=None)
    p.add_argument("--expect-version", type=int, default=None)
    p.set_defaults(func=process)

    p = sub.add_parser("synthese", help="pièces à traiter")
    p.add_argument("--all-structures", action="store_true")
    p.add_argument("--show-old-refused", action="store_true")
    p.add_argument("--hide-downloaded", action="store_true")
    _paging(p, "state_date")
    p.set_defaults(func=synthese)

    p = sub.add_parser("search", help="rechercher des pièces")
    p.add_argument("--role", default="FOURNISSEUR", choices=["FOURNISSEUR", "MOE", "MOA"])
    p.add_argument("--structure", default="", help="identifiant (toutes par défaut)")
    p.add_argument("--type", default="", dest="document", help="type de pièce")
    p.add_argument("--recipient", default="")
    p.add_argument("--cadre", default="")
    p.add_argument("--service", default="")
    p.add_argument("--from", dest="issued_from", type=_date, default=None)
    p.add_argument("--to", dest="issued_to", type=_date, default=None)
    p.add_argument("--state", default="")
    p.add_argument("--dossier", default="")
    p.add_argument("--siren", default="")
    p.add_argument("--number", default="")
    p.add_argument("--marche", default="")
    _paging(p, "deposited_at")
    p.set_defaults(func=search)

    p = sub.add_parser("show", help="détail d'une pièce (numéro, ou #id)")
    p.add_argument("piece")
    p.set_defaults(func=show)
    p = sub.add_parser("history", help="suivi du traitement d'une pièce")
    p.add_argument("piece")
    p.set_defaults(func=history)
    p = sub.add_parser("dossier", help="dossier de facturation (numéro ou #id)")
    p.add_argument("dossier")
    p.set_defaults(func=dossier)
    p = sub.add_parser("download", help="télécharger le fichier et les pièces jointes")
    p.add_argument("piece")
    p.add_argument("--to", type=Path, default=Path("."))
    p.set_defaults(func=download)
    p = sub.add_parser("stock", help="tableau de bord : stock par état et par ancienneté")
    p.set_defaults(func=stock)
    p = sub.add_parser("fiscal", help="liste fiscale : pièces déposées sur une période")
    p.add_argument("--from", dest="start", type=_date, required=True)
    p.add_argument("--to", dest="end", type=_date, required=True)
    p.set_defaults(func=fiscal)
    p = sub.add_parser("archives", help="dossiers terminés")
    p.set_defaults(func=archives)
    p = sub.add_parser("sweep", help="appliquer les délais de validation dépassés")
    p.set_defaults(func=sweep)
    p = sub.add_parser("cadres", help="table des cadres de facturation")
    p.add_argument("--role", default="")
    p.set_defaults(func=cadres)
    p = sub.add_parser("states", help="états des pièces")
    p.set_defaults(func=states)


def _paging(p: Any, default_sort: str) -> None:
    p.add_argument("--sort", default=default_sort)
    p.add_argument("--asc", action="store_true")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=50)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date illisible « {text} » : format AAAA-MM-JJ, par exemple 2026-11-23"
        ) from None


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


def piece_ref(ctx: Context, ref: str) -> Piece:
    """`#12` is an id; anything else a piece number (an all-digit unknown number: an id)."""
    q = ctx.core.queries
    if ref.startswith("#"):
        return q.piece(ctx.session, int(ref[1:]))
    try:
        return q.find_piece(ctx.session, ref)
    except NotFound:
        if ref.isdigit():
            return q.piece(ctx.session, int(ref))
        raise


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
    attachments = []
    for spec in a.attach:
        path, _, rest = spec.partition(":")
        kind, _, designation = rest.partition(":")
        attachments.append(AttachmentInput(Path(path), kind or "AUTRE", designation))
    form = open_form(ctx.core, ctx.session, marche_number=draft.marche_number, after=after)
    return form, form.complete(draft), attachments


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


def process(ctx: Context) -> int:
    a = ctx.args
    piece = piece_ref(ctx, a.piece)
    done = perform(
        ctx.core.workflow,
        ctx.session,
        BY_COMMAND[a.action].action,
        piece.id,
        reason=a.reason,
        motive=a.motive,
        engagement=a.engagement,
        service=a.service,
        expected_version=a.expect_version,
    )
    ctx.emit({"piece": done}, f"Pièce {done.number} : {S.label(done.state)}.")
    return 0


def _page_out(ctx: Context, page: Page, title: str) -> None:
    rows = [
        (
            r.number,
            r.marche_number,
            r.total_ht,
            r.recipient,
            r.supplier,
            r.moe,
            r.moa,
            r.deposited_at.date(),
            r.state_label,
            r.state_date,
            r.engagement,
            "" if r.days_left is None else f"{r.days_left} j",
        )
        for r in page.rows
    ]
    last = min(page.offset + page.limit, page.total)
    ctx.emit(
        {"total": page.total, "offset": page.offset, "rows": page.rows},
        f"{title} : {page.total} pièce(s), lignes {page.offset + 1 if page.total else 0}"
        f"–{last}\n"
        + table(
            [
                "Numéro",
                "Marché",
                "Montant HT",
                "Destinataire",
                "Fournisseur",
                "Maîtrise d'œuvre",
                "Maîtrise d'ouvrage",
                "Dépôt",
                "État courant",
                "Date état",
                "Engagement",
                "Délai",
            ],
            rows,
        ),
    )


def synthese(ctx: Context) -> int:
    a = ctx.args
    ids = ctx.core.queries.my_structures(ctx.session) if a.all_structures else None
    page = ctx.core.queries.synthese(
        ctx.session,
        SyntheseFilter(
            structure_ids=ids,
            hide_refused_older=not a.show_old_refused,
            hide_downloaded=a.hide_downloaded,
            sort=a.sort,
            descending=not a.asc,
            offset=(a.page - 1) * a.per_page,
            limit=a.per_page,
        ),
    )
    _page_out(ctx, page, "Factures de travaux à traiter")
    return 0


def search(ctx: Context) -> int:
    a = ctx.args
    ids = [ctx.core.org.structure_by_identifier(a.structure).id] if a.structure else None
    page = ctx.core.queries.search(
        ctx.session,
        SearchCriteria(
            role=a.role,
            structure_ids=ids,
            document=a.document,
            recipient=a.recipient,
            cadre=a.cadre,
            service_code=a.service,
            issued_from=a.issued_from,
            issued_to=a.issued_to,
            state=a.state,
            dossier_number=a.dossier,
            siren=a.siren,
            number=a.number,
            marche_number=a.marche,
            sort=a.sort,
            descending=not a.asc,
            offset=(a.page - 1) * a.per_page,
            limit=a.per_page,
        ),
    )
    _page_out(ctx, page, "Résultats de la recherche")
    return 0


def show(ctx: Context) -> int:
    p = piece_ref(ctx, ctx.args.piece)
    cadre = ctx.core.cadres.get(p.cadre)
    org = ctx.core.org
    deadline = ctx.core.queries.deadline(p)

    def name(sid: int | None) -> str:
        return f"{org.structure(sid).identifier} - {org.structure(sid).name}" if sid else ""

    ctx.emit(
        {"piece": p, "deadline": deadline},
        fields(
            [
                ("Pièce", f"#{p.id} n° {p.number}"),
                ("Cadre", cadre.title if cadre else p.cadre),
                ("Dossier de facturation", p.dossier_number),
                ("Marché", p.marche_number),
                ("État courant", f"{S.label(p.state)} (depuis le {p.state_date:%d/%m/%Y})"),
                (
                    "En attente de",
                    f"{name(p.holder_structure_id)} ({V.role_label(p.holder_role)})"
                    if p.holder_structure_id
                    else "personne",
                ),
                ("Délai", deadline.describe() if deadline else ""),
                ("Fournisseur", name(p.supplier_structure_id)),
                ("Destinataire", name(p.recipient_structure_id)),
                ("Maîtrise d'œuvre", name(p.moe_structure_id)),
                ("Maîtrise d'ouvrage", name(p.moa_structure_id)),
                ("Date de la pièce", p.issue_date),
                ("Date de dépôt", p.deposited_at),
                ("Montant HT", f"{money(p.total_ht)} €"),
                ("TVA", f"{money(p.total_vat)} €"),
                ("TTC", f"{money(p.total_ttc)} €"),
                ("À payer", f"{money(p.amount_due)} €"),
                ("Engagement", p.engagement),
                ("Service", p.service_code),
                (
                    "Fichier",
                    f"{p.file_name} ({V.FORMAT_LABELS.get(p.file_format, p.file_format)})"
                    if p.file_name
                    else "",
                ),
                ("Certificat de dépôt", p.certificate),
                ("Version", p.version),
            ]
        ),
    )
    return 0


def history(ctx: Context) -> int:
    p = piece_ref(ctx, ctx.args.piece)
    found = ctx.core.queries.history(ctx.session, p.id)
    ctx.emit(
        {"events": found},
        f"Suivi du traitement de la pièce {p.number}\n"
        + table(
            ["Date", "Utilisateur", "Rôle", "Action", "De", "Vers", "Commentaire"],
            [
                (
                    e.at,
                    e.user_login,
                    V.role_label(e.acting_role),
                    V.ACTION_LABELS.get(e.action) or e.action.capitalize(),
                    S.label(e.from_state) if e.from_state else "",
                    S.label(e.to_state),
                    e.reason,
                )
                for e in found
            ],
        ),
    )
    return 0


def dossier(ctx: Context) -> int:
    ref, q = ctx.args.dossier, ctx.core.queries
    d = (
        q.dossier(ctx.session, int(ref[1:]))
        if ref.startswith("#")
        else q.dossier_by_number(ctx.session, ref)
    )
    pay = d["payment_deadline"]
    ctx.emit(
        d,
        f"Dossier de facturation n° {d['number']} — marché {d['marche_number']} "
        f"({V.DOSSIER_STATUS_LABELS.get(d['status'], d['status'])})\n"
        + (pay.describe() + "\n" if pay else "")
        + table(
            ["#", "Cadre", "Numéro", "Montant HT", "État courant", "Date état"],
            [
                (
                    f"#{p.id}",
                    p.cadre.split("_")[0],
                    p.number,
                    p.total_ht,
                    S.label(p.state),
                    p.state_date,
                )
                for p in d["pieces"]
            ],
        ),
    )
    return 0


def download(ctx: Context) -> int:
    p = piece_ref(ctx, ctx.args.piece)
    written = ctx.core.workflow.download(ctx.session, p.id, ctx.args.to)
    ctx.emit(
        {"files": [str(w) for w in written]},
        "\n".join(f"Écrit : {w}" for w in written) or "Aucun fichier.",
    )
    return 0


def stock(ctx: Context) -> int:
    data = ctx.core.queries.stock(ctx.session)
    ctx.emit(
        data,
        f"Stock : {data['total']} pièce(s), dont {data['overdue']} en retard\n"
        + table(["État", "Pièces"], [(S.label(k), v) for k, v in data["by_state"].items()])
        + "\n"
        + table(["Ancienneté", "Pièces"], list(data["by_age"].items())),
    )
    return 0


def fiscal(ctx: Context) -> int:
    page = ctx.core.queries.fiscal_list(ctx.session, ctx.args.start, ctx.args.end)
    _page_out(ctx, page, "Liste fiscale")
    return 0


def archives(ctx: Context) -> int:
    found = ctx.core.queries.archives(ctx.session)
    ctx.emit(
        {"dossiers": found},
        table(
            ["Dossier", "Marché", "Statut", "Clos le"],
            [
                (
                    d["number"],
                    d["marche_number"],
                    V.DOSSIER_STATUS_LABELS.get(d["status"], d["status"]),
                    d["closed_at"],
                )
                for d in found
            ],
        ),
    )
    return 0


def sweep(ctx: Context) -> int:
    moved = ctx.core.workflow.sweep()
    ctx.emit({"moved": moved}, f"{moved} pièce(s) passée(s) en validation hors délai.")
    return 0


def cadres(ctx: Context) -> int:
    rows = [c for c in ctx.core.cadres if not ctx.args.role or c.depositor == ctx.args.role]
    ctx.emit(
        {"cadres": rows},
        table(
            ["Cadre", "Déposant", "Document", "Vers", "Après"],
            [
                (
                    c.short,
                    V.role_label(c.depositor),
                    c.document,
                    V.role_label(c.next_role),
                    " ".join(x.split("_")[0] for x in c.follows) or V.INITIAL_DEPOSIT,
                )
                for c in rows
            ],
        ),
    )
    return 0


def states(ctx: Context) -> int:
    """The state table (label, stage) and the transition table, the plugins' rows included
    (``--json``: codes, for a diff of what a plugin changes)."""
    from ..transitions import TRANSITIONS, describe
    from ..vocabulary import STAGE_LABELS

    ctx.plugins.install_states()
    shorts = {c.code: c.short for c in ctx.plugins.cadres()}
    rows = list(TRANSITIONS)
    ctx.emit(
        {
            "states": [
                {"code": s.code, "label": s.label, "stage": s.stage.value}
                for s in S.STATES.values()
            ],
            "transitions": [row.as_dict() for row in rows],
        },
        "États des pièces\n"
        + table(["État", "Étape"], [(s.label, STAGE_LABELS[s.stage]) for s in S.STATES.values()])
        + "\n\nTransitions\n"
        + table(
            ["Depuis", "Action", "Par", "Vers", "Conditions"],
            [describe(row, lambda code: shorts.get(code, code)) for row in rows],
        ),
    )
    return 0
