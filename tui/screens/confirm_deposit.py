"""« Confirmation de soumission »: the last look before the deposit, with the warnings that
need an explicit confirmation."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button

from ..safe_text import Static
from ..widgets.tones import tone
from .base import Modal


class ConfirmDeposit(Modal[bool]):
    def __init__(self, summary: list[tuple[str, str]], warnings: list[Any]) -> None:
        super().__init__()
        self.summary = summary
        self.warnings = warnings

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="confirm-deposit"):
            yield Static("Confirmation de soumission", classes="modal-title")
            text = Text()
            for label, value in self.summary:
                text.append(f"{label} : ", "bold")
                text.append(f"{value}\n")
            with VerticalScroll(id="confirm-scroll"):
                yield Static(text)
                if self.warnings:
                    colour = tone(self.app, "warning")
                    warn = Text("Avertissements à confirmer :\n", colour + Style(bold=True))
                    for finding in self.warnings:
                        warn.append(f" ⚠ {finding.message}\n", colour)
                        if finding.hint:
                            warn.append(f"   {finding.hint}\n", "dim")
                    yield Static(warn)
            yield Static(
                "Confirmez-vous la soumission de la facture de travaux ?", classes="question"
            )
            with Horizontal(classes="modal-buttons"):
                label = (
                    "Confirmer malgré les avertissements et envoyer"
                    if self.warnings
                    else "Confirmer et envoyer"
                )
                yield Button(label, id="confirm", variant="primary", compact=True)
                yield Button("Revenir au formulaire (Échap)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm").focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        self.dismiss(True)
