"""The `decompte` command in subprocesses, as a script or a person would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from decompte.sdk.demo import demo_pdf

from support import LOGINS

PASSWORD = "Decompte-Demo-2026"
ABSENT_CONFIG = os.devnull + ".absent.toml"  # no user configuration


def cli_env(password: str = PASSWORD, **extra: str) -> dict[str, str]:
    """The environment of a `decompte` subprocess: the demo password, no user configuration,
    and no developer's DECOMPTE_TODAY (the day is each test's choice, `--today` or `extra`)."""
    env = {**os.environ, "DECOMPTE_PASSWORD": password, "DECOMPTE_CONFIG": ABSENT_CONFIG}
    env.pop("DECOMPTE_TODAY", None)
    return env | extra


def cli_command(db, args, login=""):
    """`decompte --db DB [--as LOGIN] ARGS…` as a subprocess's argument list."""
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS.get(login, login)]
    return cmd + list(args)


def run(db, *args, login="", password=PASSWORD, stdin=None, env=None):
    return subprocess.run(
        cli_command(db, args, login),
        capture_output=True,
        text=True,
        env=cli_env(password, **(env or {})),
        input=stdin,
        timeout=60,
    )


def test_init_demo_then_synthese_as_json(tmp_path):
    db = tmp_path / "d.db"
    out = run(db, "init", "--demo")
    assert out.returncode == 0, out.stderr
    assert "Mot de passe de tous les comptes" in out.stdout
    again = run(db, "init", "--demo")
    assert again.returncode == 6 and "--force" in again.stderr
    out = run(db, "--json", "synthese", login="moe")
    data = json.loads(out.stdout)
    assert data["total"] == len(data["rows"]) >= 5
    assert all(r["total_ht"].replace(".", "").isdigit() for r in data["rows"])


def test_deposit_process_and_history(demo_db, tmp_path):
    pdf = tmp_path / "pdm.pdf"
    pdf.write_bytes(demo_pdf("cli", ["test"]))
    out = run(
        demo_db,
        "--json",
        "deposit",
        "--cadre",
        "A4",
        "--number",
        "CLI-1",
        "--date",
        "2026-11-20",
        "--marche",
        "2026-ECO-001",
        "--line",
        "20:1 000,00",
        "--line",
        "10:500,00",
        "--iban",
        "FR7630006000011234567890189",
        "--engagement",
        "EJ2026000123",
        "--file",
        str(pdf),
        login="titulaire",
    )
    assert out.returncode == 0, out.stderr
    receipt = json.loads(out.stdout)
    assert receipt["piece"]["total_ttc"] == "1750.00"
    assert receipt["piece"]["file_format"] == "PDF_NON_SIGNE"
    assert receipt["certificate"].startswith("CD")
    human = run(demo_db, "process", "take", "CLI-1", login="moe")
    assert human.returncode == 0 and "Prise en compte par la MOE" in human.stdout
    again = run(demo_db, "process", "take", "CLI-1", login="moe")
    assert again.returncode == 6 and "impossible" in again.stderr
    history = json.loads(run(demo_db, "--json", "history", "CLI-1", login="titulaire").stdout)
    assert [e["action"] for e in history["events"]] == ["deposit", "take"]


@pytest.mark.parametrize(
    "args, login, password, code, words",
    [
        (
            ["deposit", "--cadre", "A4", "--number", "X", "--date", "20/11/2026"],
            "titulaire",
            PASSWORD,
            2,
            "AAAA-MM-JJ",
        ),
        (["process", "take"], "moe", PASSWORD, 2, "utilisation"),
        (
            [
                "deposit",
                "--cadre",
                "A15",
                "--number",
                "X-1",
                "--date",
                "2026-11-20",
                "--marche",
                "2026-ECO-001",
                "--line",
                "20:100",
            ],
            "titulaire",
            PASSWORD,
            3,
            "cadre.role",
        ),
        (["synthese"], "moe", "faux-mot-de-passe", 4, "Identifiant ou mot de passe incorrect"),
        (["synthese"], "inconnu@exemple.fr", PASSWORD, 4, "Identifiant ou mot de passe incorrect"),
        (["show", "NEXISTE-PAS"], "moe", PASSWORD, 5, "introuvable"),
        (["process", "refuse", "PDM-2026-03"], "moe", PASSWORD, 2, "reason"),
    ],
)
def test_exit_codes_and_messages(demo_db, args, login, password, code, words):
    out = run(demo_db, *args, login=login, password=password)
    assert out.returncode == code, (out.stdout, out.stderr)
    assert words in out.stderr


def test_validation_findings_are_printed_with_field_and_hint(demo_db):
    out = run(
        demo_db,
        "deposit",
        "--cadre",
        "A4",
        "--number",
        "BAD NUM",
        "--date",
        "2026-11-20",
        "--marche",
        "2026-ECO-001",
        "--line",
        "20:100",
        "--total-ttc",
        "1,00",
        "--iban",
        "FR7630006000011234567890100",  # wrong check digits (no --iban: the account's)
        login="titulaire",
    )
    assert out.returncode == 3
    assert "number.format" in out.stderr and "amounts.header" in out.stderr
    assert "iban" in out.stderr


def test_search_and_dossier_commands(demo_db):
    found = json.loads(
        run(
            demo_db,
            "--json",
            "search",
            "--role",
            "MOE",
            "--cadre",
            "A4",
            "--state",
            "MISE_A_DISPOSITION_MOE",
            login="moe",
        ).stdout
    )
    assert {r["number"] for r in found["rows"]} == {"PDM-2026-03", "PDM-2026-05"}
    dossier = run(demo_db, "dossier", "PDM-2026-01", login="titulaire")
    assert dossier.returncode == 0
    assert "(terminé)" in dossier.stdout and "EAV-2026-01" in dossier.stdout


def test_password_from_stdin(demo_db):
    out = run(
        demo_db, "--password-stdin", "user", "me", login="moe", password="", stdin=PASSWORD + "\n"
    )
    assert out.returncode == 0 and "ATELIER MOREAU" in out.stdout
