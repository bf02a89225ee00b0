"""CLI commands brought by plugins: `plugins`, `export`, and each plugin's own commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..piece_listing import ROLE_COLUMNS
from ..plugins import PluginHost, add_cli_commands, format_plugins
from .arguments import _date
from .context import Context


def register(sub: Any, host: PluginHost) -> None:
    p = sub.add_parser("plugins", help="plugins chargés : version, hooks, provenance")
    p.set_defaults(func=show_plugins)
    p = sub.add_parser("export", help="exporter les pièces (fec, csv, pivot…)")
    p.add_argument("name", metavar="EXPORT", help=", ".join(sorted(host.exporters())))
    p.add_argument("--format", default=None)
    p.add_argument(
        "--out",
        default=None,
        help="fichier, ou dossier (existant ou finissant par /) ; défaut : le dossier courant",
    )
    p.add_argument("--overwrite", action="store_true", help="remplacer le fichier s'il existe déjà")
    p.add_argument("--option", "-o", action="append", default=[], metavar="CLÉ=VALEUR")
    p.add_argument("--role", default=None, choices=[str(r) for r in ROLE_COLUMNS])
    p.add_argument("--from", dest="issued_from", type=_date, default=None)
    p.add_argument("--to", dest="issued_to", type=_date, default=None)
    p.set_defaults(func=export)
    add_cli_commands(sub, host, func=run_plugin_command)


def show_plugins(ctx: Context) -> int:
    rows = ctx.plugins.describe()
    ctx.emit({"plugins": rows}, format_plugins(rows))
    return 0


def export(ctx: Context) -> int:
    from ..export import ExportFilter, option_pairs, run_export

    a = ctx.args
    out = Path(a.out) if a.out else None
    if out is not None and a.out.endswith(("/", "\\")):
        out.mkdir(parents=True, exist_ok=True)
    result = run_export(
        ctx.core,
        ctx.session,
        a.name,
        out,
        option_pairs(a.option),
        fmt=a.format,
        filters=ExportFilter(None, a.role, a.issued_from, a.issued_to),
        overwrite=a.overwrite,
    )
    ctx.emit(
        {
            "export": result.exporter,
            "format": result.format,
            "rows": result.rows,
            "path": str(result.path),
        },
        f"{result.rows} pièce(s) exportée(s) dans {result.path}",
    )
    return 0


def run_plugin_command(ctx: Context) -> int:
    result = ctx.plugins.run_command(ctx.args.plugin_command, ctx.core, ctx.session, vars(ctx.args))
    ctx.emit(result, result if isinstance(result, str) else None)
    return 0
