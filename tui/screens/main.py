"""The « Factures de travaux » space: the identity bar and six tabs (F2…F7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from .. import keymap as K
from ..widgets.identity import IdentityBar
from ..widgets.keybar import KeyBar
from ..widgets.pane import Pane
from .archives import ArchivesPane
from .deposer import DeposerPane
from .fiscale import FiscalePane
from .rechercher import RecherchePane
from .synthese import SynthesePane
from .tableau import TableauPane

if TYPE_CHECKING:
    from ..app import DecompteApp

TAB_IDS = ("synthese", "rechercher", "deposer", "tableau", "fiscale", "archives")


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("main")

    @property
    def dapp(self) -> DecompteApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield IdentityBar()
        with TabbedContent(initial="synthese", id="tabs"):
            with TabPane("Synthèse", id="synthese"):
                yield SynthesePane(id="synthese-pane")
            with TabPane("Rechercher", id="rechercher"):
                yield RecherchePane(id="rechercher-pane")
            with TabPane("Déposer", id="deposer"):
                yield DeposerPane(id="deposer-pane")
            with TabPane("Tableau de bord", id="tableau"):
                yield TableauPane(id="tableau-pane")
            with TabPane("Liste fiscale", id="fiscale"):
                yield FiscalePane(id="fiscale-pane")
            with TabPane("Archives", id="archives"):
                yield ArchivesPane(id="archives-pane")
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.dapp, "identity", self._identity_changed, init=False)
        self.pane("synthese").activate()

    def pane(self, tab: str) -> Pane:
        return self.query_one(f"#{tab}-pane", Pane)

    @property
    def active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active

    def action_goto(self, tab: str) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        if tabs.active != tab:
            tabs.active = tab  # TabActivated activates the pane
        else:
            self.pane(tab).activate()

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        if tab in TAB_IDS:
            self.pane(tab).activate()

    def _identity_changed(self) -> None:
        if self.dapp.identity is None:
            return
        for tab in TAB_IDS:
            self.pane(tab).identity_changed()

    def on_screen_resume(self) -> None:
        """Back from a piece: what was done there may change every list."""
        if not getattr(self, "_shown_once", False):
            self._shown_once = True
            return
        self.data_changed()

    def data_changed(self) -> None:
        """Pieces changed (an action, the deadline sweep): the shown list reloads now, the
        others when shown; under another screen, all of them when shown again."""
        for tab in TAB_IDS:
            pane = self.pane(tab)
            if tab == self.active_tab and self.is_current:
                if pane.built:
                    pane.refresh_data()
            else:
                pane.mark_stale()

    def action_identity_next(self) -> None:
        self.dapp.next_identity()

    def action_identity_pick(self) -> None:
        from .identity_picker import IdentityPicker

        self.app.push_screen(IdentityPicker(), self._picked)

    def _picked(self, identity: object) -> None:
        if identity is not None:
            self.dapp.switch_identity(identity)  # type: ignore[arg-type]

    def action_logout(self) -> None:
        self.dapp.logout()

    def deposit_after(self, piece_id: int) -> None:
        self.action_goto("deposer")
        deposer = self.query_one("#deposer-pane", DeposerPane)
        deposer.start_after(piece_id)
