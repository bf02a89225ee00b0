"""The confirmation modal of a piece action: take into account, validate, refuse (motive +
reason), suspend (what is missing), complete (what was added), put in payment (the day
paid, today when left empty). What each asks for is the
core's table of actions (`decompte.sdk.actions`); the refusal motives offered are those of the
transition table for the piece. The action runs from here; its refusal stays on screen next
to the fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet

from decompte.sdk.vocabulary import MOTIVE_HELP

from ..safe_text import Label, Static
from .base import Modal

if TYPE_CHECKING:
    from decompte.sdk.model import Piece


@dataclass(frozen=True)
class ActionSpec:
    action: str
    title: str
    question: str
    confirm: str
    reason_label: str = ""
    reason_placeholder: str = ""
    motives: tuple[str, ...] = ()
    completion: bool = False  # engagement / service fields
    warning: str = ""
    dated: bool = False  # the day paid (mise en paiement)


def spec_for(action: str, number: str, document: str, motives: tuple[str, ...] = ()) -> ActionSpec:
    """The dialog of `action`, from the core's table of actions (what it asks for) and the
    vocabulary (its words); `motives` are those the transition table admits for the piece."""
    from decompte.sdk.actions import piece_action
    from decompte.sdk.vocabulary import (
        ACTION_QUESTIONS,
        COMMENT_PROMPTS,
        REFUSAL_WARNING,
        object_pronoun,
        with_article,
    )

    row = piece_action(action)
    if row.deposit:
        raise ValueError(action)  # the next piece is deposited through the Déposer tab
    verb = row.label
    what = f"{with_article(document)} n° {number}"
    question = ACTION_QUESTIONS.get(action, "{verb} {what} ?")
    label, placeholder, _ = COMMENT_PROMPTS[action] if row.comment else ("", "", "")
    return ActionSpec(
        action,
        verb,
        question.format(verb=verb, what=what, it=object_pronoun(document)),
        verb,
        label,
        placeholder,
        motives if row.motive else (),
        completion=row.completion,
        warning=REFUSAL_WARNING if row.motive else "",
        dated=row.dated,
    )


class ActionModal(Modal["Piece | None"]):
    """Asks, calls `perform(values)` in a worker, dismisses with the new piece."""

    def __init__(
        self, spec: ActionSpec, piece_id: int, perform: Callable[[dict[str, Any]], Piece]
    ) -> None:
        super().__init__()
        self.spec = spec
        self.piece_id = piece_id
        self.perform = perform
        self.draft_key = ("action", spec.action, piece_id)

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(classes="modal-box", id=f"action-{spec.action}"):
            yield Static(spec.title, classes="modal-title")
            yield Static(spec.question)
            if spec.motives:
                yield Label("Type de motif", classes="section")
                with RadioSet(id="motive"):
                    for i, motive in enumerate(spec.motives):
                        yield RadioButton(
                            MOTIVE_HELP.get(motive, motive), value=i == 0, name=motive
                        )
            if spec.reason_label:
                yield Label(spec.reason_label, classes="section")
                yield Input(
                    placeholder=spec.reason_placeholder, id="reason", compact=True, max_length=500
                )
            if spec.completion:
                with Horizontal(classes="form-row"):
                    yield Label("N° d'engagement", classes="form-label")
                    yield Input(
                        placeholder="inchangé si vide", id="engagement", compact=True, max_length=50
                    )
                with Horizontal(classes="form-row"):
                    yield Label("Code service", classes="form-label")
                    yield Input(placeholder="inchangé si vide", id="service", compact=True)
            if spec.dated:
                with Horizontal(classes="form-row"):
                    yield Label("Date de paiement", classes="form-label")
                    yield Input(
                        placeholder="JJ/MM/AAAA, aujourd'hui si vide",
                        id="paid-on",
                        compact=True,
                        max_length=10,
                    )
            if spec.warning:
                yield Static(spec.warning, classes="muted")
            yield from self.error_and_buttons(spec.confirm)

    def on_mount(self) -> None:
        self.restore_draft()
        if self.spec.motives:
            self.query_one("#motive").focus()
        elif self.spec.reason_label:
            self.query_one("#reason").focus()
        elif self.spec.dated:
            self.query_one("#paid-on").focus()
        else:
            self.query_one("#confirm").focus()

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        values: dict[str, Any] = {}
        if self.spec.motives:
            radio = self.query_one("#motive", RadioSet)
            pressed = radio.pressed_button
            values["motive"] = pressed.name if pressed is not None else self.spec.motives[0]
        if self.spec.reason_label:
            values["reason"] = self.query_one("#reason", Input).value
        if self.spec.dated:
            from decompte.sdk.deposit_entry import parse_day

            try:
                values["on"] = parse_day(self.query_one("#paid-on", Input).value)
            except ValueError as exc:
                self.show_error(str(exc))
                self.query_one("#paid-on").focus()
                return
        if self.spec.completion:
            values["engagement"] = self.query_one("#engagement", Input).value.strip() or None
            values["service"] = self.query_one("#service", Input).value.strip() or None
        self.query_one("#confirm", Button).disabled = True
        self.show_error("")
        self.run_action(values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="piece-action")
    def run_action(self, values: dict[str, Any]) -> None:
        try:
            piece = self.perform(values)
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc)
        else:
            self.app.call_from_thread(self._done, piece)

    def _refused(self, exc: BaseException) -> None:
        self.query_one("#confirm", Button).disabled = False
        self.show_error(exc)
        field = getattr(exc, "field", "")
        if field == "reason" and self.spec.reason_label:
            self.query_one("#reason").focus()

    def _done(self, piece: Piece) -> None:
        self.forget_draft()
        self.dismiss(piece)
