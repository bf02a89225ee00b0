"""`decompte process ACTION PIECE`: the holder's action on a piece, its sub-commands and
dispatch read from the action table (`decompte.sdk.actions`)."""

from __future__ import annotations

from typing import Any

from .. import states as S
from ..actions import BY_COMMAND, perform
from .arguments import _date, piece_ref, version
from .context import Context


def register(sub: Any) -> None:
    p = sub.add_parser("process", help="traiter une pièce reçue")
    p.add_argument("action", choices=list(BY_COMMAND))
    p.add_argument("piece")
    p.add_argument("--motive", default="ACHEMINEMENT", choices=[m.value for m in S.Motive])
    p.add_argument("--reason", default="")
    p.add_argument("--engagement", default=None)
    p.add_argument("--service", default=None)
    p.add_argument(
        "--date",
        type=_date,
        default=None,
        help="pay : date de mise en paiement AAAA-MM-JJ (défaut : aujourd'hui)",
    )
    p.add_argument("--expect-version", type=version, default=None)
    p.set_defaults(func=process)


def process(ctx: Context) -> int:
    a = ctx.args
    piece = piece_ref(ctx, a.piece)
    done = perform(
        ctx.core.workflow,
        ctx.session,
        BY_COMMAND[a.action].action,
        piece.id,
        reason=a.reason,
        motive=a.motive,
        engagement=a.engagement,
        service=a.service,
        on=a.date,
        expected_version=a.expect_version,
    )
    ctx.emit({"piece": done}, f"Pièce {done.number} : {S.label(done.state)}.")
    return 0
