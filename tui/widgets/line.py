"""A one-line text that changes often (status lines under tables): it repaints itself only,
where a Static would ask for a layout of the whole screen on every change."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..safe_text import plain


class Line(Widget):
    DEFAULT_CSS = "Line { height: 1; width: 1fr; }"

    def __init__(
        self, text: str = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return Text(plain(self._text), no_wrap=True, overflow="ellipsis")
