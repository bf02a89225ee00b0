"""Decompte example plugin: a cadre, a rule and an exporter (see docs/sdk.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from decompte.sdk import (
    ActorRole,
    Cadre,
    ExportContext,
    Exporter,
    ExportOption,
    ExportRow,
    Finding,
    PieceDraft,
    RuleContext,
    Setting,
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
    final=True,
    feminine=True,
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
