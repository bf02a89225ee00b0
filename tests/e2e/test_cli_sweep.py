"""Time as an input: `decompte sweep [--at]` run at chosen days with the global `--today`, as
a cron job would run it (subprocesses, no login), and `--today` moving what deposits record
and what `show` counts down.

The demo store is built on 23/11/2026 (`support.TODAY`): LEF-2026-11 waits at its first
validator since 18/11, PG-2026-02 at its second validator since 19/11; the validator's delay
is 15 days (the piece moves the day after its last day).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

from test_cli import cli_env, run

from decompte.sdk.demo import demo_pdf

AT_VALIDATOR = "MISE_A_DISPOSITION_PREMIER_VALIDEUR"


def sweep(db: Path, today: str, *extra: str) -> list[dict]:
    out = run(db, "--today", today, "--json", "sweep", *extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def state_of(db: Path, number: str) -> tuple[str, str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT state, holder_role FROM pieces WHERE number = ?", (number,)
        ).fetchone()


def events_of(db: Path, number: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT e.action, e.to_state, e.at FROM events e JOIN pieces p ON p.id = e.piece_id"
            " WHERE p.number = ? ORDER BY e.id",
            (number,),
        ).fetchall()


def test_a_validator_day_14_keeps_the_piece_day_16_moves_it_once(demo_db):
    assert state_of(demo_db, "LEF-2026-11") == (AT_VALIDATOR, "PREMIER_VALIDEUR")
    day14 = sweep(demo_db, "2026-12-02")
    assert "LEF-2026-11" not in {c["piece"] for c in day14 if c["kind"] == "validation"}
    assert state_of(demo_db, "LEF-2026-11") == (AT_VALIDATOR, "PREMIER_VALIDEUR")

    day16 = sweep(demo_db, "2026-12-04")
    moved = [c for c in day16 if c["kind"] == "validation"]
    # PG-2026-02 is at its 15th day: its last one, it waits until tomorrow
    assert [(c["piece"], c["from_state"], c["to_state"]) for c in moved] == [
        ("LEF-2026-11", AT_VALIDATOR, "VALIDATION_1_HORS_DELAI")
    ]
    assert moved[0]["since"] == "2026-11-18" and moved[0]["due"] == "2026-12-03"
    assert state_of(demo_db, "LEF-2026-11") == ("VALIDATION_1_HORS_DELAI", "MOE")
    expired = [e for e in events_of(demo_db, "LEF-2026-11") if e[0] == "expire"]
    assert len(expired) == 1 and expired[0][2].startswith("2026-12-04")

    again = run(demo_db, "--today", "2026-12-04", "sweep")  # the cron job's second run
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Balayage des délais au 04/12/2026 : rien n'a changé."
    assert sweep(demo_db, "2026-12-04") == []
    assert len([e for e in events_of(demo_db, "LEF-2026-11") if e[0] == "expire"]) == 1


def test_the_report_is_piece_by_piece_in_text_and_json(demo_db):
    out = run(demo_db, "--today", "2026-12-04", "sweep")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Balayage des délais au 04/12/2026 : ")
    assert (
        "  LEF-2026-11 : Mise à disposition du premier valideur → Validation 1 hors délai"
        in "\n".join(lines)
    )
    # the MOE let its 7 days pass on PDM-2026-04 (held since 20/11): a flag, no move
    assert any(
        line.startswith("  PDM-2026-04 : en retard de traitement (échéance 27/11/2026)")
        for line in lines
    )
    assert any("masquée de la Synthèse" in line for line in lines)
    changes = json.loads(run(demo_db, "--json", "sweep", "--today", "2026-12-04").stdout)
    assert changes == []  # the text run above did the work: JSON of the second is empty


def test_json_lists_each_change_with_its_kind(demo_db):
    changes = sweep(demo_db, "2026-12-04")
    kinds = {c["kind"] for c in changes}
    assert kinds == {"validation", "action", "paiement", "refus_masque"}
    for change in changes:
        assert set(change) == {
            "kind",
            "piece",
            "piece_id",
            "dossier_id",
            "from_state",
            "to_state",
            "flag",
            "since",
            "due",
        }
        assert (change["flag"] == "") == (change["kind"] == "validation")
        assert date.fromisoformat(change["due"]) < date(2026, 12, 4)
    flagged = next(c for c in changes if c["piece"] == "PDM-2026-04")
    assert (flagged["kind"], flagged["since"], flagged["due"]) == (
        "action",
        "2026-11-20",
        "2026-11-27",
    )


def test_flags_agree_with_what_show_and_the_synthese_read(demo_db):
    """An « action » flag is a piece `show` counts as overdue that day; a hidden refusal is
    one the Synthèse hides that day and shows with --show-old-refused."""
    changes = sweep(demo_db, "2026-12-04")
    for change in (c for c in changes if c["kind"] == "action"):
        out = run(demo_db, "--today", "2026-12-04", "--json", "show", change["piece"], login="moe")
        if out.returncode == 5:  # not the MOE's: shown to its holder only
            continue
        deadline = json.loads(out.stdout)["deadline"]
        assert deadline["due"] == change["due"] and deadline["days_left"] < 0
    hidden = {c["piece"] for c in changes if c["kind"] == "refus_masque"}
    assert hidden
    for who in ("titulaire", "soustraitant", "cotraitant", "moe"):
        listed = run(demo_db, "--today", "2026-12-04", "--json", "synthese", login=who)
        everything = run(
            demo_db, "--today", "2026-12-04", "--json", "synthese", "--show-old-refused", login=who
        )
        shown = {r["number"] for r in json.loads(listed.stdout)["rows"]}
        all_rows = {r["number"] for r in json.loads(everything.stdout)["rows"]}
        assert not shown & hidden
        hidden -= all_rows
    assert not hidden  # each hidden refusal was found in its holder's full Synthèse


def test_at_replays_a_past_day_and_refuses_a_future_one(demo_db):
    ahead = run(demo_db, "--today", "2026-12-10", "--json", "sweep", "--at", "2026-12-11")
    assert ahead.returncode == 2
    error = json.loads(ahead.stderr)
    assert error["field"] == "--at" and "après aujourd'hui" in error["message"]
    assert state_of(demo_db, "LEF-2026-11")[0] == AT_VALIDATOR  # nothing written

    past = sweep(demo_db, "2026-12-10", "--at", "2026-12-04")
    assert [c["piece"] for c in past if c["kind"] == "validation"] == [
        "LEF-2026-11",
        "LEF-2026-10",  # held 13 days on 23/11 by its validator
    ]
    assert events_of(demo_db, "LEF-2026-11")[-1][2].startswith("2026-12-04")
    later = sweep(demo_db, "2026-12-10")  # today: the second validator's piece is late too
    assert [c["piece"] for c in later if c["kind"] == "validation"] == ["PG-2026-02"]

    bad = run(demo_db, "--json", "sweep", "--at", "04/12/2026")
    assert bad.returncode == 2 and json.loads(bad.stderr)["field"] == "--at"


def test_deposit_and_process_no_longer_sweep(demo_db, tmp_path):
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(demo_pdf("p", ["test"]))
    argv = ["--today", "2026-12-20", "deposit", "--cadre", "A4", "--number", "T-1"]
    argv += ["--date", "2026-12-19", "--marche", "2026-ECO-001", "--line", "20:1000,00"]
    argv += ["--engagement", "EJ2026000123", "--file", str(pdf)]
    assert run(demo_db, *argv, login="titulaire").returncode == 0
    take = run(demo_db, "--today", "2026-12-20", "process", "take", "T-1", login="moe")
    assert take.returncode == 0, take.stderr
    assert state_of(demo_db, "LEF-2026-11")[0] == AT_VALIDATOR  # no sweep behind the user's back


def test_today_dates_deposits_and_moves_the_countdowns_of_show(demo_db, tmp_path):
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(demo_pdf("p", ["test"]))
    argv = ["--json", "deposit", "--cadre", "A4", "--number", "T-2", "--date", "2026-11-30"]
    argv += ["--marche", "2026-ECO-001", "--line", "20:1000,00", "--engagement", "EJ2026000123"]
    argv += ["--file", str(pdf), "--today", "2026-12-01"]  # a global after the command
    out = run(demo_db, *argv, login="titulaire")
    assert out.returncode == 0, out.stderr

    shown = run(demo_db, "--today", "2026-12-03", "--json", "show", "T-2", login="moe")
    data = json.loads(shown.stdout)
    assert data["piece"]["deposited_at"].startswith("2026-12-01")
    assert data["piece"]["state_date"] == "2026-12-01"
    assert data["deadline"] == {"kind": "action", "due": "2026-12-08", "days_left": 5}

    text = run(demo_db, "--today", "2026-12-10", "show", "T-2", login="moe").stdout
    assert "Traitement : échéance dépassée de 2 j (08/12/2026)" in text
    env = {"DECOMPTE_TODAY": "2026-12-05"}
    by_env = run(demo_db, "--json", "show", "T-2", login="moe", env=env)
    assert json.loads(by_env.stdout)["deadline"]["days_left"] == 3
    wins = run(demo_db, "--today", "2026-12-07", "--json", "show", "T-2", login="moe", env=env)
    assert json.loads(wins.stdout)["deadline"]["days_left"] == 1  # the option wins


def test_a_bad_today_is_a_named_error(demo_db):
    out = run(demo_db, "--json", "--today", "2026-02-30", "states")
    assert out.returncode == 2
    error = json.loads(out.stderr)
    assert error["field"] == "--today" and "2026-02-30" in error["message"]
    out = run(demo_db, "--json", "states", env={"DECOMPTE_TODAY": "demain"})
    assert out.returncode == 2 and json.loads(out.stderr)["field"] == "DECOMPTE_TODAY"
    app = subprocess.run(
        [sys.executable, "-m", "decompte.tui", "--db", str(demo_db), "--today", "hier"],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
    )
    assert app.returncode == 2 and "--today" in app.stderr and "Traceback" not in app.stderr


def test_the_sweep_needs_no_login_it_is_the_systems(demo_db):
    out = run(demo_db, "--today", "2026-12-04", "sweep")  # the system's: no --as
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as conn:
        who = conn.execute(
            "SELECT user_login FROM events WHERE action = 'expire' ORDER BY id DESC"
        ).fetchone()
    assert who == ("systeme",)
