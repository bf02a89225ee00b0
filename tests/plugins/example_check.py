"""Run inside a venv where decompte-exemple is pip-installed: print what the plugin did.

Usage: python example_check.py WORKDIR  (prints one JSON object)
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from decompte.sdk.amounts import compute_totals, vat_line
from decompte.sdk.cadres import CadreTable
from decompte.sdk.config import Config
from decompte.sdk.core import Core
from decompte.sdk.demo import build_demo
from decompte.sdk.export import run_export
from decompte.sdk.model import PieceDraft
from decompte.sdk.plugins import PluginHost
from decompte.sdk.store import open_store

TODAY = date(2026, 11, 23)


def main(workdir: Path) -> dict:
    store = open_store(workdir / "demo.db")
    build_demo(lambda clock: Core(store, Config(), clock), today=TODAY)
    host = PluginHost.load(Config())
    core = Core(
        store,
        host.config,
        lambda: datetime.combine(TODAY, time(15)),
        cadres=CadreTable(host.cadres()),
        extensions=host,
    )
    core.workflow.rules = ()
    host.attach(core)
    titulaire = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    moa = core.org.open_session(core.org.user("marie.lambert@saint-aubin.fr"))
    line = vat_line(Decimal("5000.00"), Decimal("20"))
    totals = compute_totals([line])
    draft = PieceDraft(
        cadre="C1",
        number="RG-2026-01",
        issue_date=TODAY,
        marche_number="2026-ECO-001",
        engagement="EJ-2026-12",
        service_code="SERVICES_TECHNIQUES",
        iban="FR7630006000011234567890189",
        vat_lines=[line],
        total_ht=totals.total_ht,
        total_vat=totals.total_vat,
        total_ttc=totals.total_ttc,
        amount_due=totals.amount_due,
    )
    refused = [
        f.as_dict()
        for f in core.workflow.check(titulaire, draft)
        if f.rule_id.startswith("exemple.")
    ]
    receipt = core.workflow.deposit(
        titulaire, dataclasses.replace(draft, engagement="EJ2026000123")
    )
    out = io.BytesIO()
    exported = run_export(core, moa, "erp", out, {"journal": "TRAVAUX"}, host=host)
    host.close()
    return {
        "plugins": host.describe(),
        "problems": [str(p) for p in host.problems],
        "findings": refused,
        "piece": {"cadre": receipt.piece.cadre, "state": receipt.piece.state},
        "export": {
            "rows": exported.rows,
            "lines": [json.loads(x) for x in out.getvalue().splitlines()],
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), ensure_ascii=False))
