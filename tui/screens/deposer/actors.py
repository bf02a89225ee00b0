"""The Déposer form's actors: the names under the recipient and MOE identifiers, the
structure search (^F), and the services of a recipient chosen there. Who may be recipient or
MOE is the marché's identity card's answer, given by the deposit form model and its check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.widgets import Button, Input

from ...safe_text import Select, Static, plain
from ...widgets.identity import spaced_siret
from ...widgets.pane import Pane
from ...workers import notify_error
from .files import set_text

if TYPE_CHECKING:
    from decompte.sdk.deposit_form import DepositForm
    from decompte.sdk.model import Structure


class ActorsPart(Pane):
    """The actors handlers of the Déposer pane."""

    form: DepositForm | None
    picked: dict[str, Structure]  # structures chosen in the search, by identifier

    def known_structure(self, identifier: str) -> Structure | None:
        wanted = identifier.strip().replace(" ", "")
        found = self.form.structure(wanted) if self.form is not None else None
        return found or self.picked.get(wanted)

    def structure_name(self, identifier: str) -> str:
        found = self.known_structure(identifier)
        if found is not None:
            return f"{found.name} ({spaced_siret(found.identifier)})"
        return spaced_siret(identifier) or "—"

    def show_actor_names(self) -> None:
        for which in ("recipient", "moe"):
            found = self.known_structure(self.query_one(f"#dep-{which}", Input).value)
            text = f"{found.name} — {found.address.postcode} {found.address.city}" if found else ""
            set_text(self.query_one(f"#dep-{which}-name", Static), text)

    @on(Button.Pressed, "#dep-recipient-find")
    def _find_recipient(self) -> None:
        self._find("recipient")

    @on(Button.Pressed, "#dep-moe-find")
    def _find_moe(self) -> None:
        self._find("moe")

    def action_find_structure(self) -> None:
        focused = self.app.focused
        which = (
            "moe"
            if focused is not None and (focused.id or "").startswith("dep-moe")
            else "recipient"
        )
        self._find(which)

    def _find(self, which: str) -> None:
        from ..structure_picker import StructurePicker

        title = (
            "Recherche de destinataire (MOA ou service financier)"
            if which == "recipient"
            else "Recherche de la maîtrise d'œuvre"
        )
        picker = StructurePicker(
            title, public=True if which == "recipient" else None, purpose=which
        )

        def chosen(structure: Structure | None) -> None:
            if structure is None:
                return
            self.picked[structure.identifier] = structure
            self.query_one(f"#dep-{which}", Input).value = plain(structure.identifier)
            self.show_actor_names()
            if which == "recipient":
                self.load_services(structure.id)
            self.query_one(f"#dep-{which}", Input).focus()

        self.app.push_screen(picker, chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-services")
    def load_services(self, structure_id: int) -> None:
        try:
            services = self.dapp.backend.wait().org.services(structure_id)
        except Exception as exc:
            notify_error(self.app, exc, "Services")
            return
        self.app.call_from_thread(self._services_loaded, services)

    def _services_loaded(self, services: list[Any]) -> None:
        select = self.query_one("#dep-service", Select)
        select.set_options((f"{s.code} — {s.label}", s.code) for s in services if s.active)
