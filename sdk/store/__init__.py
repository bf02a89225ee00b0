"""Persistence behind one object: a SQLAlchemy engine plus a content-addressed file store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine

from .engine import database_url, open_engine
from .files import FileStore


class Store:
    def __init__(self, engine: Engine, files: FileStore) -> None:
        self.engine = engine
        self.files = files

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE)."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def files_dir_for(url: str) -> Path:
    if url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".files")
    from platformdirs import user_data_dir

    return Path(user_data_dir("decompte")) / "files"


def open_store(
    target: str | Path,
    *,
    files_dir: Path | None = None,
    migrate: bool = True,
    sqlite_cache_kib: int | None = None,
) -> Store:
    """Open (and create or migrate when needed) the store at a path or SQLAlchemy URL;
    `sqlite_cache_kib` caps each SQLite connection's page cache (a lean interactive app)."""
    url = database_url(target)
    engine = open_engine(url, sqlite_cache_kib=sqlite_cache_kib, migrate=migrate)
    return Store(engine, FileStore(files_dir or files_dir_for(url)))
