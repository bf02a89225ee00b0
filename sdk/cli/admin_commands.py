"""CLI commands for the store itself: init (with the demo world), config, and the app."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..config import config_path
from ..errors import Conflict, UsageError
from ..late_payment import LatePaymentConfig
from ..text_safety import printable
from .context import Context
from .output import fields


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="créer la base (et le monde de démonstration)")
    p.add_argument("--demo", action="store_true", dest="with_demo")
    p.add_argument("--force", action="store_true", help="effacer la base existante d'abord")
    p.set_defaults(func=init)
    p = sub.add_parser("config", help="emplacement et contenu de la configuration")
    p.set_defaults(func=show_config)


def remove_sqlite(target: str) -> None:
    """Delete a SQLite store with its WAL files and its file store; anything else named by
    `--db` (a folder, a device, a text file) is refused, never deleted."""
    if "://" in target:
        return
    db = Path(target)
    if db.exists() and not _is_sqlite(db):
        raise UsageError(
            f"--force n'efface qu'une base SQLite : {printable(str(db))} n'en est pas une",
            field="--db",
            hint="indiquez le fichier d'une base Decompte, ou un fichier absent",
        )
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    except OSError:
        raise UsageError(
            f"La base ne peut être effacée : {printable(str(db))}",
            field="--db",
            hint="vérifiez vos droits d'écriture sur le fichier et son dossier",
        ) from None
    shutil.rmtree(Path(f"{db}.files"), ignore_errors=True)


def _is_sqlite(path: Path) -> bool:
    """A regular file that is empty or starts with SQLite's header."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    if head == b"":
        return True
    if head != b"SQLite format 3\x00":
        return False
    try:  # another program's database is not ours to delete; a damaged one of ours may be
        with closing(sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError:
        return True
    return not tables or "alembic_version" in tables


def init(ctx: Context) -> int:
    from ..core import Core
    from ..store import open_store

    target = ctx.db_target
    if ctx.args.force:
        remove_sqlite(target)
    store = open_store(target)
    if ctx.args.with_demo:
        from sqlalchemy import func, select

        from ..demo import build_demo
        from ..store.schema import users

        with store.read() as conn:
            if conn.execute(select(func.count()).select_from(users)).scalar():
                raise Conflict(
                    "La base contient déjà des données",
                    field="--db",
                    hint="ajoutez --force pour repartir d'une base neuve",
                )
        result = build_demo(lambda clock: Core(store, ctx.config, clock), today=ctx.clock().date())
        users_list = result["users"]
        assert isinstance(users_list, dict)
        ctx.emit(
            {"db": target, **result},
            f"Base de démonstration créée : {target}\n"
            f"Mot de passe de tous les comptes : {result['password']}\n"
            + fields([(k, v) for k, v in users_list.items()]),
        )
    else:
        ctx.emit({"db": target}, f"Base prête : {target}")
    store.close()
    return 0


def show_config(ctx: Context) -> int:
    cfg = ctx.config
    late = cfg.late_payment
    ctx.emit(
        {
            "path": str(cfg.path or config_path()),
            "db": ctx.db_target,
            "qualification": cfg.qualification,
            "deadlines": cfg.deadlines,
            "late_payment": cfg.late_payment,
            "disabled_plugins": cfg.disabled_plugins,
        },
        fields(
            [
                ("Fichier", cfg.path or config_path()),
                ("Base", ctx.db_target),
                ("Mode qualification", cfg.qualification),
                ("Délai MOE (j)", cfg.deadlines.moe_days),
                ("Délai valideur (j)", cfg.deadlines.validator_days),
                ("Délai de paiement (j)", cfg.deadlines.payment_days),
                ("Procédure tacite : A22 après (j)", cfg.deadlines.tacit_a22_days),
                ("Procédure tacite : A23 après (j)", cfg.deadlines.tacit_a23_days),
                ("Dernier taux BCE connu", _last_rate(late)),
            ]
        ),
    )
    return 0


def _last_rate(late: LatePaymentConfig) -> str:
    """« 2,15 % depuis le 11/06/2025 (+ 8 points) »: the rate table's last row."""
    last = max(late.ecb_rates, key=lambda r: r.start, default=None)
    if last is None:
        return ""
    text = f"{last.rate:f} % depuis le {last.start:%d/%m/%Y} (+ {late.margin:f} points)"
    return text.replace(".", ",")
