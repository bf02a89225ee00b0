"""Help: every key of the app, by screen, with its binding id (for [ui.keymap])."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from .. import keymap as K
from ..safe_text import Static, Table


def key_label(keys: str) -> str:
    names = {
        "escape": "Échap",
        "enter": "Entrée",
        "pageup": "Page↑",
        "pagedown": "Page↓",
        "up": "↑",
        "down": "↓",
        "left": "←",
        "right": "→",
        "home": "Début",
        "end": "Fin",
    }
    out = []
    for key in keys.split(","):
        parts = [
            names.get(p, p.upper() if p.startswith("f") and p[1:].isdigit() else p)
            for p in key.strip().split("+")
        ]
        out.append("+".join(parts))
    return " / ".join(out)


def keys_table(keymap: dict[str, str]) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold", expand=True)
    table.add_column("Touches", no_wrap=True)
    table.add_column("Action", ratio=1)
    table.add_column("Identifiant", style="dim", no_wrap=True)
    for scope, title in K.SCOPES.items():
        specs = [s for s in K.SPECS.values() if s.scope == scope]
        if not specs:
            continue
        table.add_row(Text(title, "bold underline"), "", "")
        for spec in specs:
            table.add_row(key_label(K.effective_keys(spec.id, keymap)), spec.description, spec.id)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape,f1,q", "close", "Fermer", id="help.close")]

    def compose(self) -> ComposeResult:
        keymap = dict(getattr(self.app, "_keymap", {}))
        with Vertical(classes="modal-box wide", id="help-box"):
            yield Static("Aide — raccourcis clavier", classes="modal-title")
            yield Static(
                "Tout se fait au clavier. Tab / Maj+Tab passent d'un champ à l'autre ; "
                "ctrl+p ouvre la palette (« aller à » une pièce, un dossier ou un "
                "marché par son numéro ; les exports FEC, CSV, XML pivot et ceux des "
                "plugins ; les commandes des plugins). Chaque raccourci se redéfinit dans "
                "[ui.keymap] du fichier de configuration.",
                classes="muted",
            )
            with VerticalScroll(id="help-scroll"):
                yield Static(keys_table(keymap))
            yield Static("Échap ou F1 : fermer", classes="status")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
