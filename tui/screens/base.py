"""What every modal shares: Escape cancels without losing what was typed (the text is kept
for the next opening), ctrl+s confirms, errors are shown inside the modal."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from .. import keymap as K
from ..safe_text import Static
from ..workers import describe_error

T = TypeVar("T")


class Modal(ModalScreen[T], Generic[T]):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("modal")
    DEFAULT_CLASSES = "modal"
    #: key under which the typed values are kept when the modal is cancelled
    draft_key: tuple[Any, ...] | None = None

    def action_cancel(self) -> None:
        self.keep_draft()
        self.dismiss(None)

    def action_confirm(self) -> None:  # pragma: no cover - overridden
        pass

    def error_and_buttons(self, confirm: str) -> ComposeResult:
        """The foot of a modal: its error line (hidden until `show_error`), then the confirm
        button and « Annuler (Échap) »."""
        yield Static("", id="modal-error", classes="error")
        with Horizontal(classes="modal-buttons"):
            yield Button(confirm, id="confirm", variant="primary", compact=True)
            yield Button("Annuler (Échap)", id="cancel", compact=True)

    # The buttons every modal has: subclasses override the actions, not these handlers.
    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    # -- keeping what was typed ---------------------------------------------------------------
    def _inputs(self) -> dict[str, str]:
        return {w.id: w.value for w in self.query(Input) if w.id}

    def keep_draft(self) -> None:
        if self.draft_key is not None:
            values = self._inputs()
            if any(values.values()):
                self.app.drafts[self.draft_key] = values  # type: ignore[attr-defined]

    def restore_draft(self) -> None:
        if self.draft_key is None:
            return
        values = self.app.drafts.get(self.draft_key, {})  # type: ignore[attr-defined]
        for widget in self.query(Input):
            if widget.id in values:
                widget.value = values[widget.id]

    def forget_draft(self) -> None:
        if self.draft_key is not None:
            self.app.drafts.pop(self.draft_key, None)  # type: ignore[attr-defined]

    def show_error(self, exc: BaseException | str, target: str = "#modal-error") -> None:
        text = exc if isinstance(exc, str) else describe_error(exc)
        self.query_one(target, Static).update(text)
        self.query_one(target, Static).display = bool(text)
