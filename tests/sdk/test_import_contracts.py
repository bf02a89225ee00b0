"""The floors hold: the import contracts of pyproject.toml ([tool.importlinter]) are kept.

The core never imports the app, Textual nor the bundled plugins; plugins never import the
app; the app never reaches the store's internals (it goes through `Core`); the domain modules
(records, states, cadres, labels) never import the engine. `lint-imports` reads the real
import graph, so a new import that crosses a floor fails here (and so in CI).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: `lint-imports` of the interpreter running the tests (not whichever is first on PATH)
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"

CONTRACTS = (
    "The headless core never imports the front-end nor Textual",
    "The core finds the bundled plugins through entry points, never by import",
    "Plugins use the SDK, never the app",
    "The app reaches the store through the engine",
    "Domain modules (records, states, cadres, labels, checks) sit below the engine",
)


def test_every_import_contract_is_kept() -> None:
    run = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report = " ".join(run.stdout.split())  # the report wraps long contract names
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 broken" in report
    for name in CONTRACTS:  # none was dropped from the configuration
        assert name in report, name
