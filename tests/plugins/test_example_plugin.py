"""The template plugin of plugins/examples, pip-installed into a fresh venv, is found through
its entry point and its cadre, rule and exporter act (in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import offline_build_possible

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "plugins" / "examples" / "decompte-exemple"


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    python = venv / "bin" / "python"
    command = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-input",
        "--disable-pip-version-check",
        "-e",
        str(EXAMPLE),
    ]
    if offline_build_possible():
        command.insert(-2, "--no-build-isolation")
    done = subprocess.run(command, capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    return python


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["DECOMPTE_CONFIG"] = "/nonexistent/decompte.toml"  # no user configuration
    return env


@pytest.mark.slow
def test_installed_example_plugin_is_listed_and_acts(venv_python: Path, tmp_path: Path):
    done = subprocess.run(
        [str(venv_python), str(Path(__file__).with_name("example_check.py")), str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    plugins = {row["name"]: row for row in result["plugins"]}
    example = plugins["exemple"]
    assert example["status"] == "chargé" and example["version"] == "1.0.0"
    assert example["hooks"] == [
        "decompte_cadres",
        "decompte_exporters",
        "decompte_rules",
        "decompte_settings",
        "decompte_states",
        "decompte_transitions",
    ]
    assert example["source"].startswith("paquet decompte-exemple — ")
    assert example["source"].endswith("decompte_exemple/__init__.py")
    assert plugins["fec"]["source"].startswith("intégré")  # bundled ones still there, once
    assert list(plugins).count("fec") == 1
    assert result["problems"] == []
    assert [(f["rule_id"], f["severity"], f["field"]) for f in result["findings"]] == [
        ("exemple.ej_format", "error", "engagement")
    ]
    assert result["findings"][0]["message"] == (
        "Le numéro d'engagement EJ-2026-12 ne suit pas notre format"
    )
    assert result["piece"] == {
        "cadre": "C1_RESTITUTION_RETENUE_GARANTIE_FOURNISSEUR",
        "state": "RG_A_INSTRUIRE",  # the plugin's own first state for its cadre
    }
    lines = result["export"]["lines"]
    assert result["export"]["rows"] == len(lines) > 1
    assert {
        "journal": "TRAVAUX",
        "piece": "RG-2026-01",
        "fournisseur": "55210987800348",
        "ht": "5000.00",
        "ttc": "6000.00",
        "date": "2026-11-23",
        "engagement": "EJ2026000123",
    } in lines


@pytest.mark.slow
def test_the_example_is_not_loaded_without_its_package():
    from decompte.sdk.config import Config
    from decompte.sdk.plugins import PluginHost

    host = PluginHost.load(Config())
    assert "exemple" not in {row["name"] for row in host.describe()}
