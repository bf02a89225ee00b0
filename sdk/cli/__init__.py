"""`decompte`: the headless commands, and the full-screen app when no command is given.

Exit codes: 0 ok, 2 usage, 3 validation refused, 4 not authorised, 5 not found, 6 conflict,
1 an internal error (a bug: a short message and an incident id, the detail in a log file),
130 interrupted. The global options (`--json`, `--db`, …) are accepted before the command
and after it, at any depth; with `--json` every error is one JSON object on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..plugins import PluginHost

#: The options every command accepts, wherever they are typed: (flags, keywords).
GLOBALS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--db",), {"default": "", "metavar": "BASE", "help": "fichier SQLite ou URL SQLAlchemy"}),
    (
        ("--config",),
        {"default": "", "metavar": "FICHIER", "help": "fichier de configuration TOML"},
    ),
    (
        ("--as",),
        {
            "dest": "as_login",
            "default": "",
            "metavar": "IDENTIFIANT",
            "help": "agir au nom de cet utilisateur",
        },
    ),
    (
        ("--for",),
        {
            "dest": "for_structure",
            "default": "",
            "metavar": "STRUCTURE",
            "help": "identifiant de la structure pour laquelle on agit",
        },
    ),
    (
        ("--password-stdin",),
        {"action": "store_true", "help": "lire le mot de passe sur l'entrée standard"},
    ),
    (("--json",), {"action": "store_true", "help": "sortie JSON pour les scripts"}),
    (
        ("--today",),
        {
            "default": "",
            "metavar": "AAAA-MM-JJ",
            "help": "jour considéré comme aujourd'hui (rejouer un scénario sur une base "
            "d'essai ; sinon DECOMPTE_TODAY, sinon la date du système)",
        },
    ),
)


def add_globals(parser: argparse.ArgumentParser) -> None:
    for flags, keywords in GLOBALS:
        parser.add_argument(*flags, **keywords)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="ouvrir l'application sur une base de démonstration neuve",
    )
    parser.add_argument("--theme", default=None, metavar="THÈME", help="thème de l'application")
    parser.add_argument("--no-mouse", action="store_true", help="désactiver la souris")


def spread_globals(parser: argparse.ArgumentParser) -> None:
    """Let every sub-command (at any depth, plugins' included) accept the global options
    too; given after the command they override nothing unless typed (`SUPPRESS`). An option
    a command already defines under the same name stays the command's."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in dict.fromkeys(action.choices.values()):  # aliases share one parser
            group = sub.add_argument_group("options globales")
            for flags, keywords in GLOBALS:
                if not any(flag in sub._option_string_actions for flag in flags):
                    group.add_argument(*flags, **{**keywords, "default": argparse.SUPPRESS})
            spread_globals(sub)


def build_parser(host: PluginHost | None = None) -> argparse.ArgumentParser:
    # The command modules load the store layer: imported here, not on the app's path.
    from . import admin_commands, file_commands, org_commands, piece_commands, plugin_commands
    from .parser import FrenchParser

    parser = FrenchParser(
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
    spread_globals(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The headless commands. The `decompte` console script (in `decompte.tui.__main__`) comes
    here when a command is given; the core itself never starts the app."""
    words = list(sys.argv[1:] if argv is None else argv)
    from ..errors import UsageError
    from .context import Context
    from .parser import FrenchParser

    pre = FrenchParser(prog="decompte", add_help=False, allow_abbrev=False)
    add_globals(pre)
    ctx = Context(pre.parse_known_args([])[0])
    ctx.args.json = "--json" in words  # until the arguments are read

    def command() -> int:
        refuse_undecodable(words)
        ctx.args = pre.parse_known_args(words)[0]  # where the configuration and plugins are
        ctx.args = build_parser(ctx.plugins).parse_args(words)  # plugins add commands
        if getattr(ctx.args, "func", None) is None:
            raise UsageError(
                "Aucune commande indiquée",
                field="commande",
                hint="decompte --help liste les commandes ; decompte seul ouvre l'application",
            )
        ctx.clock()  # a bad --today is refused before the command does anything
        return int(ctx.args.func(ctx) or 0)

    def close() -> int:
        ctx.close()
        return 0

    try:
        return guarded(command, as_json=lambda: bool(ctx.args.json))
    finally:
        guarded(close, as_json=lambda: bool(ctx.args.json))


def refuse_undecodable(words: Sequence[str]) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates: refused by name here, not
    by a crash wherever the text is first encoded."""
    from ..errors import UsageError

    for index, word in enumerate(words):
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            before = words[index - 1] if index else ""
            raise UsageError(
                "Texte illisible : des octets ne sont pas de l'UTF-8",
                field=before if before.startswith("-") else f"argument {index + 1}",
                hint="tapez ce texte en UTF-8 (réglage de la langue du terminal)",
            ) from None


def guarded(run: Callable[[], int], *, as_json: bool | Callable[[], bool]) -> int:
    """Run; a refusal is printed (in JSON with --json) with its exit code; a bug as a short
    message with an incident id, its detail written to the incident log only."""
    from ..errors import DecompteError

    def json_wanted() -> bool:
        return as_json() if callable(as_json) else as_json

    try:
        return run()
    except DecompteError as exc:
        print_error(exc.as_dict(), json_wanted(), getattr(exc, "findings", []))
        return exc.exit_code
    except UnicodeDecodeError:  # text read from stdin (a password, a list) that is not UTF-8
        from ..errors import UsageError

        refused = UsageError(
            "Texte illisible : des octets lus ne sont pas de l'UTF-8",
            field="entrée standard",
            hint="envoyez ce texte en UTF-8",
        )
        print_error(refused.as_dict(), json_wanted(), [])
        return refused.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: an incident id here, the detail in the log
        if os.environ.get("DECOMPTE_DEBUG"):
            raise
        from ..incidents import internal_error

        print_error(internal_error(exc), json_wanted(), [])
        return 1


def print_error(data: dict[str, object], as_json: bool, findings: Sequence[object]) -> None:
    """One error on stderr: a JSON object with --json, else French lines; every text the
    user or the store supplied is neutralised for the terminal."""
    from ..text_safety import printable

    data = {k: printable(v) if isinstance(v, str) else v for k, v in data.items()}
    if as_json:
        from .output import dumps

        print(dumps(data), file=sys.stderr)
        return
    text = f"{data['field']}: {data['message']}" if data.get("field") else str(data["message"])
    hint = f" — {data['hint']}" if data.get("hint") else ""
    internal = data.get("error") == "InternalError"  # its message says so already
    print(f"{'' if internal else 'Erreur : '}{text}{hint}", file=sys.stderr)
    for finding in findings:
        print(f"  {printable(str(finding))}", file=sys.stderr)
