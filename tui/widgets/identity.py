"""The header line: who is logged in, for which structure, in which role (F8 to switch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..safe_text import Static

if TYPE_CHECKING:
    from ..backend import Identity


def spaced_siret(identifier: str) -> str:
    if len(identifier) == 14 and identifier.isdigit():
        return f"{identifier[:3]} {identifier[3:6]} {identifier[6:9]} {identifier[9:]}"
    return identifier


class IdentityBar(Static):
    """« ATELIER MOREAU ARCHITECTES — Maîtrise d'œuvre │ Juliette FORIN │ SIRET … »"""

    DEFAULT_CSS = """
    IdentityBar { height: 1; background: $primary; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "identity", self.show_identity)

    def show_identity(self, identity: Identity | None) -> None:
        if identity is None:
            self.update("Decompte")
            return
        user = identity.user
        others = len(getattr(self.app, "identities", []))
        text = Text.assemble(
            (identity.structure.name, "bold"),
            " — ",
            (identity.role_label, "bold"),
            " │ ",
            f"{user.first_name} {user.last_name}",
            " │ ",
            f"SIRET {spaced_siret(identity.structure.identifier)}",
            " │ ",
            identity.member_label,
        )
        if others > 1:
            text.append(f" │ F8 : {others} identités")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)
