"""CLI commands for documents: inspect a file, export a deposit certificate."""

from __future__ import annotations

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
        "--out",
        type=path_arg,
        default=None,
        help="fichier PDF, ou dossier existant (défaut : certificat-<numéro>.pdf ici) ; "
        "un fichier existant n'est pas remplacé sans --overwrite",
    )
    p.add_argument("--overwrite", action="store_true", help="remplacer le fichier existant")
    p.set_defaults(func=certificate)


def inspect(ctx: Context) -> int:
    from ..documents import inspect_file

    result = inspect_file(ctx.args.path, trust_bundle=ctx.config.trust_bundle)
    ctx.emit(result.as_dict(), result.render_text())
    return 0


def certificate(ctx: Context) -> int:
    from .. import safe_paths
    from ..documents import render_certificate
    from .arguments import piece_ref

    piece = piece_ref(ctx, ctx.args.piece)
    data = ctx.core.queries.certificate(ctx.session, piece.id)
    target = safe_paths.chosen_target(ctx.args.out, f"certificat-{data.number}.pdf", field="--out")
    (out,) = safe_paths.write_new(
        [target],
        [lambda: render_certificate(data)],
        overwrite=ctx.args.overwrite,
        field="--out",
    )
    ctx.emit(
        {"certificate": data.number, "path": str(out)},
        f"Certificat de dépôt n° {data.number} écrit dans {out}",
    )
    return 0
