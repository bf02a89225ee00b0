"""Open the database: SQLite (WAL) by default, any SQLAlchemy URL otherwise.

Alembic is imported only when the schema must be created or migrated; the cheap path reads
`alembic_version` and compares it with `HEAD_REVISION`.

A SQLite file that cannot be written (no write permission on it or on its folder, e.g. an
archived copy made read-only) is opened read-only: reading works, nothing is written at open
(no journal-mode change, no migration), and a write is refused with `ReadOnlyStore`.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..errors import NotAuthorised

HEAD_REVISION = "0001_initial"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(target: str | Path) -> str:
    """Accept a SQLAlchemy URL or a file path (SQLite)."""
    text_target = str(target)
    if "://" in text_target:
        return text_target
    return f"sqlite:///{Path(text_target).expanduser().resolve()}"


class ReadOnlyStore(NotAuthorised):
    """A write asked of a store opened read-only."""


def read_only_error(where: str = "") -> ReadOnlyStore:
    return ReadOnlyStore(
        "La base est ouverte en lecture seule : rien ne peut y être enregistré"
        + (f" ({where})" if where else ""),
        field="db",
        hint="le fichier de la base ou son dossier n'est pas accessible en écriture : "
        "consultez-la telle quelle, ou demandez les droits d'écriture pour agir",
    )


def _writable(path: Path) -> bool:
    """Whether we may write `path`: permission bits (even for root, who bypasses them: a
    file made read-only on purpose stays read-only) and access rights."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(path, os.W_OK)


def _read_only_url(url: str) -> str | None:
    """The read-only URI of an existing SQLite file we cannot write, else None. In a folder
    we cannot write either, the file is opened immutable (no -shm / -wal to create), unless
    a WAL file holds transactions not yet copied into it."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///file:"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file() or (_writable(path) and _writable(path.parent)):
        return None
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    immutable = "" if _writable(path.parent) or pending else "&immutable=1"
    return f"sqlite:///file:{quote(str(path))}?mode=ro{immutable}&uri=true"


def is_read_only(engine: Engine) -> bool:
    """Whether `create` opened this store read-only."""
    return engine.url.query.get("mode") == "ro"


def create(url: str, *, sqlite_cache_kib: int | None = None) -> Engine:
    """`sqlite_cache_kib` caps each SQLite connection's page cache (SQLite's default is
    2 MiB); the file's pages stay in the system's cache anyway. A SQLite file we cannot
    write is opened read-only."""
    if url.startswith("sqlite"):
        read_only = _read_only_url(url)
        engine = create_engine(
            read_only or url, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _tune_sqlite(engine, sqlite_cache_kib, read_only=read_only is not None)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _tune_sqlite(engine: Engine, cache_kib: int | None, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not read_only:  # a read-only file keeps the journal mode it has
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if cache_kib:
            cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Writers take the lock up front so that racing writers queue instead of deadlocking.
        if conn.get_execution_options().get("write"):
            if read_only:
                raise read_only_error()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def schema_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def ensure_schema(engine: Engine) -> bool:
    """Create or migrate the schema if needed; returns True when Alembic ran."""
    if schema_revision(engine) == HEAD_REVISION:
        return False
    if is_read_only(engine):
        raise read_only_error("sa structure doit d'abord être mise à jour")
    upgrade(engine)
    return True


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
