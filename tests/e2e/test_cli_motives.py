"""`decompte process refuse` takes no motive for granted: a missing or inadmissible one is a
usage error that lists, with their French labels, the motives the piece's holder may give and
recalls that an amount difference is not one (it is corrected in the état d'acompte)."""

from __future__ import annotations

import json

from test_cli import run

ROUTING = "ACHEMINEMENT (erreur dans les données d'acheminement)"
OTHER = "AUTRE_MOTIF (autre motif)"
AMOUNTS = "Un écart de montant n'est pas un motif de refus pour la MOE"


def _state(db, number, login):
    out = run(db, "--json", "show", number, login=login)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["piece"]["state"]


def test_a_refusal_without_a_motive_lists_the_holder_s_motives_and_changes_nothing(demo_db):
    out = run(demo_db, "process", "refuse", "PDM-2026-03", "--reason", "x", login="moe")
    assert out.returncode == 2, out.stderr
    assert "Motif de refus obligatoire" in out.stderr
    assert ROUTING in out.stderr and OTHER in out.stderr
    assert AMOUNTS in out.stderr and "état d'acompte" in out.stderr
    assert _state(demo_db, "PDM-2026-03", "moe") == "MISE_A_DISPOSITION_MOE"


def test_an_unknown_motive_gets_the_same_list_as_a_named_json_error(demo_db):
    out = run(
        demo_db,
        "--json",
        "process",
        "refuse",
        "PDM-2026-03",
        "--motive",
        "MONTANT",
        "--reason",
        "x",
        login="moe",
    )
    assert out.returncode == 2, out.stderr
    error = json.loads(out.stderr)
    assert (error["error"], error["exit_code"], error["field"]) == ("UsageError", 2, "motive")
    assert "« MONTANT » non admis pour la MOE" in error["message"]
    assert ROUTING in error["hint"] and OTHER in error["hint"] and AMOUNTS in error["hint"]


def test_the_list_is_the_holder_s_the_service_financier_refuses_for_routing_only(demo_db):
    args = ("process", "refuse", "EAV-DUR-2026-08", "--reason", "x")
    out = run(demo_db, *args, login="sf")
    assert out.returncode == 2, out.stderr
    assert ROUTING in out.stderr and "AUTRE_MOTIF" not in out.stderr
    out = run(demo_db, *args, "--motive", "AUTRE_MOTIF", login="sf")
    assert out.returncode == 2 and "non admis pour le service financier" in out.stderr
    assert _state(demo_db, "EAV-DUR-2026-08", "sf") == "MISE_A_DISPOSITION_SERVICE_FINANCIER"


def test_a_motive_typed_as_text_is_never_printed_raw(demo_db):
    hostile = "\x1b[2J\x1b]0;pwn\x07X"
    args = ("process", "refuse", "PDM-2026-03", "--motive", hostile, "--reason", "x")
    out = run(demo_db, *args, login="moe")
    assert out.returncode == 2
    assert "\x1b" not in out.stderr and "\x07" not in out.stderr


def test_a_chosen_motive_refuses_in_any_case_with_one_history_event(demo_db):
    motive = ("--motive", "autre_motif")  # any case
    args = ("process", "refuse", "PDM-2026-03", *motive, "--reason", "Hors marché")
    out = run(demo_db, "--json", *args, login="moe")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["piece"]["state"] == "REFUSEE_MOE_AUTRE_MOTIF"
    history = run(demo_db, "--json", "history", "PDM-2026-03", login="moe")
    events = [e for e in json.loads(history.stdout)["events"] if e["action"] == "refuse"]
    assert len(events) == 1 and events[0]["reason"] == "Hors marché"


def test_the_help_lists_the_motives_says_there_is_no_default_and_recalls_the_amounts():
    out = run("unused.db", "process", "refuse", "--help")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())  # argparse wraps the help
    assert ROUTING in text and OTHER in text
    assert "sans valeur par défaut" in text
    assert AMOUNTS in text and "état d'acompte" in text
    assert "{ACHEMINEMENT,AUTRE_MOTIF}" not in text
