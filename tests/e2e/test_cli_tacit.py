"""The tacit procedure through the `decompte` command (issue #12 part 1), in subprocesses at
fixed days (`--today`): the countdown in `show --json` and text, the early A22 a warning
needing --confirm, the A22 deposited once the window has run out without one, the final draft
then « Remplacée par un projet de décompte général ».

The final draft A7 reaches the MOE on 01/09/2026: the window of 30 days ends on 01/10/2026,
when the A22 becomes possible; the A22 at the MOA opens the A23's window of 10 days."""

from __future__ import annotations

import json

from test_cli import run

from decompte.sdk.demo import demo_pdf

M = "2025-VOI-014"
A7_DAY = "2026-09-01"
A22_DUE = "2026-10-01"


def deposit(db, tmp_path, day, cadre, number, *extra, login="titulaire"):
    """Deposit `number` on `day` (the CLI's today, and the piece's date)."""
    pdf = tmp_path / f"{number}.pdf"
    pdf.write_bytes(demo_pdf(number, ["test"]))
    return run(
        db,
        "--today",
        day,
        "--json",
        "deposit",
        "--cadre",
        cadre,
        "--number",
        number,
        "--date",
        day,
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


def show(db, day, number, login="moe"):
    out = run(db, "--today", day, "--json", "show", number, login=login)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def tacit_line(db, day, number):
    text = run(db, "--today", day, "show", number, login="titulaire").stdout
    line = next(x for x in text.splitlines() if x.startswith("Procédure tacite "))
    return line.split(" : ", 1)[1]


def test_tacit_countdown_in_show_then_a22_warned_early_and_free_once_the_window_ends(
    demo_db, tmp_path
):
    out = deposit(demo_db, tmp_path, A7_DAY, "A7", "CLI-PDF-T")
    assert out.returncode == 0, out.stderr
    window = {
        "short": "A22",
        "document": "Projet de décompte général",
        "start_short": "A7",
        "start_number": "CLI-PDF-T",
        "start_on": A7_DAY,
        "days": 30,
        "due": A22_DUE,
    }
    assert show(demo_db, A7_DAY, "CLI-PDF-T")["tacit"] == {**window, "days_left": 30}
    assert show(demo_db, "2026-09-20", "CLI-PDF-T")["tacit"] == {**window, "days_left": 11}
    since = "(30 j après la mise à disposition de la pièce A7 n° CLI-PDF-T le 01/09/2026)"
    assert tacit_line(demo_db, "2026-09-20", "CLI-PDF-T") == (
        f"Projet de décompte général (A22) possible dans 11 j, le 01/10/2026 {since}"
    )

    early = deposit(demo_db, tmp_path, "2026-09-20", "A22", "CLI-PDG-T", "--after", "CLI-PDF-T")
    assert early.returncode == 3, early.stdout
    assert "tacit.window" in early.stderr
    assert "il reste 11 j avant la fin du délai de 30 j" in early.stderr
    assert "pièce A7 n° CLI-PDF-T le 01/09/2026 (échéance le 01/10/2026)" in early.stderr
    last_day = deposit(demo_db, tmp_path, "2026-09-30", "A22", "CLI-PDG-T", "--after", "CLI-PDF-T")
    assert last_day.returncode == 3 and "il reste 1 j " in last_day.stderr

    assert show(demo_db, A22_DUE, "CLI-PDF-T")["tacit"] == {**window, "days_left": 0}
    assert tacit_line(demo_db, A22_DUE, "CLI-PDF-T") == (
        f"Projet de décompte général (A22) possible depuis le 01/10/2026 {since}"
    )
    on_time = deposit(demo_db, tmp_path, A22_DUE, "A22", "CLI-PDG-T", "--after", "CLI-PDF-T")
    assert on_time.returncode == 0, on_time.stderr  # no warning, no --confirm needed
    assert "tacit.window" not in on_time.stdout + on_time.stderr
    replaced = show(demo_db, A22_DUE, "CLI-PDF-T")
    assert replaced["piece"]["state"] == "REMPLACEE_PAR_A22" and replaced["tacit"] is None
    a23 = show(demo_db, "2026-10-05", "CLI-PDG-T", login="moa")["tacit"]
    assert (a23["short"], a23["start_on"], a23["due"], a23["days_left"]) == (
        "A23",
        A22_DUE,
        "2026-10-11",
        6,
    )
    # the refused early deposits wrote nothing: two events, dated the days they were made
    history = json.loads(run(demo_db, "--json", "history", "CLI-PDF-T", login="titulaire").stdout)
    assert [(e["to_state"], e["at"][:10]) for e in history["events"]] == [
        ("MISE_A_DISPOSITION_MOE", A7_DAY),
        ("REMPLACEE_PAR_A22", A22_DUE),
    ]


def test_an_early_a22_confirmed_is_deposited_and_opens_the_a23_window_that_day(demo_db, tmp_path):
    assert deposit(demo_db, tmp_path, A7_DAY, "A7", "CLI-PDF-C").returncode == 0
    early = "2026-09-20"
    confirmed = deposit(
        demo_db, tmp_path, early, "A22", "CLI-PDG-C", "--after", "CLI-PDF-C", "--confirm"
    )
    assert confirmed.returncode == 0, confirmed.stderr
    assert show(demo_db, early, "CLI-PDF-C")["piece"]["state"] == "REMPLACEE_PAR_A22"
    a23 = show(demo_db, early, "CLI-PDG-C", login="moa")["tacit"]
    assert (a23["short"], a23["start_on"], a23["due"], a23["days_left"]) == (
        "A23",
        early,
        "2026-09-30",
        10,
    )
