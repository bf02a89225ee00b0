"""A billing file (dossier de facturation): its pieces from the first to the last."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import LoadingIndicator, OptionList

from decompte.sdk.vocabulary import DOSSIER_STATUS_LABELS, PHASE_LABELS

from .. import keymap as K
from ..safe_text import Static, option
from ..widgets.identity import IdentityBar
from ..widgets.keybar import KeyBar
from ..widgets.piece_columns import day, money
from ..widgets.tones import tone
from ..workers import describe_error

if TYPE_CHECKING:
    from ..app import DecompteApp

PHASES = PHASE_LABELS  # also read by the archives screen
STATUSES = DOSSIER_STATUS_LABELS  # also read by the piece and archives screens


class DossierScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("dossier")

    def __init__(self, dossier_id: int) -> None:
        super().__init__()
        self.dossier_id = dossier_id
        self.dossier: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield IdentityBar()
        yield Static("Dossier de facturation", id="dossier-title", classes="screen-title")
        yield Static("", id="dossier-info")
        yield LoadingIndicator(id="dossier-loading")
        yield OptionList(id="dossier-chain")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="dossier")
    def load(self) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        try:
            dossier = dapp.backend.wait().queries.dossier(dapp.session, self.dossier_id)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
        else:
            self.app.call_from_thread(self._show, dossier)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#dossier-loading").display = False
        self.query_one("#dossier-info", Static).update(
            Text(describe_error(exc), tone(self.app, "error", bold=True))
        )
        self.notify(describe_error(exc), title="Dossier", severity="error", timeout=8)

    def _show(self, dossier: dict[str, Any]) -> None:
        from decompte.sdk.states import label

        self.dossier = dossier
        self.query_one("#dossier-loading").display = False
        self.query_one("#dossier-title", Static).update(
            f"Dossier de facturation n° {dossier['number']}"
        )
        info = Text.assemble(
            ("Marché : ", "bold"),
            str(dossier["marche_number"]),
            ("   Phase : ", "bold"),
            PHASES.get(dossier["phase"], dossier["phase"]),
            ("   Statut : ", "bold"),
            STATUSES.get(dossier["status"], dossier["status"]),
        )
        if dossier.get("payment") is not None:
            info.append("\n" + dossier["payment"].describe())
        self.query_one("#dossier-info", Static).update(info)
        chain = self.query_one("#dossier-chain", OptionList)
        chain.clear_options()
        pieces = dossier["pieces"]
        for i, piece in enumerate(pieces):
            short = piece.cadre.split("_", 1)[0]
            text = Text.assemble(
                (f"{i + 1}. ", "dim"),
                (f"{short:<4}", "bold"),
                f" {piece.number:<18}",
                f" {money(piece.total_ht):>14} HT ",
                f" {day(piece.issue_date)}\n",
                ("      " + label(piece.state), "italic"),
            )
            chain.add_option(option(text, id=str(piece.id)))
            if i + 1 < len(pieces):
                chain.add_option(option(Text("      ↓", "dim"), disabled=True))
        chain.focus()

    @on(OptionList.OptionSelected, "#dossier-chain")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_piece(int(event.option.id))  # type: ignore[attr-defined]

    def action_open(self) -> None:
        chain = self.query_one("#dossier-chain", OptionList)
        if chain.highlighted is not None:
            option = chain.get_option_at_index(chain.highlighted)
            if option.id:
                self.app.open_piece(int(option.id))  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.dismiss(None)
