"""The product installs one import name, `decompte`: a plugin author's own `plugins`, `sdk`
or `tui` packages, and a third-party distribution that ships a top-level `plugins` package,
neither hide nor replace ours (issue #11, fault 1).

Each case runs in a real subprocess: a plugin author's project run with `python -m pytest`
(its directory first on sys.path), with a root conftest.py, with PYTHONPATH=., and a wheel
really installed and uninstalled by pip in a throw-away virtual environment.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from support import offline_build_possible

#: the bundled plugins, found through our distribution's entry points
BUNDLED = {"rules", "cadres", "fec", "csv", "pivot", "webhooks"}

#: What a plugin author's test does: open the core, deposit nothing, look at what loaded.
AUTHOR_TEST = f"""
from pathlib import Path

import plugins  # the author's own package, beside ours
from decompte.sdk import hookimpl
from decompte.sdk.core import Core
from decompte.sdk.store import open_store


def test_the_bundled_plugins_load_beside_mine():
    assert plugins.MINE == "the author's plugins"
    assert callable(hookimpl)
    core = Core(open_store("sqlite://"))
    try:
        loaded = {{row["name"]: row for row in core.plugins.describe()}}
        assert {sorted(BUNDLED)!r} == sorted(loaded)
        assert all(row["status"] == "chargé" for row in loaded.values())
        assert sorted(core.plugins.exporters()) == ["csv", "fec", "pivot"]
        assert core.cadres.get("A4") is not None  # the built-in cadres came from our plugin
        import decompte.plugins
        assert Path(decompte.plugins.__file__).parent != Path(plugins.__file__).parent
    finally:
        core.close()
"""


def _author_project(root: Path) -> Path:
    """A plugin author's checkout, laid out like ours: plugins/, sdk/, tui/, tests/."""
    for name, text in {
        "plugins/__init__.py": 'MINE = "the author\'s plugins"\n',
        "plugins/export_fec.py": "raise ImportError('not the bundled FEC exporter')\n",
        "sdk/__init__.py": "raise ImportError('the author\\'s sdk is not ours')\n",
        "tui/__init__.py": "raise ImportError('the author\\'s tui is not ours')\n",
        "tests/test_mine.py": AUTHOR_TEST,
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PYTEST_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["python -m pytest", "root conftest.py", "PYTHONPATH=."])
def test_a_plugin_project_with_its_own_plugins_package_loads_ours(
    tmp_path: Path, variant: str
) -> None:
    project = _author_project(tmp_path / "author")
    pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command, env = [sys.executable, *pytest], _clean_env()  # -m: the project dir goes first
    if variant == "root conftest.py":
        # -P: only pytest's rootdir conftest puts the project on sys.path
        (project / "conftest.py").write_text("import plugins  # noqa: F401\n", encoding="utf-8")
        command = [sys.executable, "-P", *pytest]
    elif variant == "PYTHONPATH=.":
        command, env = [sys.executable, "-P", *pytest], _clean_env(PYTHONPATH=".")
    run = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


THIRD_PARTY_PYPROJECT = """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "flat-plugins"
version = "1.0"

[tool.setuptools]
packages = ["plugins"]
"""

#: run inside the venv: which `plugins` is whose, and do ours still load?
CHECK_OURS = """
import importlib.util, json, sys
from pathlib import Path
from decompte.sdk.core import Core
from decompte.sdk.store import open_store
import decompte.plugins

theirs = importlib.util.find_spec("plugins")
core = Core(open_store("sqlite://"))
print(json.dumps({
    "theirs": theirs.origin if theirs else None,
    "ours": decompte.plugins.__file__,
    "loaded": sorted(r["name"] for r in core.plugins.describe() if r["status"] == "chargé"),
    "fec": Path(sys.modules["decompte.plugins.export_fec"].__file__).read_text()[:3],
}))
core.close()
"""


def _see_our_installation(python: Path) -> None:
    """The venv also reads the site-packages where we are installed (after its own), .pth
    files included (our editable install is one): what `--system-site-packages` does, also
    when the tests themselves run in a virtual environment."""
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
    Path(own, "_decompte_under_test.pth").write_text(lines, encoding="utf-8")


def _check(python: Path) -> dict[str, object]:
    run = subprocess.run(
        [str(python), "-c", CHECK_OURS],
        cwd=python.parents[2],  # not our checkout, whose plugins/ folder -c would find first
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.slow
@pytest.mark.skipif(not offline_build_possible(), reason="setuptools < 70.1 without wheel")
def test_a_distribution_with_a_top_level_plugins_package_neither_replaces_nor_removes_ours(
    tmp_path: Path,
) -> None:
    source = tmp_path / "flat-plugins"
    (source / "plugins").mkdir(parents=True)
    (source / "pyproject.toml").write_text(THIRD_PARTY_PYPROJECT, encoding="utf-8")
    (source / "plugins" / "__init__.py").write_text("THEIRS = True\n", encoding="utf-8")
    (source / "plugins" / "export_fec.py").write_text("raise ImportError\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("flat_plugins-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _see_our_installation(python)
    into_venv = [*pip, "--python", str(python)]
    installed = subprocess.run(
        [*into_venv, "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr

    with_theirs = _check(python)
    assert str(with_theirs["theirs"]).startswith(str(venv))  # their `plugins` is installed…
    assert not str(with_theirs["ours"]).startswith(str(venv))  # …and is not ours
    assert with_theirs["loaded"] == sorted(BUNDLED)
    assert with_theirs["fec"] == '"""'  # our FEC exporter, not their `raise ImportError`

    removed = subprocess.run(
        [*into_venv, "uninstall", "-y", "flat-plugins"], capture_output=True, text=True
    )
    assert removed.returncode == 0, removed.stderr
    without = _check(python)
    assert without["theirs"] is None
    assert without["ours"] == with_theirs["ours"] and Path(str(without["ours"])).is_file()
    assert without["loaded"] == sorted(BUNDLED)
