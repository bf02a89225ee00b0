"""The tacit procedure through the `decompte` command (issue #12 part 1), in subprocesses:
the countdown in `show --json` and text, the early A22 a warning needing --confirm, the
final draft then « Remplacée par un projet de décompte général ». The pieces are deposited
today (the command's clock), so the window of 30 days has 30 days left."""

from __future__ import annotations

import json
from datetime import date, timedelta

from test_cli import run

from decompte.sdk.demo import demo_pdf

M = "2025-VOI-014"


def deposit(db, tmp_path, cadre, number, *extra, login="titulaire"):
    pdf = tmp_path / f"{number}.pdf"
    pdf.write_bytes(demo_pdf(number, ["test"]))
    return run(
        db,
        "--json",
        "deposit",
        "--cadre",
        cadre,
        "--number",
        number,
        "--date",
        f"{date.today():%Y-%m-%d}",
        "--marche",
        M,
        "--line",
        "20:80 000,00",
        "--iban",
        "FR7630006000011234567890189",
        "--engagement",
        "EJ2026000123",
        "--file",
        str(pdf),
        *extra,
        login=login,
    )


def test_tacit_countdown_in_show_and_early_a22_warning(demo_db, tmp_path):
    out = deposit(demo_db, tmp_path, "A7", "CLI-PDF-T")
    assert out.returncode == 0, out.stderr
    shown = json.loads(run(demo_db, "--json", "show", "CLI-PDF-T", login="moe").stdout)
    due = date.today() + timedelta(days=30)
    assert shown["tacit"] == {
        "short": "A22",
        "document": "Projet de décompte général",
        "start_short": "A7",
        "start_number": "CLI-PDF-T",
        "start_on": f"{date.today():%Y-%m-%d}",
        "days": 30,
        "due": f"{due:%Y-%m-%d}",
        "days_left": 30,
    }
    text = run(demo_db, "show", "CLI-PDF-T", login="titulaire").stdout
    line = next(x for x in text.splitlines() if x.startswith("Procédure tacite "))
    assert line.split(" : ", 1)[1].startswith(
        f"Projet de décompte général (A22) possible dans 30 j, le {due:%d/%m/%Y}"
    )

    early = deposit(demo_db, tmp_path, "A22", "CLI-PDG-T", "--after", "CLI-PDF-T")
    assert early.returncode == 3, early.stdout
    assert "tacit.window" in early.stderr
    assert "il reste 30 j avant la fin du délai de 30 j" in early.stderr
    assert f"pièce A7 n° CLI-PDF-T le {date.today():%d/%m/%Y}" in early.stderr
    state = json.loads(run(demo_db, "--json", "show", "CLI-PDF-T", login="moe").stdout)
    assert state["piece"]["state"] == "MISE_A_DISPOSITION_MOE"

    confirmed = deposit(demo_db, tmp_path, "A22", "CLI-PDG-T", "--after", "CLI-PDF-T", "--confirm")
    assert confirmed.returncode == 0, confirmed.stderr
    replaced = json.loads(run(demo_db, "--json", "show", "CLI-PDF-T", login="moe").stdout)
    assert replaced["piece"]["state"] == "REMPLACEE_PAR_A22" and replaced["tacit"] is None
    a22 = json.loads(run(demo_db, "--json", "show", "CLI-PDG-T", login="moa").stdout)
    assert (a22["tacit"]["short"], a22["tacit"]["days_left"]) == ("A23", 10)
    history = json.loads(run(demo_db, "--json", "history", "CLI-PDF-T", login="titulaire").stdout)
    assert [e["to_state"] for e in history["events"]] == [
        "MISE_A_DISPOSITION_MOE",
        "REMPLACEE_PAR_A22",
    ]
