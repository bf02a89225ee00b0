"""Stored text on screen: always neutralised, never read as markup.

What the app shows was typed by other users, imported, or brought by a plugin: it may hold
escape sequences, bidi overrides or Rich/Textual markup (`[bold]`, `[/]`, `[link=…]`,
`[@click=…]`). Every widget that shows such text goes through here: `text` builds a
`rich.text.Text` (never parsed as markup) from a neutralised string (`sdk.text_safety.printable`:
an unsafe character shows as a visible `\\u202e`), and `Static`/`Label` are the Textual widgets
with markup off and strings neutralised, so a screen cannot forget it. The app itself never
needs markup: it styles with `Text` and CSS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import RenderableType
from rich.table import Table as _Table
from rich.text import Text
from textual.visual import VisualType
from textual.widgets import DataTable as _DataTable
from textual.widgets import Label as _Label
from textual.widgets import Select as _Select
from textual.widgets import Static as _Static
from textual.widgets.option_list import Option

from decompte.sdk.text_safety import printable


def plain(value: Any, *, multiline: bool = False) -> str:
    """`value` as a neutralised string ("" for None), for a place that never reads markup."""
    return "" if value is None else printable(str(value), multiline=multiline)


def text(value: Any, style: str = "", *, multiline: bool = False) -> Text:
    """`value` as a literal, neutralised `Text` (a cell, an option, a line of a card)."""
    return Text(plain(value, multiline=multiline), style=style)


def _safe(content: VisualType) -> VisualType:
    if isinstance(content, str):
        return plain(content, multiline=True)
    if isinstance(content, Text) and not content.plain.isprintable():
        return _neutral_text(content)
    return content


def _neutral_text(content: Text) -> Text:
    """A `Text` whose unsafe characters are escaped, each style kept on its own characters."""
    out = content.blank_copy()
    cuts = sorted({s.start for s in content.spans} | {s.end for s in content.spans})
    for part in content.divide(cuts):  # each part's spans now cover the whole part
        piece = Text(plain(part.plain, multiline=True), style=part.style)
        for span in part.spans:
            piece.stylize(span.style)
        out.append_text(piece)
    return out


def cell(value: Any) -> Any:
    """A table cell or an option's prompt: a string becomes a literal `Text`, a `Text` is
    neutralised, any other renderable is kept."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, Text) and not value.plain.isprintable():
        return _neutral_text(value)
    return value


def option(prompt: Any, id: str | None = None, disabled: bool = False) -> Option:
    """An OptionList/Select option whose prompt is shown literally."""
    return Option(cell(prompt), id=id, disabled=disabled)


class Table(_Table):
    """Rich's Table whose string cells are literal and neutralised (Rich reads markup in
    them); `Table.grid(...)` gives one too."""

    def add_row(self, *renderables: RenderableType | None, **kwargs: Any) -> None:
        super().add_row(*(cell(r) for r in renderables), **kwargs)


class DataTable(_DataTable[Any]):
    """Textual's DataTable whose string cells are literal and neutralised (it reads markup)."""

    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        return super().add_row(*(cell(c) for c in cells), **kwargs)


class Select(_Select[Any]):
    """Textual's Select whose option prompts are literal and neutralised (it reads markup)."""

    def __init__(self, options: Iterable[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__([(cell(p), v) for p, v in options], **kwargs)

    def set_options(self, options: Iterable[tuple[Any, Any]]) -> None:
        super().set_options([(cell(p), v) for p, v in options])


class Static(_Static):
    """Textual's Static with markup off and strings neutralised (see the module)."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(_safe(content), **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(_safe(content), layout=layout)


class Label(_Label):
    """Textual's Label with markup off and strings neutralised (see the module)."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(_safe(content), **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(_safe(content), layout=layout)
