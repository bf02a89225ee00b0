"""Download a piece's file and attachments into a folder (workflow.download)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from decompte.sdk.errors import Conflict

from ..safe_text import Label, Static
from .base import Modal

if TYPE_CHECKING:
    from ..app import DecompteApp


def default_folder(ui: dict[str, object]) -> str:
    configured = ui.get("download_dir")
    if isinstance(configured, str) and configured:
        return configured
    for candidate in (Path.home() / "Téléchargements", Path.home() / "Downloads"):
        if candidate.is_dir():
            return str(candidate)
    return str(Path.cwd())


class DownloadModal(Modal[list[Path]]):
    def __init__(self, piece_id: int, number: str, files: list[str]) -> None:
        super().__init__()
        self.piece_id = piece_id
        self.number = number
        self.files = files
        self.draft_key = ("download",)
        self.overwrite = False

    def compose(self) -> ComposeResult:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        with Vertical(classes="modal-box", id="download-box"):
            yield Static(f"Télécharger la pièce n° {self.number}", classes="modal-title")
            listing = "\n".join(f"  • {name}" for name in self.files) or "  (aucun fichier)"
            yield Static(f"Fichiers :\n{listing}")
            with Horizontal(classes="form-row"):
                yield Label("Dossier", classes="form-label")
                yield Input(default_folder(dapp.ui), id="folder", compact=True)
            yield from self.error_and_buttons("Télécharger")

    def on_mount(self) -> None:
        self.restore_draft()
        self.query_one("#folder").focus()

    @on(Input.Changed, "#folder")
    def _folder_changed(self) -> None:
        self._arm_overwrite(False)

    def _arm_overwrite(self, armed: bool) -> None:
        """After « le fichier existe déjà », the confirm button becomes « Remplacer »: a second
        press replaces the files; changing the folder disarms it."""
        self.overwrite = armed
        self.query_one("#confirm", Button).label = "Remplacer" if armed else "Télécharger"

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        folder = self.query_one("#folder", Input).value.strip()
        if not folder:
            self.show_error("Indiquez le dossier de destination")
            return
        self.query_one("#confirm", Button).disabled = True
        self.fetch_files(Path(folder).expanduser(), self.overwrite)

    @work(thread=True, exclusive=True, exit_on_error=False, group="download")
    def fetch_files(self, folder: Path, overwrite: bool) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            core = dapp.backend.wait()
            written = core.workflow.download(
                dapp.session, self.piece_id, folder, overwrite=overwrite
            )
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc)
        else:
            self.app.call_from_thread(self._done, written)

    def _refused(self, exc: BaseException) -> None:
        self.query_one("#confirm", Button).disabled = False
        if isinstance(exc, Conflict):  # a file of that name is there already
            self._arm_overwrite(True)
            self.show_error(f"{exc.message} — « Remplacer » pour l'écraser, Échap pour annuler")
            return
        self.show_error(exc)

    def _done(self, written: list[Path]) -> None:
        self.keep_draft()
        self.dismiss(written)
