"""Archives: the finished billing files (chain complete, or refused at its first piece)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding

from .. import keymap as K
from ..safe_text import DataTable, Static
from ..widgets.pane import Pane
from ..widgets.piece_columns import day
from ..widgets.tones import tone
from ..workers import describe_error
from .dossier import PHASES, STATUSES


class ArchivesPane(Pane):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("archives")

    def compose_content(self) -> ComposeResult:
        yield Static("Dossiers de facturation terminés", id="archives-title", classes="table-title")
        yield DataTable(id="archives-table", cursor_type="row", zebra_stripes=True)

    def on_built(self) -> None:
        table = self.query_one("#archives-table", DataTable)
        table.add_columns("Dossier", "Marché", "Phase", "Statut", "Ouvert le", "Clos le")

    def focus_main(self) -> None:
        self.query_one("#archives-table").focus()

    def load(self) -> None:
        if self.dapp.identity is None:
            return
        table = self.query_one("#archives-table", DataTable)
        table.loading = True
        self.fetch()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="archives")
    def fetch(self) -> None:
        dapp = self.dapp
        try:
            rows = dapp.backend.wait().queries.archives(dapp.session)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
        else:
            self.app.call_from_thread(self._show, rows)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#archives-table", DataTable).loading = False
        self.query_one("#archives-title", Static).update(
            Text(describe_error(exc), tone(self.app, "error", bold=True))
        )
        self.notify(describe_error(exc), title="Archives", severity="error", timeout=8)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one("#archives-table", DataTable)
        table.loading = False
        table.clear()
        for row in rows:
            table.add_row(
                row["number"],
                row["marche_number"],
                PHASES.get(row["phase"], row["phase"]),
                STATUSES.get(row["status"], row["status"]),
                day(row["created_at"]),
                day(row["closed_at"]),
                key=str(row["id"]),
            )
        self.query_one("#archives-title", Static).update(
            f"Dossiers de facturation terminés : {len(rows)}"
        )
        if self.app.focused is None and self.parent is not None and self.parent.display:
            table.focus()

    @on(DataTable.RowSelected, "#archives-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.dapp.open_dossier(int(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one("#archives-table", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            if key.value:
                self.dapp.open_dossier(int(key.value))
