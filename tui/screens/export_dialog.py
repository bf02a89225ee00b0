"""Where to write a CSV export of the current view."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from .base import Modal


def export_folder(ui: dict[str, object]) -> Path:
    configured = ui.get("export_dir")
    if isinstance(configured, str) and configured:
        return Path(configured).expanduser()
    return Path.cwd()


class ExportDialog(Modal[Path]):
    def __init__(self, file_name: str, what: str) -> None:
        super().__init__()
        self.file_name = file_name
        self.draft_key = ("export", what)

    def compose(self) -> ComposeResult:
        folder = export_folder(getattr(self.app, "ui", {}))
        with Vertical(classes="modal-box", id="export-box"):
            yield Static("Exporter les résultats (CSV)", classes="modal-title")
            yield Static(
                "Toutes les lignes de la vue, dans l'ordre du tri : séparateur « ; », "
                "virgule décimale, UTF-8.",
                classes="muted",
            )
            with Horizontal(classes="form-row"):
                yield Label("Fichier", classes="form-label")
                yield Input(str(folder / self.file_name), id="path", compact=True)
            yield Static("", id="modal-error", classes="error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Exporter", id="confirm", variant="primary", compact=True)
                yield Button("Annuler (Échap)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#modal-error").display = False
        self.query_one("#path").focus()

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.show_error("Indiquez le fichier à écrire")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            path = path / self.file_name
        self.dismiss(path)
