"""A tab of the « Factures de travaux » space. Its widgets are built the first time the tab
is shown (a clerk who never opens « Liste fiscale » never pays for it), its data is loaded
then, and again when the acting identity changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical

if TYPE_CHECKING:
    from ..app import DecompteApp


class PaneBody(Vertical):
    DEFAULT_CSS = "PaneBody { height: 1fr; }"

    def __init__(self, pane: Pane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield from self.pane.compose_content()


class Pane(Vertical):
    loaded = False
    built = False
    stale = False

    @property
    def dapp(self) -> DecompteApp:
        return self.app  # type: ignore[return-value]

    def compose_content(self) -> ComposeResult:
        """The tab's widgets (built on first display)."""
        yield from ()

    def activate(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.stale = False
            self.mount(PaneBody(self))
            self.call_after_refresh(self._first_load)
            return
        if not self.built:
            return
        if self.stale:
            self.stale = False
            self.refresh_data()
        self.focus_main()

    def _first_load(self) -> None:
        self.built = True
        self.on_built()
        self.load()
        self.focus_main()

    def identity_changed(self) -> None:
        if self.built:
            self.load()

    def mark_stale(self) -> None:
        """Something changed elsewhere (an action on a piece): reload when shown."""
        if self.built:
            self.stale = True

    def on_built(self) -> None:
        """The widgets exist: last touches before the first load."""

    def load(self) -> None:
        """(Re)build the view for the current identity."""

    def refresh_data(self) -> None:
        self.load()

    def focus_main(self) -> None:
        pass
