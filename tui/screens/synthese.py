"""Synthèse: the pieces waiting for the acting structure (seed 000, « Facture de travaux à
traiter »), with the portal's filters, a sort on any column and a CSV export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox

from .. import keymap as K
from ..export import export_csv
from ..safe_text import Select
from ..widgets.line import Line
from ..widgets.pane import Pane
from ..widgets.piece_columns import piece_columns
from ..widgets.vtable import Fetch, VirtualTable
from ..workers import notify_error

if TYPE_CHECKING:
    from .export_dialog import ExportChoice


class SynthesePane(Pane):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("synthese")

    def compose_content(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select(
                [("Structure courante", "current")],
                value="current",
                allow_blank=False,
                compact=True,
                id="synthese-structure",
            )
            yield Checkbox("Masquer refusées > 10 j", True, id="synthese-hide-refused")
            yield Checkbox("Masquer téléchargées", False, id="synthese-hide-downloaded")
        yield Line("Factures de travaux à traiter", id="synthese-title", classes="table-title")
        yield VirtualTable(
            piece_columns(payment=True),
            id="synthese-table",
            on_move=self._moved,
            sort="state_date",
            descending=True,
            empty_text="Aucune pièce à traiter",
        )
        yield Line("", id="synthese-status", classes="status")

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#synthese-table", VirtualTable)

    def focus_main(self) -> None:
        self.table.focus()

    def load(self) -> None:
        identity = self.dapp.identity
        if identity is None:
            return
        select = self.query_one("#synthese-structure", Select)
        options: list[tuple[str, Any]] = [(f"Structure : {identity.structure.name}", "current")]
        seen = {identity.structure.id}
        for other in self.dapp.identities:
            if other.structure.id not in seen:
                seen.add(other.structure.id)
                options.append((other.structure.name, str(other.structure.id)))
        if len(seen) > 1:
            options.append(("Toutes mes structures", "all"))
        with select.prevent(Select.Changed):
            select.set_options(options)
            select.value = "current"
        self.table.set_source(self.fetcher())

    def refresh_data(self) -> None:
        self.table.reload()

    def fetcher(self) -> Fetch:
        dapp = self.dapp
        session = dapp.session
        choice = self.query_one("#synthese-structure", Select).value
        if choice == "all":
            ids: list[int] | None = sorted({i.structure.id for i in dapp.identities})
        elif choice is Select.NULL or choice in (None, "current"):
            ids = None
        else:
            ids = [int(str(choice))]
        hide_refused = self.query_one("#synthese-hide-refused", Checkbox).value
        hide_downloaded = self.query_one("#synthese-hide-downloaded", Checkbox).value
        backend = dapp.backend

        def fetch(
            offset: int, limit: int, sort: str | None, descending: bool
        ) -> tuple[list[Any], int]:
            from decompte.sdk.queries import SyntheseFilter

            core = backend.wait()
            page = core.queries.synthese(
                session,
                SyntheseFilter(
                    structure_ids=ids,
                    hide_refused_older=hide_refused,
                    hide_downloaded=hide_downloaded,
                    sort=sort or "state_date",
                    descending=descending,
                    offset=offset,
                    limit=limit,
                ),
            )
            return page.rows, page.total

        return fetch

    @on(Select.Changed, "#synthese-structure")
    @on(Checkbox.Changed)
    def _filters_changed(self) -> None:
        if self.loaded and self.dapp.identity is not None:
            self.table.set_source(self.fetcher())

    def _moved(self) -> None:
        table = self.table
        total = "…" if table.total is None else f"{table.total:,}".replace(",", "\u00a0")
        self.query_one("#synthese-title", Line).set_text(f"Factures de travaux à traiter : {total}")
        column = next((c.label for c in table.columns if c.sort == table.sort_key), "")
        arrow = "décroissant" if table.descending else "croissant"
        self.query_one("#synthese-status", Line).set_text(
            f"{table.position_text()} · tri : {column} ({arrow}) · "
            "Entrée ouvre · ←→ colonne · s trie"
        )

    @on(VirtualTable.Activated, "#synthese-table")
    def _open(self, event: VirtualTable.Activated) -> None:
        self.dapp.open_piece(event.row.id)

    def action_reload(self) -> None:
        self.table.reload()

    # -- export -------------------------------------------------------------------------------
    def action_export(self) -> None:
        from .export_dialog import ExportDialog

        stamp = self.dapp.clock().strftime("%Y%m%d")
        self.app.push_screen(ExportDialog(f"synthese-{stamp}.csv", "synthese"), self._export_to)

    def _export_to(self, choice: ExportChoice | None) -> None:
        if choice is None:
            return
        path = choice.path
        table = self.table
        self.notify(f"Export en cours vers {path}…", timeout=3)
        self.export(path, self.fetcher(), table.sort_key, table.descending, choice.overwrite)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(
        self, path: Path, fetch: Fetch, sort: str | None, descending: bool, overwrite: bool
    ) -> None:
        started = datetime.now()
        try:
            count = export_csv(path, fetch, piece_columns(), sort, descending, overwrite=overwrite)
        except Exception as exc:
            notify_error(self.app, exc, "Export")
            return
        seconds = (datetime.now() - started).total_seconds()
        self.app.call_from_thread(
            self.notify,
            f"{count} ligne(s) exportée(s) dans {path} ({seconds:.1f} s)",
            title="Export CSV",
            timeout=8,
        )
