"""Tableau de bord (stock): counts by state and by age band, the pieces unpaid past their
payment deadline with the interest they owe (an estimate), and the held pieces with the
overdue ones first."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal

from ..safe_text import Static, Table
from ..widgets.pane import Pane
from ..widgets.piece_columns import money, piece_columns
from ..widgets.tones import tone
from ..widgets.vtable import Fetch, VirtualTable
from ..workers import describe_error

BAR = 18


def _titled_table(title: str) -> Table:
    """A borderless table under a bold title, as the Tableau de bord's summaries are."""
    return Table(
        box=None,
        padding=(0, 1),
        show_edge=False,
        header_style="bold",
        expand=True,
        title=title,
        title_style="bold",
        title_justify="left",
    )


def stock_tables(stock: dict[str, Any], app: Any = None) -> tuple[Table, Table]:
    from decompte.sdk.states import label

    by_state = _titled_table("Par état")
    by_state.add_column("État courant", ratio=1)
    by_state.add_column("Pièces", justify="right")
    for code, count in stock["by_state"].items():
        by_state.add_row(label(code), str(count))
    if not stock["by_state"]:
        by_state.add_row(Text("Aucune pièce en stock", "dim"), "")
    by_age = _titled_table("Par ancienneté")
    by_age.add_column("Depuis")
    by_age.add_column("Pièces", justify="right")
    by_age.add_column("", ratio=1)
    biggest = max(stock["by_age"].values(), default=0) or 1
    for band, count in stock["by_age"].items():
        bar = "█" * max(1 if count else 0, round(BAR * count / biggest))
        kind = "error" if band.startswith(">") else "warning" if band.startswith("16") else ""
        style = tone(app, kind) if app is not None and kind else ""
        by_age.add_row(band, str(count), Text(bar, style))
    return by_state, by_age


def late_payments_table(late: dict[str, Any]) -> Table:
    """The held pieces unpaid past their payment deadline, by state: the estimated interest
    and flat indemnities they owe (never a legal decision)."""
    from decompte.sdk.states import label

    table = _titled_table("Retards de paiement (intérêts moratoires estimés)")
    table.add_column("État courant", ratio=1)
    table.add_column("Pièces", justify="right")
    table.add_column("Intérêts et indemnités", justify="right")
    for code, line in late["by_state"].items():
        table.add_row(label(code), str(line["count"]), f"{money(line['total'])} €")
    return table


def overdue_first(session: Any, backend: Any) -> Fetch:
    """Held pieces, fewest days left first (overdue at the top), pieces without a deadline
    last. Up to 1000 pieces are ordered here by their computed deadline; beyond, the store
    orders them by the date they reached the structure (oldest first)."""
    cache: dict[str, Any] = {}

    def fetch(offset: int, limit: int, sort: str | None, descending: bool) -> tuple[list[Any], int]:
        from decompte.sdk.queries import SyntheseFilter

        queries = backend.wait().queries
        if sort not in (None, "days_left") or "big" in cache:
            page = queries.synthese(
                session,
                SyntheseFilter(
                    hide_refused_older=False,
                    sort=sort or "days_left",
                    descending=descending,
                    offset=offset,
                    limit=limit,
                ),
            )
            return page.rows, page.total
        if "rows" not in cache:
            page = queries.synthese(
                session,
                SyntheseFilter(
                    hide_refused_older=False,
                    sort="days_left",
                    descending=False,
                    offset=0,
                    limit=1000,
                ),
            )
            if page.total > len(page.rows):
                cache["big"] = True
                return fetch(offset, limit, sort, descending)
            cache["rows"] = sorted(
                page.rows,
                key=lambda r: (r.days_left is None, r.days_left if r.days_left is not None else 0),
            )
        rows = cache["rows"] if not descending else list(reversed(cache["rows"]))
        return rows[offset : offset + limit], len(rows)

    return fetch


class TableauPane(Pane):
    def compose_content(self) -> ComposeResult:
        yield Static("Stock", id="stock-summary", classes="table-title")
        with Horizontal(id="stock-tables"):
            yield Static("", id="stock-by-state")
            yield Static("", id="stock-by-age")
        yield Static("", id="stock-late-payments")
        yield Static("Pièces détenues, les plus en retard d'abord", classes="table-title")
        yield VirtualTable(
            piece_columns(payment=True),
            id="stock-table",
            sort="days_left",
            descending=False,
            empty_text="Aucune pièce détenue",
        )

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#stock-table", VirtualTable)

    def focus_main(self) -> None:
        self.table.focus()

    def load(self) -> None:
        if self.dapp.identity is None:
            return
        self.query_one("#stock-summary", Static).update("Stock : chargement…")
        self.load_stock()
        self.table.set_source(overdue_first(self.dapp.session, self.dapp.backend))

    @work(thread=True, exclusive=True, exit_on_error=False, group="stock")
    def load_stock(self) -> None:
        dapp = self.dapp
        try:
            stock = dapp.backend.wait().queries.stock(dapp.session)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
        else:
            self.app.call_from_thread(self._show, stock)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#stock-summary", Static).update(
            Text(describe_error(exc), tone(self.app, "error", bold=True))
        )
        self.notify(describe_error(exc), title="Tableau de bord", severity="error", timeout=8)

    def _show(self, stock: dict[str, Any]) -> None:
        summary = Text.assemble(("Stock : ", "bold"), f"{stock['total']} pièce(s) à traiter")
        if stock["overdue"]:
            summary.append(f" · {stock['overdue']} en retard", tone(self.app, "error", bold=True))
        late = stock["late_payments"]
        if late["count"]:
            summary.append(
                f" · {late['count']} en retard de paiement "
                f"({money(late['total'])} € d'intérêts et indemnités estimés)",
                tone(self.app, "error", bold=True),
            )
        shown = self.query_one("#stock-late-payments", Static)
        shown.display = bool(late["count"])
        if late["count"]:
            shown.update(late_payments_table(late))
        self.query_one("#stock-summary", Static).update(summary)
        by_state, by_age = stock_tables(stock, self.app)
        self.query_one("#stock-by-state", Static).update(by_state)
        self.query_one("#stock-by-age", Static).update(by_age)

    @on(VirtualTable.Activated, "#stock-table")
    def _open(self, event: VirtualTable.Activated) -> None:
        self.dapp.open_piece(event.row.id)
