"""The « fiche identité du marché »: who deposits which cadres, with which identifiers. It is
read through the access policy (`Backend.marche_card`), so the app shows a user exactly what
``decompte marche show`` shows the same user."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import LoadingIndicator

from .. import keymap as K
from ..backend import ROLE_LABELS
from ..safe_text import Static, Table
from ..widgets.identity import IdentityBar, spaced_siret
from ..widgets.keybar import KeyBar
from ..widgets.tones import tone
from ..workers import describe_error

if TYPE_CHECKING:
    from ..app import DecompteApp


class MarcheScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = [K.binding("dossier.back")]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        yield IdentityBar()
        yield Static(f"Marché n° {self.number}", id="marche-title", classes="screen-title")
        with VerticalScroll(id="marche-body"):
            yield LoadingIndicator(id="marche-loading")
            yield Static("", id="marche-object")
            yield Static("Fiche identité du marché", classes="section")
            yield Static("", id="marche-identity")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#marche-body").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="marche")
    def load(self) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        try:
            marche, lines = dapp.backend.marche_card(dapp.session, self.number)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
        else:
            self.app.call_from_thread(self._show, marche, lines)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#marche-loading").display = False
        self.query_one("#marche-object", Static).update(
            Text(describe_error(exc), tone(self.app, "error", bold=True))
        )
        self.notify(describe_error(exc), title="Marché", severity="error", timeout=8)

    def _show(self, marche: object, lines: list[object]) -> None:
        self.query_one("#marche-loading").display = False
        engagements = ", ".join(getattr(marche, "engagements", ())) or "—"
        self.query_one("#marche-object", Static).update(
            Text.assemble(
                ("Objet : ", "bold"),
                str(getattr(marche, "object", "")),
                ("\nEngagements juridiques : ", "bold"),
                engagements,
            )
        )
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        for line in lines:
            validator = getattr(line, "validator", None)
            structure = line.structure  # type: ignore[attr-defined]
            details = Text.assemble(
                (structure.name, "bold"),
                f" ({spaced_siret(structure.identifier)})",
                ("\nservice : ", "dim"),
                line.service_code or "—",  # type: ignore[attr-defined]
                ("  cadres : ", "dim"),
                ", ".join(line.cadres),  # type: ignore[attr-defined]
            )
            if validator is not None:
                details.append("\nvalideur : ", "dim")
                details.append(validator.name)
            table.add_row(
                ROLE_LABELS.get(str(line.role), str(line.role)),  # type: ignore[attr-defined]
                details,
            )
        self.query_one("#marche-identity", Static).update(table)

    def action_back(self) -> None:
        self.dismiss(None)
