"""CLI commands for documents: inspect a file, export a deposit certificate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .arguments import path as path_arg
from .context import Context


def register(sub: Any) -> None:
    files = sub.add_parser("file", help="fichiers déposés").add_subparsers(
        dest="action", required=True
    )
    p = files.add_parser("inspect", help="format détecté, pages, signature, données lues")
    p.add_argument("path", type=path_arg)
    p.set_defaults(func=inspect)
    p = sub.add_parser("certificate", help="exporter le certificat de dépôt (PDF)")
    p.add_argument("piece")
    p.add_argument(
        "--out", type=path_arg, default=None, help="fichier PDF (défaut : certificat-<numéro>.pdf)"
    )
    p.set_defaults(func=certificate)


def inspect(ctx: Context) -> int:
    from ..documents import inspect_file

    result = inspect_file(ctx.args.path)
    ctx.emit(result.as_dict(), result.render_text())
    return 0


def certificate(ctx: Context) -> int:
    from ..documents import write_certificate
    from .arguments import piece_ref

    piece = piece_ref(ctx, ctx.args.piece)
    data = ctx.core.queries.certificate(ctx.session, piece.id)
    out = ctx.args.out or Path(f"certificat-{data.number}.pdf")
    write_certificate(data, out)
    ctx.emit(
        {"certificate": data.number, "path": str(out)},
        f"Certificat de dépôt n° {data.number} écrit dans {out}",
    )
    return 0
