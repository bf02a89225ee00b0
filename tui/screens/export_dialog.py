"""Where to write an export: the CSV of the current view, or a plugin's exporter (FEC, pivot
XML, an ERP format…) with its options typed as ``CLÉ=VALEUR``."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from ..safe_text import Label, Static
from .base import Modal


def export_folder(ui: dict[str, object]) -> Path:
    configured = ui.get("export_dir")
    if isinstance(configured, str) and configured:
        return Path(configured).expanduser()
    return Path.cwd()


@dataclass(frozen=True)
class ExportChoice:
    path: Path  # a file, or a folder where the exporter names the file itself
    options: dict[str, str] = field(default_factory=dict)
    overwrite: bool = False  # the user confirmed replacing the existing file


class ExportDialog(Modal[ExportChoice]):
    def __init__(
        self,
        file_name: str,
        what: str,
        *,
        title: str = "Exporter les résultats (CSV)",
        description: str = (
            "Toutes les lignes de la vue, dans l'ordre du tri : séparateur « ; », "
            "virgule décimale, UTF-8."
        ),
        options: tuple[str, ...] | None = None,
    ) -> None:
        """`file_name` empty: the exporter names the file in the chosen folder. `options`:
        the option names the exporter accepts (None: no options field)."""
        super().__init__()
        self.file_name = file_name
        self.title_text = title
        self.description = description
        self.options = options
        self.draft_key = ("export", what)
        self.overwrite = False

    def compose(self) -> ComposeResult:
        folder = export_folder(getattr(self.app, "ui", {}))
        target = folder / self.file_name if self.file_name else folder
        with Vertical(classes="modal-box", id="export-box"):
            yield Static(self.title_text, classes="modal-title")
            yield Static(self.description, classes="muted")
            with Horizontal(classes="form-row"):
                label = "Fichier" if self.file_name else "Destination"
                yield Label(label, classes="form-label")
                yield Input(str(target), id="path", compact=True)
            if self.options is not None:
                with Horizontal(classes="form-row"):
                    yield Label("Options", classes="form-label")
                    yield Input(placeholder="CLÉ=VALEUR …", id="options", compact=True)
                names = ", ".join(self.options) or "aucune"
                yield Static(f"Options possibles : {names}", classes="muted")
            yield from self.error_and_buttons("Exporter")

    def on_mount(self) -> None:
        self.restore_draft()
        self.query_one("#path").focus()

    @on(Input.Changed, "#path")
    def _path_changed(self) -> None:
        self.overwrite = False

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.show_error("Indiquez le fichier à écrire")
            return
        path = Path(text).expanduser()
        if path.is_dir() and self.file_name:
            path = path / self.file_name
        if path.is_file() and not self.overwrite:  # replaced only when confirmed
            self.overwrite = True
            self.show_error(
                f"Le fichier {path} existe déjà — Exporter à nouveau pour le remplacer, "
                "ou changez de nom"
            )
            return
        options: dict[str, str] = {}
        if self.options is not None:
            from decompte.sdk.errors import UsageError
            from decompte.sdk.export import option_pairs

            raw = self.query_one("#options", Input).value
            try:
                options = option_pairs(shlex.split(raw))
            except (ValueError, UsageError) as exc:
                self.show_error(exc if isinstance(exc, UsageError) else f"Options : {exc}")
                return
        self.forget_draft()
        self.dismiss(ExportChoice(path, options, self.overwrite))
