"""« Rechercher une structure »: the portal's criteria (identifier and its type, raison
sociale, libellé, postcode, city, entity type, status); `*` is a wildcard; results as you
type (the organisation's search, in a worker)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import get_current_worker

from ..safe_text import DataTable, Label, Select, Static
from ..widgets.identity import spaced_siret
from ..workers import describe_error
from .base import Modal

if TYPE_CHECKING:
    from decompte.sdk.model import Structure

    from ..app import DecompteApp

DEBOUNCE = 0.15
COLUMNS = ("Identifiant", "Raison sociale", "CP", "Ville", "Type", "Statut")
TEXT_FIELDS = ("identifier", "name", "label", "postcode", "city")
IDENTIFIER_TYPES = (
    ("SIRET", "SIRET"),
    ("UE hors France", "UE_HORS_FRANCE"),
    ("Hors UE", "HORS_UE"),
    ("RIDET", "RIDET"),
    ("Numéro Tahiti", "TAHITI"),
    ("Particulier", "PARTICULIER"),
    ("Autre", "AUTRE"),
)


class StructurePicker(Modal["Structure | None"]):
    def __init__(self, title: str, *, public: bool | None = None, purpose: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.public = public
        self.results: list[Structure] = []
        self.searching = False  # a search is scheduled or running
        self._timer: Timer | None = None
        self._generation = 0  # results of an earlier search no longer count
        self.draft_key = ("structure-search", purpose or title)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box wide", id="picker-box"):
            yield Static(self.title_text, classes="modal-title")
            yield Static(
                "Renseignez un ou plusieurs champs ; le caractère * remplace "
                "n'importe quelle chaîne.",
                classes="muted",
            )
            with Grid(classes="form-grid"):
                yield Label("SIRET / identifiant", classes="form-label")
                yield Input(id="find-identifier", compact=True, placeholder="ex. 2145*")
                yield Label("Type d'identifiant", classes="form-label")
                yield Select(IDENTIFIER_TYPES, prompt="Tous", compact=True, id="find-idtype")
                yield Label("Raison sociale", classes="form-label")
                yield Input(id="find-name", compact=True, placeholder="ex. COMMUNE*")
                yield Label("Libellé", classes="form-label")
                yield Input(id="find-label", compact=True, placeholder="ex. *ECOLE*")
                yield Label("Code postal", classes="form-label")
                yield Input(id="find-postcode", compact=True)
                yield Label("Ville", classes="form-label")
                yield Input(id="find-city", compact=True)
                yield Label("Type d'entité", classes="form-label")
                yield Select(
                    [("Publique", "public"), ("Privée", "private")],
                    prompt="Toutes",
                    compact=True,
                    id="find-kind",
                    value="public"
                    if self.public
                    else ("private" if self.public is False else Select.NULL),
                )
                yield Label("Statut", classes="form-label")
                yield Select(
                    [("Active", "active"), ("Inactive", "inactive")],
                    prompt="Tous",
                    compact=True,
                    id="find-active",
                )
            yield Static("", id="find-status", classes="status")
            yield DataTable(id="find-results", cursor_type="row", zebra_stripes=True)
            yield from self.error_and_buttons("Choisir")

    def on_mount(self) -> None:
        table = self.query_one("#find-results", DataTable)
        table.add_columns(*COLUMNS)
        self.restore_draft()
        self.query_one("#find-identifier").focus()
        self._schedule()

    @on(Input.Changed)
    @on(Select.Changed)
    def _schedule(self) -> None:
        self.searching = True
        self._generation += 1
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._search_now)

    def _search_now(self) -> None:
        criteria: dict[str, Any] = {
            w: self.query_one(f"#find-{w}", Input).value.strip() for w in TEXT_FIELDS
        }
        id_type = self.query_one("#find-idtype", Select).value
        criteria["identifier_type"] = "" if id_type is Select.NULL else str(id_type)
        criteria["public"] = _choice(self.query_one("#find-kind", Select).value, "public")
        criteria["active"] = _choice(self.query_one("#find-active", Select).value, "active")
        if not any(v not in ("", None) for v in criteria.values()):
            self.searching = False
            self.query_one("#find-status", Static).update("Saisissez un critère")
            return
        self.query_one("#find-status", Static).update("Recherche…")
        self.search(self._generation, criteria)

    @work(thread=True, exclusive=True, exit_on_error=False, group="structure-search")
    def search(self, generation: int, criteria: dict[str, Any]) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        worker = get_current_worker()
        try:
            found = dapp.backend.wait().org.search_structures(**criteria, limit=50)
        except Exception as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, generation, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, generation, found)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.searching = False
        self.query_one("#find-status", Static).update(describe_error(exc))

    def _show(self, generation: int, found: list[Any]) -> None:
        if generation != self._generation:
            return
        self.searching = False
        self.results = found
        table = self.query_one("#find-results", DataTable)
        table.clear(columns=True)  # widths from these results only
        table.add_columns(*COLUMNS)
        for i, s in enumerate(found):
            table.add_row(
                spaced_siret(s.identifier),
                s.name,
                s.address.postcode,
                s.address.city,
                "publique" if s.public else "privée",
                "active" if s.active else "inactive",
                key=str(i),
            )
        more = " (50 premiers : affinez)" if len(found) >= 50 else ""
        self.query_one("#find-status", Static).update(
            f"{len(found)} structure(s){more} · ↓ puis Entrée pour choisir"
        )

    @on(DataTable.RowSelected, "#find-results")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self._pick(int(event.row_key.value or 0))

    @on(Input.Submitted)
    def _to_results(self) -> None:
        table = self.query_one("#find-results", DataTable)
        if table.row_count:
            table.focus()

    def action_confirm(self) -> None:
        table = self.query_one("#find-results", DataTable)
        if not table.row_count:
            self.show_error("Aucune structure à choisir")
            return
        self._pick(table.cursor_row)

    def _pick(self, index: int) -> None:
        if 0 <= index < len(self.results):
            self.keep_draft()
            self.dismiss(self.results[index])


def _choice(value: object, yes: str) -> bool | None:
    """A two-way Select: True for `yes`, False for the other value, None for « Tous »."""
    return None if value is Select.NULL else value == yes
