"""Liste fiscale: the pieces the acting structure deposited over a period."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input

from decompte.sdk.deposit_entry import parse_day

from .. import keymap as K
from ..safe_text import Label, Static
from ..widgets.pane import Pane
from ..widgets.piece_columns import day, piece_columns
from ..widgets.vtable import VirtualTable


class FiscalePane(Pane):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("fiscale")

    def compose_content(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Label("Déposées du", classes="filter-label")
            yield Input(placeholder="JJ/MM/AAAA", compact=True, id="fiscal-from")
            yield Label(" au ", classes="inline-label")
            yield Input(placeholder="JJ/MM/AAAA", compact=True, id="fiscal-to")
            yield Button("Afficher", id="fiscal-go", compact=True, variant="primary")
        yield Static("", id="fiscal-error", classes="error")
        yield Static("Liste fiscale", id="fiscal-title", classes="table-title")
        yield VirtualTable(
            piece_columns(sortable=False),
            id="fiscal-table",
            empty_text="Aucune pièce déposée sur la période",
        )

    def on_built(self) -> None:
        self.query_one("#fiscal-error").display = False

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#fiscal-table", VirtualTable)

    def focus_main(self) -> None:
        self.table.focus()

    def load(self) -> None:
        today = self.dapp.clock().date()
        start = self.query_one("#fiscal-from", Input)
        end = self.query_one("#fiscal-to", Input)
        if not start.value:
            start.value = f"{date(today.year, 1, 1):%d/%m/%Y}"
        if not end.value:
            end.value = f"{today:%d/%m/%Y}"
        self.action_show()

    def refresh_data(self) -> None:
        self.table.reload()

    @on(Input.Submitted)
    @on(Button.Pressed, "#fiscal-go")
    def action_show(self) -> None:
        error = self.query_one("#fiscal-error", Static)
        try:
            start = parse_day(self.query_one("#fiscal-from", Input).value)
            end = parse_day(self.query_one("#fiscal-to", Input).value)
        except ValueError as exc:
            error.update(str(exc))
            error.display = True
            return
        if start is None or end is None:
            error.update("Indiquez le début et la fin de la période")
            error.display = True
            return
        error.display = False
        if self.dapp.identity is None:
            return
        session = self.dapp.session
        backend = self.dapp.backend
        self.query_one("#fiscal-title", Static).update(
            f"Pièces déposées par {session.structure.name} du {day(start)} au {day(end)}"
        )

        def fetch(
            offset: int, limit: int, sort: str | None, descending: bool
        ) -> tuple[list[Any], int]:
            page = backend.wait().queries.fiscal_list(
                session, start, end, offset=offset, limit=limit
            )
            return page.rows, page.total

        self.table.set_source(fetch)

    @on(VirtualTable.Activated, "#fiscal-table")
    def _open(self, event: VirtualTable.Activated) -> None:
        self.dapp.open_piece(event.row.id)
