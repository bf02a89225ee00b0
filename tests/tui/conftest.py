"""Fixtures for the app's tests: a deterministic demo store built once per session (per
xdist worker) and copied for each test, an app factory on a fixed clock, and key helpers."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

TUI_TODAY = date(2026, 3, 16)
NOW = datetime.combine(TUI_TODAY, time(14, 0))


def fixed_clock() -> datetime:
    return NOW


def build_template(db: Path) -> Path:
    """The demo world with predictable certificate numbers (they show on screen)."""
    import decompte.sdk.deposit as workflow
    from decompte.sdk.config import Config
    from decompte.sdk.core import Core
    from decompte.sdk.demo import build_demo
    from decompte.sdk.store import open_store

    counter = itertools.count(1)
    original = workflow.secrets.token_hex

    def predictable(nbytes: int | None = None) -> str:
        return f"{next(counter):0{2 * (nbytes or 4)}X}"

    workflow.secrets.token_hex = predictable  # type: ignore[assignment]
    try:
        store = open_store(db)
        build_demo(lambda clock: Core(store, Config(), clock), today=TUI_TODAY)
        store.close()
    finally:
        workflow.secrets.token_hex = original  # type: ignore[assignment]
    return db


def copy_store(template: Path, target_dir: Path) -> Path:
    db = target_dir / "decompte.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{db}{suffix}")
    shutil.copytree(f"{template}.files", f"{db}.files")
    return db


@pytest.fixture(scope="session")
def tui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tui-template") / "decompte.db")


@pytest.fixture
def store_path(tui_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    folder.mkdir()
    return copy_store(tui_template, folder)


@pytest.fixture
def make_app(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """`make_app(ui={...})`: the app on the copied store, fixed clock, no blink."""
    from decompte.sdk.config import Config
    from decompte.tui.app import DecompteApp

    monkeypatch.chdir(tmp_path)

    def factory(**ui: Any) -> DecompteApp:
        settings = {
            "export_dir": str(tmp_path),
            "download_dir": str(tmp_path / "dl"),
            "files_dir": str(tmp_path),
        }
        settings.update(ui)
        return DecompteApp(str(store_path), config=Config(ui=settings), clock=fixed_clock)

    return factory


@pytest.fixture
def core(store_path: Path) -> Any:
    """A second Core on the same store, to check what the app wrote."""
    from decompte.sdk.config import Config
    from decompte.sdk.core import Core
    from decompte.sdk.store import open_store

    engine_core = Core(open_store(store_path), Config(), fixed_clock)
    yield engine_core
    engine_core.close()


@pytest.fixture
def demo_pdf_file(tmp_path: Path) -> Path:
    from decompte.sdk.demo import demo_pdf

    path = tmp_path / "decompte-mars.pdf"
    path.write_bytes(demo_pdf("Projet de décompte mensuel", ["Mars 2026", "10 000,00 EUR HT"]))
    return path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
