"""A demo store on SQLite and on PostgreSQL, built once per test module, for the tests that
must behave the same on both engines (typed values, damaged rows). PostgreSQL is skipped when
no server answers (DECOMPTE_TEST_PG_URL, default 127.0.0.1:5432 db `test`)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from decompte.sdk.core import Core
from decompte.sdk.demo import build_demo
from decompte.sdk.store import open_store
from decompte.sdk.store.schema import metadata

from support import TODAY, Clock, quiet_core

SERVER = os.environ.get("DECOMPTE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_database() -> Iterator[str]:
    """A scratch PostgreSQL database's URL, dropped afterwards (skips when out of reach)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL injoignable : {exc}")
    name = f"decompte_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _copy(template: Path, folder: Path) -> Path:
    """The session's demo SQLite store copied into `folder` (with its WAL and files)."""
    db = folder / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", f"{db}{suffix}")
    shutil.copytree(f"{template}.files", f"{db}.files")
    return db


def demo_core(kind: str, folder: Path, template: Path) -> Iterator[Core]:
    """A Core over a fresh demo store of `kind` ("sqlite" copies the session's template)."""
    clock = Clock(datetime.combine(TODAY, time(14)))
    if kind == "sqlite":
        store = open_store(_copy(template, folder))
        core = quiet_core(store, clock)
        yield core
        core.close()
        return
    for url in pg_database():
        store = open_store(url, files_dir=folder / "files")
        build_demo(lambda c, store=store: quiet_core(store, c), today=TODAY)
        core = quiet_core(store, clock)
        try:
            yield core
        finally:
            core.close()


def row_counts(core: Any) -> dict[str, int]:
    """How many rows each table holds: a refused write must leave every count as it was."""
    with core.store.read() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }
