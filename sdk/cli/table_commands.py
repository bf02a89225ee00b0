"""The tables as commands: the cadres (`cadres`), the states and transitions (`states`),
and `sweep`, which applies what time changes (the table's moves for validators' delays that
ran out, the overdue and hidden-refusal flags: `sdk/sweep.py`)."""

from __future__ import annotations

from typing import Any

from .. import states as S
from .. import vocabulary as V
from ..errors import UsageError
from .arguments import _date
from .context import Context
from .output import table


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="balayage des délais : valideurs hors délai, retards, refus masqués",
        description="Applique une fois ce que le temps change (délai de validation dépassé, "
        "pièces en retard de traitement ou de paiement, pièces refusées masquées de la "
        "Synthèse) et affiche ce qui a changé ; relancé le même jour, il ne change rien. "
        "Tâche du système (cron, minuteur) : pas de --as ; une base en lecture seule est "
        "refusée.",
    )
    p.add_argument(
        "--at",
        type=_date,
        default=None,
        metavar="AAAA-MM-JJ",
        help="jour du balayage (aujourd'hui par défaut ; jamais après aujourd'hui)",
    )
    p.set_defaults(func=sweep)
    p = sub.add_parser("cadres", help="table des cadres de facturation")
    p.add_argument("--role", default="")
    p.set_defaults(func=cadres)
    p = sub.add_parser("states", help="états des pièces")
    p.set_defaults(func=states)


def sweep(ctx: Context) -> int:
    """The deadline sweep, once, as of --at or today: what changed, piece by piece (a list
    with --json, empty when the store was already swept that day)."""
    at = ctx.args.at or ctx.clock().date()
    changes = ctx.core.workflow.sweep(at)
    heading = (V.SWEEP_DONE if changes else V.SWEEP_NOTHING).format(
        day=f"{at:%d/%m/%Y}", count=len(changes)
    )
    ctx.emit(
        [c.as_dict() for c in changes],
        "\n".join([heading, *(f"  {c.describe()}" for c in changes)]),
    )
    return 0


def cadres(ctx: Context) -> int:
    role = ctx.args.role.strip().upper()
    depositors = sorted({str(c.depositor) for c in ctx.core.cadres})
    if role and role not in depositors:  # an empty table would read as « no cadre for you »
        raise UsageError(
            f"Rôle inconnu : {role}",
            field="--role",
            hint="rôles possibles : " + ", ".join(f"{r} ({V.role_label(r)})" for r in depositors),
        )
    rows = [c for c in ctx.core.cadres if not role or c.depositor == role]
    ctx.emit(
        {"cadres": rows},
        table(
            ["Cadre", "Déposant", "Document", "Vers", "Après"],
            [
                (
                    c.short,
                    V.role_label(c.depositor),
                    c.document,
                    V.role_label(c.next_role),
                    " ".join(x.split("_")[0] for x in c.follows) or V.INITIAL_DEPOSIT,
                )
                for c in rows
            ],
        ),
    )
    return 0


def states(ctx: Context) -> int:
    """The state table (label, stage) and the transition table, the plugins' rows included
    (``--json``: codes, for a diff of what a plugin changes)."""
    from ..transitions import TRANSITIONS, describe
    from ..vocabulary import STAGE_LABELS

    ctx.plugins.install_states()
    shorts = {c.code: c.short for c in ctx.plugins.cadres()}
    rows = list(TRANSITIONS)
    ctx.emit(
        {
            "states": [
                {"code": s.code, "label": s.label, "stage": s.stage.value}
                for s in S.STATES.values()
            ],
            "transitions": [row.as_dict() for row in rows],
        },
        "États des pièces\n"
        + table(["État", "Étape"], [(s.label, STAGE_LABELS[s.stage]) for s in S.STATES.values()])
        + "\n\nTransitions\n"
        + table(
            ["Depuis", "Action", "Par", "Vers", "Conditions"],
            [describe(row, lambda code: shorts.get(code, code)) for row in rows],
        ),
    )
    return 0
