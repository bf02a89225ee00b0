"""What the hostile-input harness shares between the property test
(tests/e2e/test_hostile_cli.py) and the corpus script (bench/hostile_inputs.py): the CLI's
commands read from its own parser, hostile values, an in-process runner that captures what a
terminal would get, a digest of every table of a store, and the checks every run must pass.

The runner calls `decompte.sdk.cli.main(argv)` (what the console script runs), with stdout
encoded strictly in UTF-8 like a terminal's, the demo password in the environment and no
configuration file; a SystemExit (argparse) counts as that exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import io
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from decompte.sdk.demo import DEMO_PASSWORD

from support import LOGINS

#: The exit codes the README documents (1 is « Erreur interne »: a defect).
DOCUMENTED_EXITS = frozenset({0, 2, 3, 4, 5, 6})

DEMO_IBANS = (
    "FR7630006000011234567890189",
    "FR7610096000307197431584075",
    "FR1420041010050500013M02606",
    "FR7630004000031234567890143",
)
GLOBAL_DESTS = frozenset(
    {"db", "config", "as_login", "for_structure", "password_stdin", "json", "demo", "theme"}
)

# -- the commands, read from the parser ----------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """One argument of a command: a positional (no flag) or an option."""

    dest: str
    flag: str  # "" for a positional
    takes_value: bool
    required: bool
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # ("process",) or ("user", "register")
    args: tuple[Arg, ...] = field(default=())

    @property
    def name(self) -> str:
        return " ".join(self.path)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def commands(parser: argparse.ArgumentParser | None = None) -> list[Command]:
    """Every leaf command of the CLI (plugins' commands included), recursively, with its
    arguments: a new command is covered without touching the harness."""
    if parser is None:
        from decompte.sdk.cli import build_parser
        from decompte.sdk.config import Config
        from decompte.sdk.plugins import PluginHost

        parser = build_parser(PluginHost.load(Config()))
    found: list[Command] = []

    def walk(p: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = _subparsers(p)
        for name, child in subs.items():
            walk(child, (*path, name))
        if subs or not path:
            return
        args = []
        for action in p._actions:
            if isinstance(action, argparse._HelpAction) or action.dest in GLOBAL_DESTS:
                continue
            flag = max(action.option_strings, key=len) if action.option_strings else ""
            args.append(
                Arg(
                    action.dest,
                    flag,
                    action.nargs != 0,
                    bool(action.required) or (not flag and action.nargs is None),
                    tuple(str(c) for c in action.choices or ()),
                )
            )
        found.append(Command(path, tuple(args)))

    walk(parser, ())
    return found


# -- values ----------------------------------------------------------------------------------------

#: Plausible values by argument (dest, or flag without dashes), so that one hostile value among
#: valid ones reaches the code behind the parser.
VALID: dict[str, tuple[str, ...]] = {
    "piece": ("PDM-2026-05", "LEF-2026-11", "EA-2026-02", "#1", "3"),
    "after": ("PDM-2026-05", "LEF-2026-11"),
    "dossier": ("PDM-2026-05", "#1"),
    "number": ("2026-ECO-001", "HX-1"),
    "marche": ("2026-ECO-001", "2026-GYM-002"),
    "identifier": ("55210987800348", "21450123100010", "82345678500125"),
    "login": (LOGINS["clerk"], LOGINS["moe"], "nouveau@exemple.fr"),
    "moa": ("21450123100010",),
    "moe": ("82345678500125",),
    "titulaire": ("55210987800348",),
    "sf": ("13000412000171",),
    "recipient": ("21450123100010",),
    "iban": (DEMO_IBANS[0], "FR7630004000031234567890143"),
    "cadre": ("A4", "A15"),
    "line": ("20:1000,00",),
    "date": ("2026-11-23",),
    "due_date": ("2026-12-23",),
    "issued_from": ("2026-01-01",),
    "issued_to": ("2026-12-31",),
    "start": ("2026-01-01",),
    "end": ("2026-12-31",),
    "code": ("12345678", "SERVICES_TECHNIQUES"),
    "engagement": ("EJ2026000123",),
    "name": ("csv", "fec", "ENTREPRISE TEST"),
    "request_id": ("1",),
    "page": ("1", "2"),
    "per_page": ("10",),
    "limit": ("5",),
    "expect_version": ("1",),
    # no argparse choices: the engine checks the motive against the holder's
    "motive": ("ACHEMINEMENT", "AUTRE_MOTIF", "autre_motif"),
}
#: Where files go: filled by the harness with real paths (a folder, a PDF, a missing folder).
PATH_DESTS = frozenset({"to", "out", "path", "file", "attach"})

CONTROL_AND_BIDI = (
    "\x1b[31mROUGE\x1b[0m",
    "\x1b]0;titre\x07",
    "\x1b[2J\x1b[H",
    "a\rb",
    "a\nb",
    "a\tb",
    "a\x00b",
    "\x08\x08\x08",
    "\x7f",
    "\x9b31m",
    "abc\u202egpj.exe",
    "\u2066isolé\u2069",
    "\u2067\u2068x\u2069",
    "\u200bzero\u200d",
    "\ufeffbom",
    "ligne\u2028séparée",
)
NUMBERS = (
    "#abc",
    "#",
    "#1.5",
    "#-1",
    "#0",
    "#99999999999999999999",
    "99999999999999999999",
    "-1",
    "0",
    "1e400",
    "NaN",
    "inf",
    "1.5",
    "0x10",
    "١٢",
)
AMOUNTS = (
    "20:100000000000000000",
    "20:99999999999999999999999999",
    "20:1e400",
    "20:NaN",
    "20:-5",
    "NaN:100",
    "20:",
    ":",
    "999999999999999999:1",
    "100000000000000000",
    "12345678901234567890123456",
)
DATES = ("9999-12-31", "0000-01-01", "0001-01-01", "2026-02-30", "2026-13-01", "26-1-1", "")
TEXTS = (
    "",
    " ",
    "x" * 5000,
    "é" * 300,
    "'; DROP TABLE pieces; --",
    "' OR '1'='1",
    "%",
    "*",
    "../../../../etc/passwd",
    "/tmp/évasion",
    "FOO",
    "\udcff\udcfe",  # invalid UTF-8 in argv (surrogate escapes)
    "--json",
    "-x",
)
HOSTILE = CONTROL_AND_BIDI + NUMBERS + AMOUNTS + DATES + TEXTS


def path_values(root: Path) -> tuple[str, ...]:
    """Hostile targets for file arguments, made under `root` (a folder, an existing file, a
    missing folder, /dev/null, a directory given as a file)."""
    existing = root / "existing.txt"
    existing.write_text("déjà là")
    return (
        str(root),
        str(existing),
        str(root / "absent" / "deeper" / "x.pdf"),
        "/dev/null",
        "/",
        str(root / ("n" * 300)),
        "",
    )


# -- running -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    argv: list[str]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + "\n" + self.err


@contextlib.contextmanager
def cli_environment(root: Path) -> Iterator[None]:
    """No configuration file, the demo password, files of URL stores under `root`, `root` as the
    working folder (downloads and certificates land there by default)."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.update(
        DECOMPTE_PASSWORD=DEMO_PASSWORD,
        DECOMPTE_CONFIG=str(root / "absent-config.toml"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
    )
    os.environ.pop("DECOMPTE_DB", None)
    os.environ.pop("DECOMPTE_DEBUG", None)
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


@contextlib.contextmanager
def memoized_password_checks() -> Iterator[None]:
    """scrypt costs ~0.15 s per login; the same (password, hash) pair always gives the same
    answer, so the harness remembers it while it runs and fits many more inputs in its time."""
    from decompte.sdk import passwords

    original = passwords.verify_password
    passwords.verify_password = functools.lru_cache(maxsize=256)(original)
    try:
        yield
    finally:
        passwords.verify_password = original


def run_cli(argv: Sequence[str], stdin: str = "") -> Outcome:
    """`decompte ARGV` in this process, with a terminal's strict UTF-8 stdout."""
    from decompte.sdk.cli import main

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(
        err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True
    )
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
            except Exception as exc:  # escaped main(): worse than exit 1
                import traceback

                traceback.print_exc()
                code = -1
                del exc
    finally:
        sys.stdin = saved_stdin
    return Outcome(
        list(argv),
        code,
        out_bytes.getvalue().decode("utf-8", "replace"),
        err_bytes.getvalue().decode("utf-8", "replace"),
    )


# -- the store's rows ------------------------------------------------------------------------------


def digest(target: str) -> str:
    """One hash of every row of every table (SQLite file or PostgreSQL URL)."""
    h = hashlib.sha256()
    if "://" in target:
        import psycopg

        url = target.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1"
                )
            ]
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                h.update(f"{table}:{sorted(map(repr, rows))}".encode())
        return h.hexdigest()
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY 1"
            )
        ]
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            h.update(f"{table}:{sorted(map(repr, rows))}".encode())
    finally:
        conn.close()
    return h.hexdigest()


