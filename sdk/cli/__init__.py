"""`decompte`: the headless commands, and the full-screen app when no command is given.

Exit codes: 0 ok, 2 usage, 3 validation refused, 4 not authorised, 5 not found, 6 conflict.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plugins import PluginHost


def add_globals(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default="", help="fichier SQLite ou URL SQLAlchemy")
    parser.add_argument("--config", default="", help="fichier de configuration TOML")
    parser.add_argument(
        "--as",
        dest="as_login",
        default="",
        metavar="IDENTIFIANT",
        help="agir au nom de cet utilisateur",
    )
    parser.add_argument(
        "--for",
        dest="for_structure",
        default="",
        metavar="STRUCTURE",
        help="identifiant de la structure pour laquelle on agit",
    )
    parser.add_argument(
        "--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard"
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="ouvrir l'application sur une base de démonstration neuve",
    )
    parser.add_argument("--theme", default=None, help="thème de l'application")
    parser.add_argument("--no-mouse", action="store_true", help="désactiver la souris")


def build_parser(host: PluginHost | None = None) -> argparse.ArgumentParser:
    # The command modules load the store layer: imported here, not on the app's path.
    from . import admin_commands, file_commands, org_commands, piece_commands, plugin_commands

    parser = argparse.ArgumentParser(
        prog="decompte", description="Factures de travaux (CCAG-Travaux) au clavier."
    )
    add_globals(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")
    admin_commands.register(sub)
    org_commands.register(sub)
    piece_commands.register(sub)
    file_commands.register(sub)
    if host is not None:
        plugin_commands.register(sub, host)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The headless commands. The `decompte` console script (in `decompte.tui.__main__`) comes
    here when a command is given; the core itself never starts the app."""
    pre = argparse.ArgumentParser(add_help=False)
    add_globals(pre)
    args, _ = pre.parse_known_args(argv)
    from ..errors import UsageError
    from .context import Context

    ctx = Context(args)

    def command() -> int:
        ctx.args = build_parser(ctx.plugins).parse_args(argv)  # plugins add commands
        if getattr(ctx.args, "func", None) is None:
            raise UsageError(
                "Aucune commande indiquée",
                field="commande",
                hint="decompte --help liste les commandes ; decompte seul ouvre l'application",
            )
        return int(ctx.args.func(ctx) or 0)

    try:
        return guarded(command, as_json=args.json)
    finally:
        ctx.close()


def guarded(run: Callable[[], int], *, as_json: bool) -> int:
    """Run; a refusal is printed (in JSON with --json) with its exit code, a bug plainly."""
    from ..errors import DecompteError

    try:
        return run()
    except DecompteError as exc:
        if as_json:
            from .output import dumps

            print(dumps(exc.as_dict()), file=sys.stderr)
        else:
            print(f"Erreur : {exc}", file=sys.stderr)
            for finding in getattr(exc, "findings", []):
                print(f"  {finding}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, keep the traceback for debugging
        if os.environ.get("DECOMPTE_DEBUG"):
            raise
        print(
            f"Erreur interne : {type(exc).__name__}: {exc} (DECOMPTE_DEBUG=1 pour le détail)",
            file=sys.stderr,
        )
        return 1
