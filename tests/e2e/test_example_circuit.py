"""The example plugin (plugins/examples/decompte-exemple), pip-installed in a fresh venv, adds
a cadre with its own states and transitions: its circuit is walked end to end through the
`decompte` command, from the deposit to its last state, and `states --json` shows what the
plugin changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from decompte.sdk.demo import demo_pdf

from support import LOGINS, offline_build_possible

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "plugins" / "examples" / "decompte-exemple"
PASSWORD = "Decompte-Demo-2026"
C1 = "C1_RESTITUTION_RETENUE_GARANTIE_FOURNISSEUR"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["DECOMPTE_CONFIG"] = os.devnull + ".absent.toml"  # no user configuration
    env["DECOMPTE_PASSWORD"] = PASSWORD
    return env


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv-circuit")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    python = venv / "bin" / "python"
    command = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-input"]
    command += ["--disable-pip-version-check", "-e", str(EXAMPLE)]
    if offline_build_possible():
        command.insert(-2, "--no-build-isolation")
    done = subprocess.run(command, capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    return python


def decompte(python: Path, db: Path, *args: str, login: str = "") -> subprocess.CompletedProcess:
    cmd = [str(python), "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS[login]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=_env(), timeout=120)


def as_json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_example_cadre_walks_its_circuit_through_the_cli(venv_python, tmp_path):
    db = tmp_path / "circuit.db"
    assert decompte(venv_python, db, "init", "--demo").returncode == 0

    table = as_json(decompte(venv_python, db, "--json", "states"))
    states = {s["code"]: s for s in table["states"]}
    assert states["RG_EN_INSTRUCTION"] == {
        "code": "RG_EN_INSTRUCTION",
        "label": "Demande de restitution en instruction par la MOA",
        "stage": "taken",
    }
    rows = [r for r in table["transitions"] if r["target"].startswith("RG_")]
    assert [(r["source"], r["action"], r["target"]) for r in rows] == [
        ("", "deposit", "RG_A_INSTRUIRE"),
        ("RG_A_INSTRUIRE", "take", "RG_EN_INSTRUCTION"),
        ("RG_EN_INSTRUCTION", "validate", "RG_RESTITUEE"),
    ]
    assert rows[0]["cadre"] == C1 and rows[2]["closes"] == "TERMINE"
    human = decompte(venv_python, db, "states").stdout
    assert "Retenue de garantie restituée au fournisseur" in human
    assert "RG_RESTITUEE" not in human  # labels for people, codes in --json only

    pdf = tmp_path / "rg.pdf"
    pdf.write_bytes(demo_pdf("restitution", ["retenue de garantie"]))
    deposit = [
        "--json",
        "deposit",
        "--cadre",
        "C1",
        "--number",
        "RG-CLI-1",
        "--date",
        "2026-11-20",
        "--marche",
        "2026-ECO-001",
        "--line",
        "20:5 000,00",
        "--iban",
        "FR7630006000011234567890189",
        "--engagement",
        "EJ2026000123",
        "--service",
        "SERVICES_TECHNIQUES",
        "--file",
        str(pdf),
    ]
    piece = as_json(decompte(venv_python, db, *deposit, login="titulaire"))["piece"]
    assert (piece["cadre"], piece["state"], piece["holder_role"]) == (
        C1,
        "RG_A_INSTRUIRE",
        "MOA",
    )

    taken = decompte(venv_python, db, "process", "take", "RG-CLI-1", login="moa")
    assert taken.returncode == 0, taken.stderr
    assert "Demande de restitution en instruction par la MOA" in taken.stdout
    early = decompte(venv_python, db, "process", "take", "RG-CLI-1", login="moa")
    assert early.returncode == 6  # no row takes it from « en instruction »
    done = as_json(
        decompte(venv_python, db, "--json", "process", "validate", "RG-CLI-1", login="moa")
    )
    assert (done["piece"]["state"], done["piece"]["holder_structure_id"]) == (
        "RG_RESTITUEE",
        None,
    )

    history = as_json(decompte(venv_python, db, "--json", "history", "RG-CLI-1", login="moa"))
    assert [(e["action"], e["to_state"]) for e in history["events"]] == [
        ("deposit", "RG_A_INSTRUIRE"),
        ("take", "RG_EN_INSTRUCTION"),
        ("validate", "RG_RESTITUEE"),
    ]
    dossier = as_json(decompte(venv_python, db, "--json", "dossier", "RG-CLI-1", login="titulaire"))
    assert dossier["status"] == "TERMINE"
