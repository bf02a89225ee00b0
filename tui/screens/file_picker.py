"""Choose a file: the piece's PDF/XML (its « format de dépôt » is detected and shown) or an
attachment (with its type and designation). A tree to browse, or a path to type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DirectoryTree, Input
from textual.worker import get_current_worker

from decompte.sdk import vocabulary as V
from decompte.sdk.model import DEPOSITED_ATTACHMENT_KINDS

from ..safe_text import Label, Select, Static
from .base import Modal

if TYPE_CHECKING:
    from ..app import DecompteApp

PIECE_SUFFIXES = {".pdf", ".xml"}
ATTACHMENT_KINDS = tuple((V.ATTACHMENT_KIND_LABELS[k], k.value) for k in DEPOSITED_ATTACHMENT_KINDS)


@dataclass(frozen=True)
class ChosenFile:
    path: Path
    format_label: str = ""
    kind: str = ""
    designation: str = ""


def describe_file(path: Path, piece: bool) -> tuple[str, list[str]]:
    """(format label, problems) for a file; blocking (reads the file), run in a worker."""
    if not path.is_file():
        return "", [f"Fichier introuvable : {path}"]
    if not piece:
        try:
            from decompte.sdk.documents.attachments import check_attachment
        except ImportError:
            return "", []
        try:  # a read stopped by the safety net (« réessayez ») or a file gone meanwhile
            return "", [f"{f.message}" for f in check_attachment(path)]
        except Exception as exc:
            return "", [getattr(exc, "message", str(exc))]
    try:
        from decompte.sdk.documents.inspection import inspect_file
    except ImportError:
        from decompte.sdk.files_check import detect_format

        return detect_format(path), []
    try:
        found = inspect_file(path, lenient=True)
    except Exception as exc:
        return "", [getattr(exc, "message", str(exc))]
    problems = [f"{f.message}" for f in found.findings if str(f.severity) != "info"]
    pages = f", {found.pages} page(s)" if found.pages else ""
    return f"{found.format.label}{pages}", problems


class PieceTree(DirectoryTree):
    def __init__(self, path: Path, suffixes: set[str] | None, **kwargs: object) -> None:
        super().__init__(path, **kwargs)  # type: ignore[arg-type]
        self.suffixes = suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        for path in paths:
            if path.name.startswith("."):
                continue
            if self.suffixes is None or path.is_dir() or path.suffix.lower() in self.suffixes:
                yield path


def start_folder(ui: dict[str, object]) -> Path:
    configured = ui.get("files_dir")
    if isinstance(configured, str) and configured and Path(configured).expanduser().is_dir():
        return Path(configured).expanduser()
    return Path.cwd()


class FilePicker(Modal[ChosenFile]):
    def __init__(self, *, piece: bool = True, start: Path | None = None, current: str = "") -> None:
        super().__init__()
        self.piece = piece
        self.start = start
        self.current = current
        self.format_label = ""
        self.draft_key = ("file", "piece" if piece else "attachment")

    def compose(self) -> ComposeResult:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        root = self.start or start_folder(dapp.ui)
        title = "Fichier de la pièce (PDF ou XML)" if self.piece else "Ajouter une pièce jointe"
        with Vertical(classes="modal-box wide", id="file-box"):
            yield Static(title, classes="modal-title")
            yield PieceTree(root, PIECE_SUFFIXES if self.piece else None, id="file-tree")
            with Horizontal(classes="form-row"):
                yield Label("Chemin", classes="form-label")
                yield Input(
                    self.current,
                    id="file-path",
                    compact=True,
                    placeholder="chemin du fichier (ou choisissez dans l'arbre)",
                )
            if not self.piece:
                with Horizontal(classes="form-row"):
                    yield Label("Type", classes="form-label")
                    yield Select(
                        ATTACHMENT_KINDS,
                        value="AUTRE",
                        allow_blank=False,
                        compact=True,
                        id="file-kind",
                    )
                with Horizontal(classes="form-row"):
                    yield Label("Désignation", classes="form-label")
                    yield Input(id="file-designation", compact=True, max_length=200)
            yield Static("", id="file-format")
            yield from self.error_and_buttons("Choisir")

    def on_mount(self) -> None:
        if not self.current:
            self.restore_draft()
        self.query_one("#file-tree").focus()
        if self.query_one("#file-path", Input).value:
            self._inspect(self.query_one("#file-path", Input).value)

    @on(DirectoryTree.FileSelected)
    def _tree_file(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#file-path", Input).value = str(event.path)
        target = "#file-designation" if not self.piece else "#confirm"
        self.query_one(target).focus()

    @on(Input.Changed, "#file-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._inspect(event.value)

    def _inspect(self, text: str) -> None:
        self.format_label = ""
        if not text.strip():
            self.query_one("#file-format", Static).update("")
            return
        self.query_one("#file-format", Static).update("Lecture du fichier…")
        self.inspect(Path(text.strip()).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="file-inspect")
    def inspect(self, path: Path) -> None:
        worker = get_current_worker()
        label, problems = describe_file(path, self.piece)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._described, label, problems)

    def _described(self, label: str, problems: list[str]) -> None:
        self.format_label = label
        text = f"Format de dépôt : {label}" if label else ""
        if problems:
            text += ("\n" if text else "") + "\n".join(f"⚠ {p}" for p in problems)
        self.query_one("#file-format", Static).update(text)

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        text = self.query_one("#file-path", Input).value.strip()
        if not text:
            self.show_error("Choisissez un fichier dans l'arbre ou saisissez son chemin")
            return
        path = Path(text).expanduser()
        if not path.is_file():
            self.show_error(f"Fichier introuvable : {path}")
            return
        kind = designation = ""
        if not self.piece:
            kind = str(self.query_one("#file-kind", Select).value)
            designation = self.query_one("#file-designation", Input).value.strip()
        self.forget_draft()
        self.dismiss(ChosenFile(path, self.format_label, kind, designation))
