"""The actions a user applies to a piece, described once for every front-end.

One row per action says what it asks of the user (a comment, a refusal motive, the engagement
and service a completion may change, or a whole deposit form for the next piece), which
`Workflow` method applies it, the sub-command of ``decompte process`` that runs it and the
key binding the app gives it. The CLI's parser and dispatch, the app's action dialog, the
piece screen and the keymap read this table; `perform` is the one dispatch. Where an action
leads is not here: that is the transition table (`transitions`); the French labels are the
vocabulary's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, cast

from .errors import UsageError
from .states import Action
from .vocabulary import ACTION_KEY_LABELS, ACTION_LABELS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from .files_check import AttachmentInput
    from .model import Piece
    from .session import Session
    from .workflow import Workflow


@dataclass(frozen=True, slots=True)
class PieceAction:
    """One action on a piece.

    `method`: the `Workflow` method that applies it. `command`: its ``decompte process``
    sub-command ("" when it is not run through ``process``). `binding`: the app's keymap id,
    `key` its default key. `comment`: a comment is required. `motive`: a refusal motive is
    chosen. `completion`: the engagement and the service code may be changed, attachments
    and a new file for the piece supplied (`completion`). `deposit`: it is a deposit (the
    next piece of the dossier), made through the deposit form. `dated`: a day is given (the
    day paid of a mise en paiement; today when none).
    """

    action: Action
    method: str
    binding: str
    key: str
    command: str = ""
    comment: bool = False
    motive: bool = False
    completion: bool = False
    deposit: bool = False
    dated: bool = False

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def key_label(self) -> str:
        """The label on the app's key (shorter where the vocabulary says so)."""
        return ACTION_KEY_LABELS.get(self.action, self.label)

    @property
    def app_action(self) -> str:
        """The Textual action the binding runs on the piece screen."""
        return f"act('{self.action}')"


#: The user actions, in the order screens list them.
PIECE_ACTIONS: tuple[PieceAction, ...] = (
    PieceAction(Action.TAKE, "take", "piece.take", "t", command="take"),
    PieceAction(
        Action.REFUSE, "refuse", "piece.refuse", "r", command="refuse", comment=True, motive=True
    ),
    PieceAction(Action.SUSPEND, "suspend", "piece.suspend", "s", command="suspend", comment=True),
    PieceAction(
        Action.COMPLETE,
        "complete",
        "piece.complete",
        "c",
        command="complete",
        comment=True,
        completion=True,
    ),
    PieceAction(Action.VALIDATE, "validate", "piece.validate", "v", command="validate"),
    PieceAction(Action.ASSOCIATE, "deposit", "piece.next", "n", deposit=True),
    PieceAction(Action.PAY, "pay", "piece.pay", "m", command="pay", dated=True),
)

BY_ACTION: dict[str, PieceAction] = {str(a.action): a for a in PIECE_ACTIONS}
BY_COMMAND: dict[str, PieceAction] = {a.command: a for a in PIECE_ACTIONS if a.command}

#: The actions `Workflow.allowed_actions` may offer, in this order.
USER_ACTIONS: tuple[Action, ...] = tuple(a.action for a in PIECE_ACTIONS)


def piece_action(action: Action | str) -> PieceAction:
    """The row of an action (by `Action` value), or a usage error naming the known ones."""
    try:
        return BY_ACTION[str(action)]
    except KeyError:
        raise UsageError(
            f"Action inconnue : {action}",
            field="action",
            hint=", ".join(BY_ACTION),
        ) from None


def perform(
    workflow: Workflow,
    session: Session,
    action: Action | str,
    piece_id: int,
    *,
    reason: str = "",
    motive: str | None = None,
    engagement: str | None = None,
    service: str | None = None,
    attachments_in: Sequence[AttachmentInput] = (),
    file: Path | None = None,
    confirm_warnings: bool = False,
    on: date | None = None,
    expected_version: int | None = None,
) -> Piece:
    """Apply `action` to the piece through its workflow method, passing only what the row
    says the action takes. A deposit (the next piece) goes through `Workflow.deposit`."""
    row = piece_action(action)
    if row.deposit:
        raise UsageError(
            f"« {row.label} » est un dépôt", field="action", hint="decompte deposit --after PIECE"
        )
    args: list[str | None] = []
    if row.motive:
        args.append(motive)
    if row.comment:
        args.append(reason)
    options: dict[str, object] = {"expected_version": expected_version}
    if row.completion:
        options.update(
            engagement=engagement,
            service_code=service,
            attachments_in=attachments_in,
            file=file,
            confirm_warnings=confirm_warnings,
        )
    elif attachments_in or file is not None:
        raise UsageError(
            f"« {row.label} » ne prend pas de fichier",
            field="attach",
            hint="les pièces jointes et le nouveau fichier accompagnent « Compléter »",
        )
    if row.dated:
        options["on"] = on
    elif on is not None:
        raise UsageError(
            f"« {row.label} » ne prend pas de date",
            field="date",
            hint="--date accompagne « Mettre en paiement »",
        )
    return cast("Piece", getattr(workflow, row.method)(session, piece_id, *args, **options))
