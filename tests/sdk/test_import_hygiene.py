"""The headless core never loads the UI, and `import sdk` stays cheap."""

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
    modules = loaded("import sdk, sdk.core, sdk.workflow, sdk.queries, sdk.cli, sdk.demo")
    assert "sdk.workflow" in modules
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}


def test_import_sdk_does_not_import_sqlalchemy_or_alembic():
    modules = loaded("import sdk")
    assert "sqlalchemy" not in modules and "alembic" not in modules


def test_the_console_script_reaches_the_app_without_the_command_modules():
    """`decompte` with no command is the app: the command layer stays off its first frame."""
    modules = loaded("import sdk.cli, tui.__main__")
    heavy = {"sdk.cli.context", "sdk.cli.output", "sdk.model", "sqlalchemy", "sdk.core"}
    assert not heavy & modules
