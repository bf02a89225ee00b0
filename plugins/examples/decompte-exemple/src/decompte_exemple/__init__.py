"""Decompte example plugin: a cadre with its own states and transitions, a rule and an
exporter (see docs/sdk.md).

The cadre C1 (a supplier's request to release the retention money) has its own short circuit:
deposited, it waits for the MOA « à instruire »; taken into account, it is « en instruction »;
validated by the MOA, the retention money is released and the dossier ends. Refusing and
suspending work as for any piece (the rows of the stages).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from decompte.sdk import (
    Action,
    ActorRole,
    Cadre,
    ExportContext,
    Exporter,
    ExportOption,
    ExportRow,
    Finding,
    NextHolder,
    PieceDraft,
    RuleContext,
    Setting,
    Stage,
    State,
    Transition,
    error,
    hookimpl,
    rule,
)

RETENUE = Cadre(
    code="C1_RESTITUTION_RETENUE_GARANTIE_FOURNISSEUR",
    short="C1",
    label="Demande de restitution de la retenue de garantie déposée par un fournisseur",
    document="Demande de restitution de retenue de garantie",
    depositor=ActorRole.FOURNISSEUR,
    next_role=ActorRole.MOA,
    phase="FIN",
    feminine=True,
)

#: C1's own states: waiting for the MOA, under review, released (the end of the dossier).
A_INSTRUIRE = State(
    "RG_A_INSTRUIRE", "Demande de restitution à instruire par la MOA", Stage.AT_RECIPIENT
)
EN_INSTRUCTION = State(
    "RG_EN_INSTRUCTION", "Demande de restitution en instruction par la MOA", Stage.TAKEN
)
RESTITUEE = State("RG_RESTITUEE", "Retenue de garantie restituée au fournisseur", Stage.ENDED)

#: C1's circuit: deposit → à instruire → (take) en instruction → (validate) restituée.
CIRCUIT = (
    Transition(
        "", Action.DEPOSIT, A_INSTRUIRE.code, "MOA", cadre=RETENUE.code, holder=NextHolder.ROUTE
    ),
    Transition(A_INSTRUIRE.code, Action.TAKE, EN_INSTRUCTION.code, "MOA"),
    Transition(
        EN_INSTRUCTION.code,
        Action.VALIDATE,
        RESTITUEE.code,
        "MOA",
        holder=NextHolder.NOBODY,
        closes="TERMINE",
    ),
)


def _valid_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"expression régulière invalide : {exc}"
    return ""


@hookimpl
def decompte_settings() -> list[Setting]:
    return [
        Setting(
            "ej_pattern",
            str,
            r"EJ\d{10}",
            "format maison des numéros d'engagement",
            check=_valid_pattern,
        )
    ]


@hookimpl
def decompte_cadres() -> list[Cadre]:
    return [RETENUE]


@hookimpl
def decompte_states() -> list[State]:
    return [A_INSTRUIRE, EN_INSTRUCTION, RESTITUEE]


@hookimpl
def decompte_transitions() -> list[Transition]:
    return list(CIRCUIT)


@hookimpl
def decompte_rules(settings: Mapping[str, Any]) -> list[Any]:
    pattern = re.compile(settings["ej_pattern"])

    @rule("exemple.ej_format")
    def ej_format(draft: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
        if draft.engagement and not pattern.fullmatch(draft.engagement):
            yield error(
                "engagement",
                f"Le numéro d'engagement {draft.engagement} ne suit pas notre format",
                f"format attendu : {pattern.pattern}",
            )

    return [ej_format]


class ErpExporter(Exporter):
    """One JSON object per line, the shape our ERP imports."""

    name = "erp"
    label = "Import ERP de la collectivité (JSON lines)"
    formats = ("jsonl",)
    default_role = "MOA"  # the pieces of our own contracts
    options = (ExportOption("journal", str, "ACHATS", "journal de l'ERP"),)

    def write(
        self,
        rows: Iterable[ExportRow],
        out: BinaryIO,
        fmt: str,
        options: Mapping[str, Any],
        context: ExportContext,
    ) -> int:
        count = 0
        for row in rows:
            line = {
                "journal": options["journal"],
                "piece": row.number,
                "fournisseur": row.supplier.identifier,
                "ht": str(row.total_ht),
                "ttc": str(row.total_ttc),
                "date": row.issue_date.isoformat(),
                "engagement": row.engagement,
            }
            out.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
            count += 1
        return count


@hookimpl
def decompte_exporters() -> list[Exporter]:
    return [ErpExporter()]
