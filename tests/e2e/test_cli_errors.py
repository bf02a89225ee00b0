"""Bad input at the command line: every case is a named error (exit 2–6), in French, with the
argument in `field`; with `--json` one JSON object; nothing written. Run in-process
(`decompte.sdk.cli.main`) for speed; invalid UTF-8 goes through a real subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from decompte.sdk.cli import main

from support import LOGINS

PASSWORD = "Decompte-Demo-2026"
ERROR_KEYS = {"exit_code", "error", "message", "field", "hint"}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("DECOMPTE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("DECOMPTE_PASSWORD", PASSWORD)
    monkeypatch.setenv("DECOMPTE_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("DECOMPTE_DEBUG", raising=False)


def counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("pieces", "events", "structures", "users")
        )


def run_json(capsys, argv: list[str]) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert out == ""
    data = json.loads(err)  # exactly one JSON object, nothing around it
    assert set(data) >= ERROR_KEYS
    assert data["exit_code"] == code
    return code, data


BAD_VALUES = [
    (["show", "#abc"], "pièce", "référence illisible"),
    (["show", "#"], "pièce", "référence illisible"),
    (["show", "#1.5"], "pièce", "référence illisible"),
    (["show", "#-3"], "pièce", "référence illisible"),
    (["show", "#0"], "pièce", "référence illisible"),
    (["history", "#99999999999999999999"], "pièce", "référence illisible"),
    (["download", "#9223372036854775808"], "pièce", "référence illisible"),
    (["dossier", "#abc"], "dossier", "référence illisible"),
    (["dossier", "#99999999999999999999"], "dossier", "référence illisible"),
    (["synthese", "--page", "99999999999999999999"], "--page", "nombre entier"),
    (["synthese", "--page", "1000001"], "--page", "hors des bornes"),
    (["synthese", "--page", "-3"], "--page", "hors des bornes"),
    (["search", "--per-page", "0"], "--per-page", "hors des bornes"),
    (["search", "--per-page", "1e3"], "--per-page", "nombre entier"),
    (["search", "--page", "²"], "--page", "nombre entier"),
    (["structure", "search", "--limit", "-1"], "--limit", "hors des bornes"),
    (["attach", "accept", "#1"], "request_id", "nombre entier"),
    (["attach", "accept", "99999999999999999999"], "request_id", "nombre entier"),
    (["process", "take", "X", "--expect-version", "-1"], "--expect-version", "hors des bornes"),
    (["fiscal", "--from", "2026-01-01", "--to", "9999-12-31"], "--to", "hors des bornes"),
    (["fiscal", "--from", "0001-01-01", "--to", "2026-01-01"], "--from", "hors des bornes"),
    (["search", "--from", "2026-02-30"], "--from", "date illisible"),
    (["export", "csv", "--to", "31/12/2026"], "--to", "date illisible"),
    (["deposit", "--date", "demain"], "--date", "date illisible"),
    (["file", "inspect", ""], "path", "chemin vide"),
    (["show", "\udcff\udcfe"], "argument 6", "UTF-8"),
    (["search", "--number", "A\udce9"], "--number", "UTF-8"),
]


@pytest.mark.parametrize(("argv", "field", "words"), BAD_VALUES)
def test_bad_values_are_named_usage_errors(demo_db, capsys, argv, field, words):
    before = counts(demo_db)
    code, data = run_json(capsys, ["--db", str(demo_db), "--as", LOGINS["moe"], *argv])
    assert code == 2, data
    assert data["error"] == "UsageError"
    assert data["field"] == field
    assert words in data["message"]
    assert counts(demo_db) == before


USAGE = [
    (["search", "--role", "XX"], "--role", ["Choix invalide", "FOURNISSEUR", "MOA"]),
    (["nimporte"], "COMMANDE", ["Choix invalide", "synthese"]),
    (["fiscal"], "--from", ["Arguments requis", "--to"]),
    (["synthese", "--bogus"], "--bogus", ["Argument non reconnu"]),
    (["synthese", "--page"], "--page", ["Valeur attendue"]),
    (["process"], "", ["requis"]),
    (["file"], "", ["requis"]),
    ([], "commande", ["Aucune commande"]),
]


@pytest.mark.parametrize(("argv", "field", "words"), USAGE)
def test_usage_errors_in_french_and_json(demo_db, capsys, argv, field, words):
    code, data = run_json(capsys, ["--db", str(demo_db), *argv])
    assert code == 2
    if field:
        assert data["field"] == field
    for word in words:
        assert word in data["message"]
    for english in ("invalid choice", "required", "unrecognized", "expected", "usage"):
        assert english not in data["message"] + data["hint"]


def test_usage_error_without_json_is_one_french_line(demo_db, capsys):
    assert main(["--db", str(demo_db), "search", "--role", "XX"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Erreur : --role: Choix invalide")
    assert len(err.splitlines()) == 1


def test_help_is_french(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fiscal", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for french in (
        "utilisation :",
        "options",
        "afficher cette aide et quitter",
        "options globales",
    ):
        assert french in text
    for english in ("usage:", "show this help", "positional arguments"):
        assert english not in text


ANYWHERE = [
    ["plugins", "--json"],
    ["--json", "plugins"],
    ["cadres", "--role", "MOE", "--json"],
    ["structure", "search", "--name", "*", "--json", "--as", LOGINS["moe"]],
    ["synthese", "--as", LOGINS["moe"], "--json", "--password-stdin"],
    ["webhooks-journal", "--as", LOGINS["moe"], "--json"],  # a plugin's command
]


@pytest.mark.parametrize("argv", ANYWHERE)
def test_global_options_after_the_command_at_any_depth(demo_db, capsys, monkeypatch, argv):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main([*argv, "--db", str(demo_db)]) == 0, capsys.readouterr().err
    assert isinstance(json.loads(capsys.readouterr().out), dict | list)


def test_every_command_at_every_depth_accepts_the_global_options():
    import argparse

    from decompte.sdk.cli import GLOBALS, build_parser
    from decompte.sdk.config import Config
    from decompte.sdk.plugins import PluginHost

    def leaves(parser, path):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield " ".join(path), parser
        for sub in subs:
            for name, child in sub.choices.items():
                yield from leaves(child, [*path, name])

    found = dict(leaves(build_parser(PluginHost.load(Config())), []))
    assert {"plugins", "structure search", "file inspect", "webhooks-journal"} <= set(found)
    for name, parser in found.items():
        for flags, _ in GLOBALS:
            assert flags[0] in parser._option_string_actions, (name, flags)


def test_init_demo_with_db_after_the_command(tmp_path, capsys):
    db = tmp_path / "new.db"
    assert main(["init", "--demo", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["db"] == str(db)
    assert counts(db)[3] > 0


@pytest.mark.parametrize("kind", ["text", "folder", "device", "foreign"])
def test_init_force_deletes_only_a_decompte_store(tmp_path, capsys, kind):
    target = {"text": tmp_path / "notes.txt", "folder": tmp_path, "device": Path(os.devnull)}.get(
        kind
    ) or Path(_foreign(tmp_path))
    if kind == "text":
        target.write_text("à garder")
    code, data = run_json(capsys, ["init", "--force", "--db", str(target)])
    assert code == 2 and data["field"] == "--db"
    assert target.exists()
    if kind == "text":
        assert target.read_text() == "à garder"


def _newer(demo_db: Path) -> str:
    conn = sqlite3.connect(demo_db)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return str(demo_db)


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name)


def _foreign(tmp_path: Path) -> str:
    path = tmp_path / "autre.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE favoris (url TEXT)")
    return str(path)


STORES = [
    ("foreign", lambda db, tmp: _foreign(tmp), "autre programme"),
    ("folder", lambda db, tmp: str(tmp), "dossier"),
    ("name-too-long", lambda db, tmp: str(tmp / ("n" * 300)), "ne peut pas être lu"),
    ("random", lambda db, tmp: _file(tmp, "r.bin", os.urandom(4096)), "pas une base"),
    ("text", lambda db, tmp: _file(tmp, "t.txt", b"bonjour\n" * 200), "pas une base"),
    ("devnull", lambda db, tmp: os.devnull, "fichier ordinaire"),
    ("truncated", lambda db, tmp: _file(tmp, "c.db", db.read_bytes()[:8192]), "endommagée"),
    ("newer", lambda db, tmp: _newer(db), "version plus récente"),
    ("scheme", lambda db, tmp: "foo://u:SECRET-PW@h/x", "Type de base inconnu"),
    ("malformed", lambda db, tmp: "://", "Type de base inconnu"),
    ("driver", lambda db, tmp: "mysql://u:SECRET-PW@h/x", "Type de base inconnu"),
    ("pg-down", lambda db, tmp: "postgresql://u:SECRET-PW@127.0.0.1:1/x", "injoignable"),
]


def _bytes_if_file(where: str) -> bytes | None:
    try:
        return Path(where).read_bytes() if Path(where).is_file() else None
    except OSError:  # a name too long to look at
        return None


@pytest.mark.parametrize(("case", "target", "words"), STORES, ids=[s[0] for s in STORES])
def test_stores_that_cannot_be_opened_are_named(demo_db, tmp_path, capsys, case, target, words):
    where = target(demo_db, tmp_path)
    before = _bytes_if_file(where)
    code, data = run_json(capsys, ["stock", "--db", where, "--as", LOGINS["moe"]])
    assert code == 2 and data["error"] == "StoreUnavailable", data
    assert data["field"] == "--db" and words in data["message"] and data["hint"]
    text = json.dumps(data)
    assert "SECRET-PW" not in text and "SELECT" not in text and "sqlite3" not in text
    if before is not None:
        assert Path(where).read_bytes() == before


def test_internal_error_shows_an_incident_never_the_detail(demo_db, capsys, monkeypatch, tmp_path):
    from decompte.sdk.cli import table_commands

    def crash(ctx):
        raise RuntimeError("INSERT INTO users VALUES ('scrypt$secret-hash', 'FR7630006')")

    monkeypatch.setattr(table_commands, "sweep", crash)
    assert main(["--db", str(demo_db), "sweep"]) == 1
    err = capsys.readouterr().err
    assert "Erreur interne (incident " in err and "secret-hash" not in err and "INSERT" not in err
    log = tmp_path / "logs" / "incidents.log"
    assert "secret-hash" in log.read_text() and "Traceback" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600
    assert log.parent.stat().st_mode & 0o777 == 0o700
    incident = err.split("incident ")[1][:6]
    assert incident in log.read_text()
    code, data = run_json(capsys, ["--db", str(demo_db), "sweep"])
    assert code == 1 and data["error"] == "InternalError" and data["incident"]
    assert "secret-hash" not in json.dumps(data)


def test_invalid_utf8_bytes_in_argv_through_a_real_process(demo_db):
    env = {**os.environ, "DECOMPTE_CONFIG": os.devnull + ".absent.toml"}
    out = subprocess.run(
        [sys.executable, "-m", "decompte.sdk.cli", "--db", str(demo_db), "show", b"\xff\xfe#1"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2
    assert "UTF-8" in out.stderr.decode() and "Traceback" not in out.stderr.decode()


@pytest.mark.parametrize("locale", ["C.UTF-8", "fr_FR.UTF-8"])
def test_password_that_is_not_utf8_is_named(demo_db, monkeypatch, locale):
    monkeypatch.delenv("DECOMPTE_PASSWORD")
    env = {**os.environ, "DECOMPTE_CONFIG": os.devnull + ".absent.toml", "LC_ALL": locale}
    argv = ["synthese", "--as", LOGINS["moe"], "--password-stdin", "--json"]
    out = subprocess.run(
        [sys.executable, "-m", "decompte.sdk.cli", "--db", str(demo_db), *argv],
        capture_output=True,
        env=env,
        input=b"\xff\xfe\n",
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert json.loads(out.stderr)["field"] in {"entrée standard", "password"}


def test_store_is_private_whatever_the_umask(tmp_path):
    from decompte.sdk.store import open_store

    old = os.umask(0)
    try:
        store = open_store(tmp_path / "a" / "b" / "s.db")
        with store.write() as conn:
            conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
        store.files.put(b"contenu")
        with store.engine.connect() as conn:  # keep -wal and -shm alive while we look
            conn.exec_driver_sql("SELECT 1")
            made = [tmp_path / "a", tmp_path / "a" / "b", *(tmp_path / "a" / "b").rglob("*")]
            modes = {p.name: p.stat().st_mode & 0o777 for p in made}
        store.close()
    finally:
        os.umask(old)
    assert {"s.db", "s.db-wal", "s.db-shm", "s.db.files"} <= set(modes)
    for name, mode in modes.items():
        is_dir = (name in {"a", "b", "s.db.files"}) or len(name) == 2
        assert mode == (0o700 if is_dir else 0o600), (name, oct(mode))


def test_date_arithmetic_stays_in_the_calendar():
    from datetime import date

    from decompte.sdk.deadlines import add_days

    assert add_days(date(9999, 12, 31), 1) == date.max
    assert add_days(date(1, 1, 1), -1) == date.min
    assert add_days(date(2026, 2, 28), 1) == date(2026, 3, 1)


def test_read_only_postgresql_refuses_writes_by_name(tmp_path, capsys):
    psycopg = pytest.importorskip("psycopg")
    import uuid

    server = os.environ.get("DECOMPTE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL injoignable")
    name = f"decompte_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        assert main(["init", "--db", f"{base}/{name}"]) == 0
        capsys.readouterr()
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        code, data = run_json(capsys, ["init", "--demo", "--db", f"{base}/{name}"])
        assert code == 4 and data["field"] == "db", data
        assert "INSERT" not in json.dumps(data)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_unknown_choices_are_named_with_the_allowed_values(demo_db, tmp_path, capsys):
    """An enumerated value the product does not know is refused by name, never stored as is
    (an unknown attachment type) nor answered by an empty table (an unknown role)."""
    from decompte.sdk.demo import demo_pdf

    code, data = run_json(capsys, ["--db", str(demo_db), "cadres", "--role", "FOO"])
    assert (code, data["field"]) == (2, "--role")
    assert "MOE (Maîtrise d'œuvre)" in data["hint"]
    pdf = tmp_path / "piece.pdf"
    pdf.write_bytes(demo_pdf("piece", ["test"]))
    capsys.readouterr()
    before = counts(demo_db)
    argv = ["--db", str(demo_db), "--as", LOGINS["titulaire"], "deposit", "--cadre", "A4"]
    argv += ["--number", "HX-1", "--date", "2026-11-20", "--marche", "2026-ECO-001"]
    argv += ["--line", "20:1000,00", "--engagement", "EJ2026000123", "--file", str(pdf)]
    argv += ["--attach", f"{pdf}:FOO:désignation", "--confirm"]
    code, data = run_json(capsys, argv)
    assert (code, data["field"]) == (2, "attachments[0].kind")
    assert "PROCES_VERBAL (Procès-verbal)" in data["hint"]
    assert counts(demo_db) == before
