"""Open the database: SQLite (WAL) by default, any SQLAlchemy URL otherwise.

Alembic is imported only when the schema must be created or migrated; the cheap path reads
`alembic_version` and compares it with `HEAD_REVISION`.

A SQLite file that cannot be written (no write permission on it or on its folder, e.g. an
archived copy made read-only) is opened read-only: reading works, nothing is written at open
(no journal-mode change, no migration), and a write is refused with `ReadOnlyStore`.

Whatever goes wrong at the door is named (`StoreUnavailable`, exit 2): a folder, a file that
is not a Decompte store, a damaged file, an unknown kind of URL, a server out of reach, a
store migrated by a newer version. Database errors are translated from their codes, never
from their text, which carries SQL, bound values and passwords. A new SQLite store is
created 0600 in folders created 0700 (its -wal and -shm take the file's rights).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import (
    ArgumentError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from ..errors import NotAuthorised, UsageError
from ..private_paths import private_file
from ..text_safety import printable

HEAD_REVISION = "0002_deadline_notices"
MIGRATIONS = Path(__file__).with_name("migrations")
#: The revisions this version knows: a store at any other was migrated by a newer one.
KNOWN_REVISIONS = frozenset(p.stem for p in (MIGRATIONS / "versions").glob("*.py"))


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


class StoreUnavailable(UsageError):
    """The store named by --db (or the configuration) cannot be opened as a Decompte store."""


def describe_target(url: str) -> str:
    """The store as it may be shown: its path, or its URL without the password."""
    if url.startswith("sqlite:///"):
        return printable(url.removeprefix("sqlite:///"))
    try:
        return printable(make_url(url).render_as_string(hide_password=True))
    except ArgumentError:
        return "(adresse illisible)"


def unavailable(url: str, what: str, hint: str) -> StoreUnavailable:
    return StoreUnavailable(f"{what} : {describe_target(url)}", field="--db", hint=hint)


NOT_A_STORE = (
    "indiquez le fichier d'une base Decompte, ou un fichier absent pour en créer une "
    "(decompte init --db FICHIER)"
)
DAMAGED = "restaurez la base depuis une sauvegarde, ou indiquez une autre base avec --db"
SERVER = (
    "vérifiez l'adresse, le port, l'utilisateur et que le serveur est démarré ; "
    "le détail n'est pas affiché car il peut contenir le mot de passe"
)


def prepare_path(url: str) -> None:
    """A SQLite path must be a regular file or absent (then created private)."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///file:"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    try:
        mode: int | None = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError:  # a name too long, a folder that cannot be crossed, a loop of links
        raise unavailable(
            url,
            "Ce chemin ne peut pas être lu",
            "vérifiez le chemin : des noms de 255 caractères au plus, des dossiers accessibles",
        ) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise unavailable(url, "Ce chemin est un dossier, pas une base", NOT_A_STORE)
    if mode is not None and not stat.S_ISREG(mode):
        raise unavailable(url, "Ce chemin n'est pas un fichier ordinaire", NOT_A_STORE)
    if mode is not None:
        _check_before_writing(url, path)
        return
    try:
        private_file(path)
    except OSError:
        raise unavailable(
            url,
            "Impossible de créer la base",
            "vérifiez que le dossier existe ou peut être créé, et qu'il est accessible en écriture",
        ) from None


def _check_before_writing(url: str, path: Path) -> None:
    """Look at an existing file read-only before the first connection writes to it (WAL
    mode, migrations): another program's database, or a file that is not one, is refused
    untouched. A file this look cannot open is left to the ordinary path."""
    if path.stat().st_size == 0 or not (_writable(path) and _writable(path.parent)):
        return  # empty, or opened read-only anyway: nothing will be written to it
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if primary in (11, 26):
            hint = NOT_A_STORE if primary == 26 else DAMAGED
            raise unavailable(url, _SQLITE_CODES[primary], hint) from None
        return
    if tables and "alembic_version" not in tables:
        raise unavailable(url, "Cette base appartient à un autre programme", NOT_A_STORE)


#: SQLite's primary result codes, as the user must hear them.
_SQLITE_CODES = {
    26: "Ce fichier n'est pas une base Decompte",  # SQLITE_NOTADB
    11: "La base est endommagée",  # SQLITE_CORRUPT
    10: "La base ne peut être lue (erreur d'entrée-sortie)",  # SQLITE_IOERR
    14: "La base ne peut être ouverte",  # SQLITE_CANTOPEN
    13: "Le disque de la base est plein",  # SQLITE_FULL
}
#: SQLSTATEs that mean "you may not write here".
_READ_ONLY_STATES = {"25006", "42501"}


def _translate(context: ExceptionContext) -> None:
    """SQLAlchemy's `handle_error` hook: a database error we can name becomes a named error
    (raised from here, in place of the driver's text); any other stays a bug."""
    original = context.original_exception
    url = str(context.engine.url) if context.engine is not None else ""
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF
        if primary == 8:  # SQLITE_READONLY
            raise read_only_error() from None
        if primary in _SQLITE_CODES:
            hint = NOT_A_STORE if primary == 26 else DAMAGED
            raise unavailable(url, _SQLITE_CODES[primary], hint) from None
        return
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state in _READ_ONLY_STATES:
        raise read_only_error() from None


def open_engine(url: str, *, sqlite_cache_kib: int | None = None, migrate: bool = True) -> Engine:
    """`create` and `ensure_schema`, every failure at the door named."""
    prepare_path(url)
    try:
        engine = create(url, sqlite_cache_kib=sqlite_cache_kib)
    except (NoSuchModuleError, ArgumentError, ImportError):
        raise unavailable(
            url,
            "Type de base inconnu",
            "un fichier SQLite, ou une URL postgresql://utilisateur@hôte/base",
        ) from None
    try:
        if migrate:
            ensure_schema(engine)
        else:
            engine.connect().close()
    except StoreUnavailable:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:  # never its text: SQL, values, password
        engine.dispose()
        if url.startswith("sqlite"):
            raise unavailable(url, "Ce fichier n'est pas une base Decompte", NOT_A_STORE) from None
        if isinstance(exc, OperationalError):
            raise unavailable(url, "Base injoignable", SERVER) from None
        raise unavailable(url, "Cette base n'est pas une base Decompte", NOT_A_STORE) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


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
    else:
        timeout = {"connect_timeout": 10} if url.startswith("postgresql") else {}
        engine = create_engine(url, pool_pre_ping=True, connect_args=timeout)
    event.listen(engine, "handle_error", _translate)
    return engine


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
    revision = schema_revision(engine)
    if revision == HEAD_REVISION:
        return False
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreUnavailable(
            "Cette base a été mise à jour par une version plus récente de Decompte",
            field="--db",
            hint="installez la version de Decompte qui l'a mise à jour, ou une plus récente",
        )
    if revision is None and inspect(engine).get_table_names():
        raise unavailable(
            str(engine.url), "Cette base appartient à un autre programme", NOT_A_STORE
        )
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
