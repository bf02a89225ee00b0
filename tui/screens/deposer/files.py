"""The Déposer form's file and attachments: pick the deposited file (its format read in a
worker) and the attachments (type, designation). The checks of both are the core's
(`files_check`, through the deposit form's check)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.widgets import Button, Input, OptionList
from textual.worker import get_current_worker

from ...safe_text import Static, option
from ...widgets.pane import Pane
from ...widgets.tones import tone


def set_text(widget: Static, text: str | Text) -> None:
    """Show `text`, or hide the widget when there is none."""
    widget.update(text)
    widget.display = bool(str(text))


class FilesPart(Pane):
    """The file and attachments handlers of the Déposer pane."""

    file_label = ""
    file_problems: list[str]
    attachments: list[Any]

    if TYPE_CHECKING:

        def schedule_check(self) -> None: ...  # the pane's

    def file_path(self) -> Path | None:
        text = self.query_one("#dep-file", Input).value.strip()
        return Path(text).expanduser() if text else None

    def attachment_inputs(self) -> list[Any]:
        from decompte.sdk.files_check import AttachmentInput

        return [AttachmentInput(a.path, a.kind or "AUTRE", a.designation) for a in self.attachments]

    def clear_files(self) -> None:
        self.attachments = []
        self._show_attachments()
        self.file_label, self.file_problems = "", []
        set_text(self.query_one("#dep-file-format", Static), "")

    @on(Button.Pressed, "#dep-file-browse")
    def action_pick_file(self) -> None:
        from ..file_picker import FilePicker

        current = self.query_one("#dep-file", Input).value
        self.app.push_screen(FilePicker(piece=True, current=current), self._file_chosen)

    def _file_chosen(self, chosen: Any) -> None:
        if chosen is None:
            return
        self.query_one("#dep-file", Input).value = str(chosen.path)
        self.query_one("#dep-number", Input).focus()

    @on(Input.Changed, "#dep-file")
    def _file_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if not text:
            self.file_label, self.file_problems = "", []
            set_text(self.query_one("#dep-file-format", Static), "")
            return
        set_text(self.query_one("#dep-file-format", Static), "Lecture du fichier…")
        self.inspect_file(Path(text).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-file")
    def inspect_file(self, path: Path) -> None:
        from ..file_picker import describe_file

        worker = get_current_worker()
        label, problems = describe_file(path, True)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._file_described, label, problems)

    def _file_described(self, label: str, problems: list[str]) -> None:
        self.file_label, self.file_problems = label, problems
        text = Text()
        if label:
            text.append("Format de dépôt : ", "bold")
            text.append(label)
        for problem in problems:
            text.append(f"\n⚠ {problem}", tone(self.app, "warning"))
        set_text(self.query_one("#dep-file-format", Static), text)
        self.schedule_check()

    @on(Button.Pressed, "#dep-attach")
    def action_attach(self) -> None:
        from ..file_picker import FilePicker

        self.app.push_screen(FilePicker(piece=False), self._attached)

    def _attached(self, chosen: Any) -> None:
        if chosen is None:
            return
        self.attachments.append(chosen)
        self._show_attachments()
        self.schedule_check()

    @on(Button.Pressed, "#dep-detach")
    def _remove_attachment(self) -> None:
        listing = self.query_one("#dep-attachments", OptionList)
        index = listing.highlighted
        if index is not None and 0 <= index < len(self.attachments):
            del self.attachments[index]
            self._show_attachments()
            self.schedule_check()

    def _show_attachments(self) -> None:
        listing = self.query_one("#dep-attachments", OptionList)
        listing.clear_options()
        for item in self.attachments:
            listing.add_option(
                option(f"{item.kind} · {item.designation or '—'} · {item.path.name}")
            )
        listing.display = bool(self.attachments)
