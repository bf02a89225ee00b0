"""The arguments of a plugin command, asked before it runs (one field per argument)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from ..safe_text import Label, Static
from .base import Modal

if TYPE_CHECKING:
    from decompte.sdk.pluginapi import Command


class CommandArgs(Modal[dict[str, str]]):
    def __init__(self, command: Command) -> None:
        super().__init__()
        self.command = command
        self.draft_key = ("plugin-command", command.name)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box", id="command-box"):
            yield Static(self.command.help or self.command.name, classes="modal-title")
            yield Static(f"Commande « {self.command.name} » d'un plugin", classes="muted")
            for argument in self.command.arguments:
                with Horizontal(classes="form-row"):
                    mark = " *" if argument.required else ""
                    yield Label(f"{argument.name}{mark}", classes="form-label")
                    yield Input(
                        argument.default or "",
                        placeholder=argument.help,
                        id=f"arg-{argument.name}",
                        compact=True,
                    )
            yield from self.error_and_buttons("Exécuter")

    def on_mount(self) -> None:
        self.restore_draft()
        self.query(Input).first().focus()

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        values = {
            a.name: self.query_one(f"#arg-{a.name}", Input).value.strip()
            for a in self.command.arguments
        }
        missing = [a for a in self.command.arguments if a.required and not values[a.name]]
        if missing:
            first = missing[0]
            self.show_error(f"Renseignez « {first.name} » : {first.help or 'obligatoire'}")
            self.query_one(f"#arg-{first.name}", Input).focus()
            return
        self.forget_draft()
        self.dismiss({name: value for name, value in values.items() if value})
