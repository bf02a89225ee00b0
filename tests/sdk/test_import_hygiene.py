"""The headless core never loads the UI, and `import decompte.sdk` stays cheap."""

from __future__ import annotations

import subprocess
import sys


def loaded(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "; import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_sdk_and_its_cli_do_not_import_textual():
    modules = loaded(
        "import decompte.sdk, decompte.sdk.core, decompte.sdk.workflow, decompte.sdk.queries,"
        " decompte.sdk.cli, decompte.sdk.demo"
    )
    assert "decompte.sdk.workflow" in modules
    assert not {m for m in modules if m.split(".")[0] == "textual" or m.startswith("decompte.tui")}


def test_import_sdk_does_not_import_sqlalchemy_or_alembic():
    modules = loaded("import decompte.sdk")
    assert "sqlalchemy" not in modules and "alembic" not in modules


def test_the_console_script_reaches_the_app_without_the_command_modules():
    """`decompte` with no command is the app: the command layer stays off its first frame."""
    modules = loaded("import decompte.sdk.cli, decompte.tui.__main__")
    heavy = {"cli.context", "cli.output", "model", "core"}
    heavy = {f"decompte.sdk.{name}" for name in heavy} | {"sqlalchemy"}
    assert not heavy & modules
