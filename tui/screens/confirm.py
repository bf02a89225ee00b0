"""A plain yes/no question (e.g. « effacer le formulaire ? »)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from ..safe_text import Static
from .base import Modal


class ConfirmModal(Modal[bool]):
    def __init__(self, title: str, question: str, confirm: str = "Confirmer") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="confirm-box"):
            yield Static(self.title_text, classes="modal-title")
            yield Static(self.question)
            with Horizontal(classes="modal-buttons"):
                yield Button(self.confirm_label, id="confirm", variant="primary", compact=True)
                yield Button("Annuler (Échap)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel").focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        self.dismiss(True)
