"""Shared fixtures: a demo store built once per test session, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

import pytest

from decompte.sdk.core import Core
from decompte.sdk.demo import build_demo
from decompte.sdk.session import Session
from decompte.sdk.store import open_store

from support import LOGINS, TODAY, Clock, make_draft, quiet_core


@pytest.fixture(scope="session", autouse=True)
def incident_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Incidents the tests provoke (failing plugins, rules) go to a scratch log, not to the
    developer's own log folder; subprocesses inherit it."""
    folder = tmp_path_factory.mktemp("incidents")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DECOMPTE_LOG_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("template") / "demo.db"
    store = open_store(db)
    build_demo(lambda clock: quiet_core(store, clock), today=TODAY)
    store.close()
    return db


def copy_store(template: Path, target_dir: Path) -> Path:
    db = target_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{db}{suffix}")
    shutil.copytree(f"{template}.files", f"{db}.files")
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    return copy_store(demo_template, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.combine(TODAY, time(14)))


@pytest.fixture
def core(demo_db: Path, clock: Clock) -> Iterator[Core]:
    engine_core = quiet_core(open_store(demo_db), clock)
    yield engine_core
    engine_core.close()


@pytest.fixture
def as_(core: Core):
    """`as_("moe")` opens a session for a demo actor without re-hashing its password."""

    def open_for(key: str) -> Session:
        return core.org.open_session(core.org.user(LOGINS[key]))

    return open_for


@pytest.fixture
def draft():
    return make_draft