def secrets_of(target: str) -> tuple[str, ...]:
    """Values that must never appear in an error: password hashes, activation codes."""
    query = "SELECT password_hash, activation_code FROM users"
    if "://" in target:
        import psycopg

        url = target.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(query).fetchall()
    else:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        rows = conn.execute(query).fetchall()
        conn.close()
    return tuple(v for row in rows for v in row if v and len(v) >= 6)


# -- the checks ------------------------------------------------------------------------------------

LEAK_PATTERNS = (
    re.compile(r"SELECT "),
    re.compile(r"INSERT "),
    re.compile(r"UPDATE "),
    re.compile(r"DELETE FROM"),
    re.compile(r"\[parameters:"),
    re.compile(r"\[SQL:"),
    re.compile(r"sqlite3\."),
    re.compile(r"psycopg"),
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"scrypt\$\d+\$"),
    re.compile(r"\$\d+\$\d+\$[A-Za-z0-9+/=]{16,}"),
)


def problems(outcome: Outcome, *, as_json: bool, secrets: Sequence[str] = ()) -> list[str]:
    """What is wrong with one run (empty: nothing). Classes, in French-free short words, so
    the corpus script can group them."""
    found = []
    if outcome.code not in DOCUMENTED_EXITS:
        found.append(f"exit {outcome.code}")
    typed = "\n".join(outcome.argv)
    for pattern in LEAK_PATTERNS:
        if pattern.search(outcome.text) and not pattern.search(typed):
            found.append(f"leak {pattern.pattern}")
    if outcome.code != 0:
        for secret in (*DEMO_IBANS, *secrets):
            if secret in outcome.text and secret not in typed:
                found.append("leak secret")
                break
    if as_json:
        found += json_problems(outcome)
    return found


def json_problems(outcome: Outcome) -> list[str]:
    if outcome.code == 0:
        if outcome.out.strip():
            try:
                json.loads(outcome.out)
            except ValueError:
                return ["json: stdout is not JSON"]
        return []
    try:
        error = json.loads(outcome.err)
    except ValueError:
        return ["json: the error is not one JSON object"]
    if not isinstance(error, dict):
        return ["json: the error is not one JSON object"]
    missing = [k for k in ("exit_code", "message", "field", "hint") if k not in error]
    if missing:
        return [f"json: error without {'/'.join(missing)}"]
    if error["exit_code"] != outcome.code:
        return ["json: exit_code differs from the exit status"]
    return []
