"""A wheel of the project (what `pip install .` or an index installs, without the checkout)
carries everything the app reads from disk: themes, the app's CSS, the migration, the bundled
plugins and their entry points."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support import offline_build_possible

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ONLY = (".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*", ".venv")


@pytest.mark.slow
@pytest.mark.skipif(not offline_build_possible(), reason="setuptools < 70.1 without wheel")
def test_the_wheel_carries_themes_css_migrations_and_plugins(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy: no build/ left by an earlier build
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-input"]
    command += ["--no-build-isolation", "--disable-pip-version-check", "-w", str(tmp_path)]
    built = subprocess.run([*command, str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("decompte-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"decompte"}, top  # nothing generic (sdk, tui, plugins) in site-packages
    themes = {
        Path(n).stem for n in names if n.startswith("decompte/themes/") and n.endswith(".toml")
    }
    assert themes == {p.stem for p in (ROOT / "themes").glob("*.toml")} >= {"dark", "ansi16"}
    assert "decompte/tui/app.tcss" in names
    assert any(n.startswith("decompte/sdk/store/migrations/versions/") for n in names)
    assert {"decompte/plugins/export_fec.py", "decompte/plugins/builtin_rules.py"} <= names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    declared = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[decompte]" in declared and "decompte.plugins.export_fec" in declared
    assert "decompte = decompte.tui.__main__:main" in declared
