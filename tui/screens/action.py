"""The confirmation modal of a piece action: take into account, validate, refuse (motive +
reason), suspend (what is missing), complete (what was added: a comment, attachments and a
new file for the piece, picked with the Déposer's file picker, the engagement and service),
put in payment (the day paid, today when left empty). What each asks for is the core's table
of actions (`decompte.sdk.actions`); the refusal motives offered are those of the transition
table for the piece. No motive is chosen for the user: the choice starts empty and the
refusal cannot be confirmed until one is picked (the button stays disabled; ctrl+s or Enter
shows the engine's named error, `transitions.motive_refusal`). The action runs from here; its
refusal stays on screen next to the fields. Files whose checks only warn are sent again,
confirmed, on a second « Compléter », as a deposit's warnings are confirmed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, RadioButton, RadioSet

from decompte.sdk.transitions import motive_refusal
from decompte.sdk.vocabulary import ATTACHMENT_KIND_LABELS, MOTIVE_HELP

from .. import keymap as K
from ..safe_text import Label, Static, option
from .base import Modal

if TYPE_CHECKING:
    from decompte.sdk.model import Piece

    from .file_picker import ChosenFile

#: Under warnings on the files: how to confirm them.
AGAIN = "Confirmez à nouveau pour compléter malgré ces avertissements."

#: The completion's file keys are the Déposer's (same meaning, remapped together).
FILE_ACTIONS = ("attach", "pick_file")


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

    BINDINGS: ClassVar[list[Binding]] = [
        *K.bindings("modal"),
        K.binding("deposer.attach"),
        K.binding("deposer.file"),
    ]

    def __init__(
        self, spec: ActionSpec, piece_id: int, perform: Callable[[dict[str, Any]], Piece]
    ) -> None:
        super().__init__()
        self.spec = spec
        self.piece_id = piece_id
        self.perform = perform
        self.draft_key = ("action", spec.action, piece_id)
        self.attachments: list[ChosenFile] = []
        self.new_file: ChosenFile | None = None
        self.confirm_warnings = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The file keys only where the action takes files (a completion)."""
        return self.spec.completion if action in FILE_ACTIONS else True

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(classes="modal-box", id=f"action-{spec.action}"):
            yield Static(spec.title, classes="modal-title")
            yield Static(spec.question)
            if spec.motives:
                yield Label("Type de motif", classes="section")
                with RadioSet(id="motive"):
                    for motive in spec.motives:
                        yield RadioButton(MOTIVE_HELP.get(motive, motive), name=motive)
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
                yield from self._files_section()
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

    def _files_section(self) -> ComposeResult:
        yield Label("Pièces jointes et fichier de la pièce", classes="section")
        yield OptionList(id="action-attachments")
        yield Static("", id="action-file")
        with Horizontal(classes="form-row"):
            yield Button("+ Pièce jointe ^T", id="action-attach", compact=True)
            yield Button("Retirer", id="action-detach", compact=True)
            yield Button("Nouveau fichier ^O", id="action-pick-file", compact=True)

    @on(Button.Pressed, "#action-attach")
    def action_attach(self) -> None:
        from .file_picker import FilePicker

        if self.spec.completion:
            self.app.push_screen(FilePicker(piece=False), self._attached)

    @on(Button.Pressed, "#action-pick-file")
    def action_pick_file(self) -> None:
        from .file_picker import FilePicker

        if self.spec.completion:
            current = str(self.new_file.path) if self.new_file else ""
            self.app.push_screen(FilePicker(piece=True, current=current), self._file_chosen)

    def _attached(self, chosen: ChosenFile | None) -> None:
        if chosen is not None:
            self.attachments.append(chosen)
            self._show_files()

    def _file_chosen(self, chosen: ChosenFile | None) -> None:
        if chosen is not None:
            self.new_file = chosen
            self._show_files()

    @on(Button.Pressed, "#action-detach")
    def _remove_file(self) -> None:
        """Remove the highlighted attachment, or else the new file."""
        index = self.query_one("#action-attachments", OptionList).highlighted
        if index is not None and 0 <= index < len(self.attachments):
            del self.attachments[index]
        elif self.new_file is not None:
            self.new_file = None
        self._show_files()

    def _show_files(self) -> None:
        self.confirm_warnings = False  # other files: their warnings are not confirmed
        listing = self.query_one("#action-attachments", OptionList)
        listing.clear_options()
        for item in self.attachments:
            kind = ATTACHMENT_KIND_LABELS.get(item.kind, item.kind)
            listing.add_option(option(f"{kind} · {item.designation or '—'} · {item.path.name}"))
        listing.display = bool(self.attachments)
        shown = self.query_one("#action-file", Static)
        chosen = self.new_file
        shown.update(
            f"Nouveau fichier de la pièce : {chosen.path.name}"
            + (f" ({chosen.format_label})" if chosen.format_label else "")
            + " — l'ancien reste en pièce jointe"
            if chosen
            else ""
        )
        shown.display = chosen is not None

    def on_mount(self) -> None:
        self.restore_draft()
        if self.spec.completion:
            self._show_files()
        self.query_one("#confirm", Button).disabled = self._motive() == ""
        if self.spec.motives:
            self.query_one("#motive").focus()
        elif self.spec.reason_label:
            self.query_one("#reason").focus()
        elif self.spec.dated:
            self.query_one("#paid-on").focus()
        else:
            self.query_one("#confirm").focus()

    def _motive(self) -> str | None:
        """The chosen motive ("" while none is; None when the action takes none)."""
        if not self.spec.motives:
            return None
        pressed = self.query_one("#motive", RadioSet).pressed_button
        return (pressed.name or "") if pressed is not None else ""

    @on(RadioSet.Changed, "#motive")
    def _motive_chosen(self) -> None:
        self.query_one("#confirm", Button).disabled = False
        self.show_error("")

    @on(Input.Submitted)
    def action_confirm(self) -> None:
        values: dict[str, Any] = {}
        motive = self._motive()
        if motive == "":
            self.show_error(motive_refusal("", self.spec.motives, in_dialog=True))
            self.query_one("#motive").focus()
            return
        if motive is not None:
            values["motive"] = motive
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
            values["attachments_in"] = [self._attachment_input(a) for a in self.attachments]
            values["file"] = self.new_file.path if self.new_file else None
            values["confirm_warnings"] = self.confirm_warnings
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

    @staticmethod
    def _attachment_input(chosen: ChosenFile) -> Any:
        from decompte.sdk.files_check import AttachmentInput

        return AttachmentInput(chosen.path, chosen.kind or "AUTRE", chosen.designation)

    def _refused(self, exc: BaseException) -> None:
        from decompte.sdk.errors import ValidationRefused
        from decompte.sdk.findings import errors

        self.query_one("#confirm", Button).disabled = self._motive() == ""
        if isinstance(exc, ValidationRefused):  # the files' findings, one a line
            found = [f"• {f.message}" for f in exc.findings if str(f.severity) != "info"]
            if exc.findings and not errors(exc.findings):
                self.confirm_warnings = True  # the next « Compléter » confirms them
                found.append(AGAIN)
            self.show_error("\n".join([exc.message, *found]))
        else:
            self.show_error(exc)
        field = getattr(exc, "field", "")
        if field == "reason" and self.spec.reason_label:
            self.query_one("#reason").focus()

    def _done(self, piece: Piece) -> None:
        self.forget_draft()
        self.dismiss(piece)
