"""Rechercher (seed 000/001): your role, structure, type de pièce, destinataire, cadre,
service, emission period, état courant, n° de dossier, and advanced criteria (SIREN…)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.widgets import Button, Input

from decompte.sdk.deposit_entry import parse_day

from .. import keymap as K
from ..backend import ROLE_LABELS
from ..safe_text import Label, Select, Static
from ..widgets.line import Line
from ..widgets.pane import Pane
from ..widgets.piece_columns import piece_columns
from ..widgets.vtable import Fetch, VirtualTable

SEARCH_ROLES = tuple(
    (ROLE_LABELS[role], role) for role in ("FOURNISSEUR", "MOE", "MOA", "SERVICE_FINANCIER")
)
ROLE_FOR_ACTOR = {
    "FOURNISSEUR": "FOURNISSEUR",
    "COTRAITANT": "FOURNISSEUR",
    "SOUSTRAITANT": "FOURNISSEUR",
    "MOE": "MOE",
    "MOA": "MOA",
    "SERVICE_FINANCIER": "SERVICE_FINANCIER",
}


class RecherchePane(Pane):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("rechercher")

    def compose_content(self) -> ComposeResult:
        with Grid(id="search-form", classes="form-grid"):
            yield Label("Votre rôle", classes="form-label")
            yield Select(
                SEARCH_ROLES, value="FOURNISSEUR", allow_blank=False, compact=True, id="search-role"
            )
            yield Label("Structure", classes="form-label")
            yield Select(
                [("Toutes les structures", "all")],
                value="all",
                allow_blank=False,
                compact=True,
                id="search-structure",
            )
            yield Label("Type de pièce", classes="form-label")
            yield Select([], prompt="Tous les types", compact=True, id="search-document")
            yield Label("Cadre", classes="form-label")
            yield Select(
                [], prompt="Tous les cadres de facturation", compact=True, id="search-cadre"
            )
            yield Label("Destinataire", classes="form-label")
            yield Input(
                placeholder="raison sociale ou SIRET (* joker)", compact=True, id="search-recipient"
            )
            yield Label("Service", classes="form-label")
            yield Input(placeholder="code service", compact=True, id="search-service")
            yield Label("Émise du", classes="form-label")
            with Horizontal(classes="period"):
                yield Input(placeholder="JJ/MM/AAAA", compact=True, id="search-from")
                yield Label(" au ", classes="inline-label")
                yield Input(placeholder="JJ/MM/AAAA", compact=True, id="search-to")
            yield Label("État courant", classes="form-label")
            yield Select([], prompt="Tous les états", compact=True, id="search-state")
            yield Label("N° de dossier", classes="form-label")
            yield Input(
                placeholder="numéro de dossier de facturation", compact=True, id="search-dossier"
            )
            with Horizontal(classes="buttons"):
                yield Button("Rechercher", id="search-go", variant="primary", compact=True)
                yield Button("+ Critères avancés", id="search-more", compact=True)
                yield Button("Réinitialiser", id="search-reset", compact=True)
        with Grid(id="search-advanced", classes="form-grid"):
            yield Label("SIREN fournisseur", classes="form-label")
            yield Input(placeholder="9 chiffres (* joker)", compact=True, id="search-siren")
            yield Label("N° de pièce", classes="form-label")
            yield Input(placeholder="numéro exact", compact=True, id="search-number")
            yield Label("N° de marché", classes="form-label")
            yield Input(placeholder="numéro exact", compact=True, id="search-marche")
        yield Static("", id="search-error", classes="error")
        yield VirtualTable(
            piece_columns(),
            id="search-table",
            on_move=self._moved,
            sort="deposited_at",
            descending=True,
            empty_text="Aucune pièce ne répond aux critères",
            idle_text="Renseignez des critères puis F9",
        )
        yield Line(
            "Renseignez des critères puis F9 (ou Entrée)", id="search-status", classes="status"
        )

    def on_built(self) -> None:
        self.query_one("#search-advanced").display = False
        self.query_one("#search-error").display = False

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#search-table", VirtualTable)

    def focus_main(self) -> None:
        if self.table.total:
            self.table.focus()
        else:
            self.query_one("#search-role").focus()

    def load(self) -> None:
        from decompte.sdk.states import STATES

        identity = self.dapp.identity
        if identity is None:
            return
        core = self.dapp.core
        self.query_one("#search-role", Select).value = ROLE_FOR_ACTOR.get(
            identity.actor_role, "FOURNISSEUR"
        )
        structures: list[tuple[str, Any]] = [("Toutes les structures", "all")]
        seen: set[int] = set()
        for other in self.dapp.identities:
            if other.structure.id not in seen:
                seen.add(other.structure.id)
                structures.append((other.structure.name, str(other.structure.id)))
        select = self.query_one("#search-structure", Select)
        select.set_options(structures)
        select.value = "all"
        documents = sorted({c.document for c in core.cadres})
        self.query_one("#search-document", Select).set_options((d, d) for d in documents)
        self.query_one("#search-cadre", Select).set_options((c.title, c.code) for c in core.cadres)
        self.query_one("#search-state", Select).set_options(
            (s.label, s.code) for s in STATES.values()
        )
        self.table.set_source(None)
        self.query_one("#search-status", Line).set_text(
            "Renseignez des critères puis F9 (ou Entrée dans un champ)"
        )

    def refresh_data(self) -> None:
        if self.table._fetch is not None:
            self.table.reload()

    def _value(self, selector: str) -> str:
        widget = self.query_one(selector)
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL or value is None else str(value)
        if isinstance(widget, Input):
            return widget.value.strip()
        return ""

    def criteria(self) -> dict[str, Any]:
        """The SearchCriteria fields from the form; ValueError (French) on a bad date."""
        structure = self._value("#search-structure")
        values: dict[str, Any] = {
            "role": self._value("#search-role") or "FOURNISSEUR",
            "structure_ids": None if structure in ("", "all") else [int(structure)],
            "document": self._value("#search-document"),
            "cadre": self._value("#search-cadre"),
            "recipient": self._value("#search-recipient"),
            "service_code": self._value("#search-service"),
            "state": self._value("#search-state"),
            "dossier_number": self._value("#search-dossier"),
            "siren": self._value("#search-siren"),
            "number": self._value("#search-number"),
            "marche_number": self._value("#search-marche"),
        }
        values["issued_from"] = parse_day(self._value("#search-from"))
        values["issued_to"] = parse_day(self._value("#search-to"))
        return values

    def fetcher(self, values: dict[str, Any]) -> Fetch:
        session = self.dapp.session
        backend = self.dapp.backend

        def fetch(
            offset: int, limit: int, sort: str | None, descending: bool
        ) -> tuple[list[Any], int]:
            from decompte.sdk.queries import SearchCriteria

            core = backend.wait()
            page = core.queries.search(
                session,
                SearchCriteria(
                    **values,
                    sort=sort or "deposited_at",
                    descending=descending,
                    offset=offset,
                    limit=limit,
                ),
            )
            return page.rows, page.total

        return fetch

    @on(Input.Submitted)
    @on(Button.Pressed, "#search-go")
    def action_search(self) -> None:
        error = self.query_one("#search-error", Static)
        try:
            values = self.criteria()
        except ValueError as exc:
            error.update(str(exc))
            error.display = True
            return
        error.display = False
        self.table.set_source(self.fetcher(values))
        self.table.focus()

    @on(Button.Pressed, "#search-more")
    def action_advanced(self) -> None:
        advanced = self.query_one("#search-advanced")
        advanced.display = not advanced.display
        self.query_one("#search-more", Button).label = (
            "− Critères avancés" if advanced.display else "+ Critères avancés"
        )
        if advanced.display:
            self.query_one("#search-siren").focus()

    @on(Button.Pressed, "#search-reset")
    def action_reset(self) -> None:
        for widget in self.query(Input):
            widget.value = ""
        for selector in ("#search-document", "#search-cadre", "#search-state"):
            self.query_one(selector, Select).clear()
        self.load()
        self.query_one("#search-role").focus()

    def _moved(self) -> None:
        table = self.table
        if table._fetch is None:
            return
        total = "…" if table.total is None else f"{table.total:,}".replace(",", "\u00a0")
        self.query_one("#search-status", Line).set_text(
            f"Résultats : {total} · {table.position_text()} · Entrée ouvre · s trie"
        )

    @on(VirtualTable.Activated, "#search-table")
    def _open(self, event: VirtualTable.Activated) -> None:
        self.dapp.open_piece(event.row.id)
