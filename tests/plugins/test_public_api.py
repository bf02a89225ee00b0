"""The plugin author's API: `from decompte.sdk import …` names are listed, resolvable and
cheap; bundled plugins are the entry points of the distribution."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import decompte.sdk as sdk
from decompte.sdk.hookspecs import HOOK_NAMES

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_name_resolves():
    assert set(sdk.__all__) == {"__version__", *sdk._EXPORTS}
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name
    assert "Core" not in sdk.__all__ and "Store" not in sdk.__all__


def test_the_plugin_surface_imports_no_database_nor_ui():
    code = (
        "import sys; from decompte.sdk import hookimpl, Cadre, rule, error, Exporter, "
        "ExportRow, Setting, Command, PluginView; import decompte.plugins.export_csv, "
        "decompte.plugins.export_fec, decompte.plugins.webhooks; print(' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = {m for m in out if m.split(".")[0] in {"sqlalchemy", "alembic", "textual", "httpx"}}
    assert heavy == set()


def test_bundled_plugins_are_the_entry_points_of_the_distribution():
    """What is installed is what pyproject.toml declares, all inside the product namespace."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["entry-points"]["decompte"]
    installed = metadata.distribution("decompte").entry_points.select(group="decompte")
    assert {ep.name: ep.value for ep in installed} == declared
    assert all(value.startswith("decompte.plugins.") for value in declared.values())


def test_every_hook_has_its_section_in_the_hook_documentation():
    page = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    for name in HOOK_NAMES:
        assert f"## `{name}`" in page, name
    assert len(HOOK_NAMES) == 12
