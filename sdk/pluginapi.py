"""What plugins receive and return besides domain records: settings schema, commands, and
the two doors to the core: a read-only `PluginView` and `UserActions` bound to a session.

Neither door exposes the store: reading goes through the queries (scoped to the session when
there is one) and acting goes through the workflow, which checks authorisation as for any
user. This module imports no database code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cadres import Cadre
    from .core import Core
    from .deposit import Receipt
    from .model import Event, Piece, PieceDraft, Structure
    from .queries import Page, SearchCriteria, SyntheseFilter
    from .session import Session

_KIND_LABELS: dict[type, str] = {
    str: "du texte",
    int: "un entier",
    bool: "true ou false",
    list: "une liste de textes",
    Decimal: "un nombre décimal (entre guillemets)",
    date: "une date AAAA-MM-JJ ou JJ/MM/AAAA",
}


@dataclass(frozen=True, slots=True)
class Setting:
    """One key of a plugin's ``[plugin.<name>]`` table."""

    name: str
    kind: type = str  # str, int, bool, list (of str), Decimal or date
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] = ()
    required: bool = False
    secret: bool = False  # masked by `decompte plugins`
    check: Callable[[Any], str] | None = None  # returns a French problem, "" when fine


def check_settings(
    plugin: str, schema: Iterable[Setting], raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Return the table with defaults filled in, and the French problems found in it."""
    by_name = {s.name: s for s in schema}
    problems = [
        f"plugin.{plugin}.{key} : clé inconnue (clés possibles : "
        f"{', '.join(sorted(by_name)) or 'aucune'})"
        for key in raw
        if key not in by_name
    ]
    values: dict[str, Any] = {}
    for name, setting in by_name.items():
        where = f"plugin.{plugin}.{name}"
        if name not in raw:
            if setting.required:
                problems.append(
                    f"{where} : clé obligatoire absente ({setting.help})".replace(" ()", "")
                )
            values[name] = setting.default
            continue
        try:
            value = _coerce(raw[name], setting.kind)
        except ValueError:
            problems.append(f"{where} : valeur attendue : {_KIND_LABELS.get(setting.kind, '?')}")
            continue
        if setting.choices and value not in setting.choices:
            problems.append(
                f"{where} : valeur {value!r} non admise (valeurs possibles : "
                f"{', '.join(map(str, setting.choices))})"
            )
            continue
        if setting.check is not None and (problem := setting.check(value)):
            problems.append(f"{where} : {problem}")
            continue
        values[name] = value
    return values, problems


def _coerce(value: Any, kind: type) -> Any:
    """Typed TOML values pass as they are; strings (command line) are converted."""
    if isinstance(value, str) and kind is not str:
        value = _from_text(value.strip(), kind)
    if kind is int and isinstance(value, bool):
        raise ValueError
    if kind is date and isinstance(value, datetime):
        raise ValueError
    if kind is Decimal and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if kind is list and isinstance(value, list) and all(isinstance(x, str) for x in value):
        return list(value)
    if kind in (str, int, bool, date, Decimal) and isinstance(value, kind):
        return value
    raise ValueError  # floats included: they lose cents, write amounts as strings


def _from_text(text: str, kind: type) -> Any:
    if kind is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError
    if kind is int:
        return int(text)
    if kind is list:
        return [x.strip() for x in text.split(",") if x.strip()]
    if kind is Decimal:
        try:
            return Decimal(text.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise ValueError from None
    if kind is date:
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text)
    raise ValueError


_TRUE = {"true", "oui", "yes", "1", "vrai"}
_FALSE = {"false", "non", "no", "0", "faux"}


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a plugin command (``--name value`` on the command line)."""

    name: str
    help: str = ""
    required: bool = False
    default: str | None = None


@dataclass(frozen=True, slots=True)
class CommandContext:
    session: Session
    view: PluginView
    actions: UserActions
    settings: Mapping[str, Any]
    args: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Command:
    """A command of the TUI palette (`palette`) and of the CLI (`cli`)."""

    name: str
    help: str
    run: Callable[[CommandContext], Any]
    arguments: tuple[Argument, ...] = ()
    palette: bool = True
    cli: bool = True


class PluginView:
    """Read-only access for plugins. With a session, every read asks the access policy
    (`access.Access`) as the user's own reads do; without one (event listeners), reads are
    by id only and lists are refused."""

    __slots__ = ("_core", "session")

    def __init__(self, core: Core, session: Session | None = None) -> None:
        self._core = core
        self.session = session

    def piece(self, piece_id: int) -> Piece:
        if self.session is not None:
            return self._core.queries.piece(self.session, piece_id)
        return self._core.workflow.piece(piece_id)

    def structure(self, structure_id: int) -> Structure:
        found = self._core.org.structure(structure_id)
        if self.session is not None:
            return self._core.org.structure_card(self.session, found.identifier)
        return found

    def cadre(self, code: str) -> Cadre | None:
        return self._core.cadres.get(code)

    def history(self, piece_id: int) -> list[Event]:
        return self._core.queries.history(self._session(), piece_id)

    def synthese(self, flt: SyntheseFilter | None = None) -> Page:
        return self._core.queries.synthese(self._session(), flt)

    def search(self, criteria: SearchCriteria) -> Page:
        return self._core.queries.search(self._session(), criteria)

    def _session(self) -> Session:
        if self.session is None:
            from .errors import NotAuthorised

            raise NotAuthorised("Lecture réservée à un utilisateur connecté", field="session")
        return self.session


class UserActions:
    """The workflow, acting as `session`: the same checks as for the user at the keyboard."""

    __slots__ = ("_core", "session")

    def __init__(self, core: Core, session: Session) -> None:
        self._core = core
        self.session = session

    def deposit(
        self,
        draft: PieceDraft,
        *,
        file: Path | None = None,
        after: int | None = None,
        confirm_warnings: bool = False,
    ) -> Receipt:
        return self._core.workflow.deposit(
            self.session, draft, file=file, after=after, confirm_warnings=confirm_warnings
        )

    def take(self, piece_id: int) -> Piece:
        return self._core.workflow.take(self.session, piece_id)

    def refuse(self, piece_id: int, motive: str, reason: str) -> Piece:
        return self._core.workflow.refuse(self.session, piece_id, motive, reason)

    def suspend(self, piece_id: int, reason: str) -> Piece:
        return self._core.workflow.suspend(self.session, piece_id, reason)

    def complete(
        self,
        piece_id: int,
        note: str,
        *,
        engagement: str | None = None,
        service_code: str | None = None,
    ) -> Piece:
        return self._core.workflow.complete(
            self.session, piece_id, note, engagement=engagement, service_code=service_code
        )

    def validate(self, piece_id: int) -> Piece:
        return self._core.workflow.validate(self.session, piece_id)
