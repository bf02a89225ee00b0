"""The commands that read pieces: the lists (synthese, search, fiscal), one piece (show,
history, dossier, download — which copies its files out), the dashboard (stock) and archives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import states as S
from .. import vocabulary as V
from ..queries import Page, SearchCriteria, SyntheseFilter
from .arguments import _date, hash_id, page_number, page_size, piece_ref
from .context import Context
from .output import fields, money, table


def register(sub: Any) -> None:
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
    p.add_argument("dossier", type=hash_id)
    p.set_defaults(func=dossier)
    p = sub.add_parser(
        "download",
        help="télécharger le fichier et les pièces jointes",
        description="Copie le fichier de la pièce et ses pièces jointes dans un dossier existant, "
        "sous des noms sûrs (« <numéro>-<nom> », sans séparateur ni caractère de contrôle). "
        "Un fichier déjà présent n'est jamais remplacé sans --overwrite : rien n'est écrit.",
    )
    p.add_argument("piece")
    p.add_argument("--to", type=Path, default=Path("."), help="dossier existant (défaut : .)")
    p.add_argument("--overwrite", action="store_true", help="remplacer les fichiers du même nom")
    p.set_defaults(func=download)
    p = sub.add_parser("stock", help="tableau de bord : stock par état et par ancienneté")
    p.set_defaults(func=stock)
    p = sub.add_parser("fiscal", help="liste fiscale : pièces déposées sur une période")
    p.add_argument("--from", dest="start", type=_date, required=True)
    p.add_argument("--to", dest="end", type=_date, required=True)
    p.set_defaults(func=fiscal)
    p = sub.add_parser("archives", help="dossiers terminés")
    p.set_defaults(func=archives)


def _paging(p: Any, default_sort: str) -> None:
    p.add_argument("--sort", default=default_sort)
    p.add_argument("--asc", action="store_true")
    p.add_argument("--page", type=page_number, default=1)
    p.add_argument("--per-page", type=page_size, default=50)


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
            r.payment.short() if r.payment else "",
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
                "Paiement",
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
    tacit = ctx.core.queries.tacit(p)
    payment = ctx.core.queries.payment(p)
    late = payment.late if payment else None

    def name(sid: int | None) -> str:
        return f"{org.structure(sid).identifier} - {org.structure(sid).name}" if sid else ""

    ctx.emit(
        {"piece": p, "deadline": deadline, "tacit": tacit, "payment": payment},
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
                (V.TACIT_TEXTS["label"], tacit.describe(labelled=False) if tacit else ""),
                ("Paiement", payment.describe() if payment else ""),
                ("Intérêts moratoires", late.describe() if late else ""),
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
    pay = d["payment"]
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
    written = ctx.core.workflow.download(
        ctx.session, p.id, ctx.args.to, overwrite=ctx.args.overwrite
    )
    ctx.emit(
        {"files": [str(w) for w in written]},
        "\n".join(f"Écrit : {w}" for w in written) or "Aucun fichier.",
    )
    return 0


def stock(ctx: Context) -> int:
    data = ctx.core.queries.stock(ctx.session)
    late = data["late_payments"]
    ctx.emit(
        data,
        f"Stock : {data['total']} pièce(s), dont {data['overdue']} en retard\n"
        + table(["État", "Pièces"], [(S.label(k), v) for k, v in data["by_state"].items()])
        + "\n"
        + table(["Ancienneté", "Pièces"], list(data["by_age"].items()))
        + (
            f"\nRetards de paiement : {late['count']} pièce(s), intérêts moratoires "
            f"(estimation) {money(late['interest'])} € + indemnités forfaitaires "
            f"{money(late['indemnities'])} € = {money(late['total'])} €\n"
            + table(
                ["État", "Pièces", "Intérêts et indemnités (€)"],
                [(S.label(k), v["count"], money(v["total"])) for k, v in late["by_state"].items()],
            )
            if late["count"]
            else ""
        ),
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
