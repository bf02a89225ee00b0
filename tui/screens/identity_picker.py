"""Choose the structure (and role) to act for, among the user's attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList

from ..safe_text import Static, option
from ..widgets.identity import spaced_siret
from .base import Modal

if TYPE_CHECKING:
    from ..app import DecompteApp


class IdentityPicker(Modal[Any]):
    def compose(self) -> ComposeResult:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        with Vertical(classes="modal-box", id="identity-box"):
            yield Static("Agir pour…", classes="modal-title")
            options = []
            for i, identity in enumerate(dapp.identities):
                mark = "● " if identity == dapp.identity else "  "
                siret = spaced_siret(identity.structure.identifier)
                options.append(
                    option(
                        f"{mark}{identity.structure.name} ({siret})"
                        f" — {identity.role_label}, {identity.member_label}",
                        id=str(i),
                    )
                )
            yield OptionList(*options, id="identity-list")
            yield Static("Entrée : choisir · Échap : annuler", classes="status")

    def on_mount(self) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        listing = self.query_one("#identity-list", OptionList)
        if dapp.identity in dapp.identities:
            current = dapp.identities.index(dapp.identity)
            listing.highlighted = (current + 1) % max(1, len(dapp.identities))
        listing.focus()

    @on(OptionList.OptionSelected, "#identity-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        self.dismiss(dapp.identities[int(event.option.id or 0)])
