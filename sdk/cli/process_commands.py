"""`decompte process ACTION PIECE`: the holder's action on a piece, its sub-commands and
dispatch read from the action table (`decompte.sdk.actions`). A refusal's `--motive` has no
default: choosing it is the refusing user's decision (seed 000: a piece is refused only for
a routing error, or, for a contractor's general statement, another motive)."""

from __future__ import annotations

from typing import Any

from .. import states as S
from ..actions import BY_COMMAND, perform
from ..clock import parse_day
from ..vocabulary import MOTIVE_OPTION_HELP, motive_choices
from .arguments import ATTACH_METAVAR, piece_ref, version
from .arguments import attachments as attachment_args
from .arguments import path as path_arg
from .context import Context


def register(sub: Any) -> None:
    p = sub.add_parser("process", help="traiter une pièce reçue")
    p.add_argument("action", choices=list(BY_COMMAND))
    p.add_argument("piece")
    # no default and no argparse choices: the engine refuses a missing or inadmissible motive
    # with the motives admitted for this piece's holder (`transitions.motive_refusal`)
    p.add_argument(
        "--motive",
        default=None,
        metavar="MOTIF",
        help=MOTIVE_OPTION_HELP.format(choices=motive_choices([m.value for m in S.Motive])),
    )
    p.add_argument("--reason", "--comment", dest="reason", default="", help="commentaire")
    p.add_argument("--engagement", default=None)
    p.add_argument("--service", default=None)
    p.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar=ATTACH_METAVAR,
        help="complete : pièce jointe ajoutée (répétable)",
    )
    p.add_argument(
        "--file",
        type=path_arg,
        default=None,
        help="complete : nouveau fichier de la pièce suspendue (l'ancien reste en pièce jointe)",
    )
    p.add_argument("--confirm", action="store_true", help="confirmer les avertissements")
    p.add_argument(
        "--date",
        type=parse_day,
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
        attachments_in=attachment_args(a.attach),
        file=a.file,
        confirm_warnings=a.confirm,
        on=a.date,
        expected_version=a.expect_version,
    )
    ctx.emit({"piece": done}, f"Pièce {done.number} : {S.label(done.state)}.")
    return 0
