"""Reads never write: no command but `sweep` runs the deadline sweep (reads and writes
alike), and a store that cannot be written (a read-only file in a read-only folder) is
consulted as it is, while a write, the sweep included, is refused with a named French error."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import LOGINS

# Two demo pieces wait at a validator since 18 and 19/11/2026: their 15 days have run out.
WAITING = "LEF-2026-11"


def run(db: Path, *args: str, login: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DECOMPTE_PASSWORD": "Decompte-Demo-2026",
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",
    }
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS[login]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=60)


def state_of(db: Path, number: str) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT state FROM pieces WHERE number = ?", (number,)).fetchone()[0]


def test_only_the_sweep_applies_the_deadlines(demo_db):
    before = state_of(demo_db, WAITING)
    assert before == "MISE_A_DISPOSITION_PREMIER_VALIDEUR"
    for command in (["synthese"], ["show", WAITING], ["stock"], ["history", WAITING]):
        assert run(demo_db, "--today", "2026-12-20", *command, login="titulaire").returncode == 0
    take = run(demo_db, "--today", "2026-12-20", "process", "take", "PDM-2026-03", login="moe")
    assert take.returncode == 0, take.stderr
    assert state_of(demo_db, WAITING) == before
    swept = run(demo_db, "--today", "2026-12-20", "--json", "sweep")
    assert swept.returncode == 0 and WAITING in {c["piece"] for c in json.loads(swept.stdout)}
    assert state_of(demo_db, WAITING) == "VALIDATION_1_HORS_DELAI"


@pytest.fixture
def read_only_db(demo_template: Path, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "demo.db"
    shutil.copy(demo_template, db)  # closed cleanly: no -wal left beside it
    shutil.copytree(f"{demo_template}.files", f"{db}.files")
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield db
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


def test_a_read_only_store_is_consulted_and_refuses_writes_by_name(read_only_db):
    folder = read_only_db.parent
    listing = sorted(p.name for p in folder.iterdir())
    digest = hashlib.sha256(read_only_db.read_bytes()).hexdigest()
    assert not folder.stat().st_mode & stat.S_IWUSR

    synthese = run(read_only_db, "--json", "synthese", login="moe")
    assert synthese.returncode == 0, synthese.stderr
    assert json.loads(synthese.stdout)["total"] >= 1
    show = run(read_only_db, "show", "PDM-2026-03", login="moe")
    assert show.returncode == 0, show.stderr
    assert "Mise à disposition de la MOE" in show.stdout
    assert run(read_only_db, "states").returncode == 0

    take = run(read_only_db, "process", "take", "PDM-2026-03", login="moe")
    assert take.returncode == 4
    assert "lecture seule" in take.stderr and "Erreur interne" not in take.stderr
    refused = run(read_only_db, "--json", "process", "take", "PDM-2026-03", login="moe")
    assert json.loads(refused.stderr)["field"] == "db"

    sweep = run(read_only_db, "--json", "sweep")
    assert sweep.returncode == 4 and json.loads(sweep.stderr)["field"] == "db"
    assert "lecture seule" in json.loads(sweep.stderr)["message"]

    assert sorted(p.name for p in folder.iterdir()) == listing  # no -wal, no -shm
    assert hashlib.sha256(read_only_db.read_bytes()).hexdigest() == digest
