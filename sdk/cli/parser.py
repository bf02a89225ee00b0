"""An argparse parser that speaks French and never exits on bad input.

argparse writes its own wording (« usage: », « the following arguments are required »…) and
exits with status 2 by itself. Here every usage error becomes a `UsageError` (exit 2) with a
French message and the argument in `field`, so that it is printed like every other named
error (one JSON object with ``--json``). argparse looks its sentences up through its module's
``_`` and ``ngettext`` at call time: they are swapped for the French table while our parser
works, and put back afterwards (other argparse users in the process keep English).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn

from ..errors import UsageError

#: argparse's sentences (Python 3.11–3.13) and their French wording.
FRENCH = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments positionnels",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "subcommands": "commandes",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "argument non reconnu : %s",
    "the following arguments are required: %s": "arguments requis : %s",
    "one of the arguments %s is required": "l'un des arguments %s est requis",
    "expected one argument": "valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choix possibles : %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur non attendue : %r",
    "unexpected option string: %s": "option inattendue : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (choix possibles : %(choices)s)"
    ),
}


def _french(message: str) -> str:
    return FRENCH.get(message, message)


def _french_plural(singular: str, plural: str, n: int) -> str:
    if singular == "expected %s argument":
        return "%s valeur attendue" if n == 1 else "%s valeurs attendues"
    return _french(singular if n == 1 else plural)


@contextmanager
def french() -> Iterator[None]:
    """argparse speaks French inside this block."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _french, _french_plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


_NAMED = re.compile(r"^(?:argument (?P<arg>\S+) : |argument non reconnu : (?P<extra>\S+))")
_REQUIRED = re.compile(r"^(?:arguments requis|l'un des arguments) : (?P<first>[^,\s]+)")


class FrenchParser(argparse.ArgumentParser):
    """ArgumentParser in French whose errors raise `UsageError` instead of exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("exit_on_error", False)
        with french():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        with french():
            return super().add_subparsers(**kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """A `type=` check that raises a `UsageError` without a field gets the argument's
        name (`--to`, `piece`) as its field."""
        check = kwargs.get("type")
        if callable(check) and args:
            kwargs["type"] = _naming(check, str(args[0]))
        return super().add_argument(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        with french():
            try:
                return super().parse_known_args(args, namespace)
            except argparse.ArgumentError as exc:
                self.error(str(exc))

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        with french():
            return super().parse_args(args, namespace)

    def format_usage(self) -> str:
        with french():
            return super().format_usage()

    def format_help(self) -> str:
        with french():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with french():
            message = _french(message) if message in FRENCH else message
        field = ""
        if named := _NAMED.match(message):
            field = named.group("arg") or named.group("extra") or ""
            if named.group("arg"):  # the field says which argument: the message says what
                message = message[named.end() :]
        elif required := _REQUIRED.match(message):
            field = required.group("first")
        raise UsageError(
            message[:1].upper() + message[1:],
            field=field,
            hint=f"« {self.prog} --help » affiche l'utilisation",
        )


def _naming(check: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    @wraps(check)
    def checked(text: str) -> Any:
        try:
            return check(text)
        except UsageError as exc:
            if not exc.field:
                exc.field = name
            raise

    return checked
