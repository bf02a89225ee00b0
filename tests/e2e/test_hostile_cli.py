"""Every CLI command, read from the parser itself, driven with generated hostile values in every
argument (controls, ESC sequences, bidi overrides, NUL, malformed and huge numbers and amounts,
impossible dates, awkward paths, over-long and SQL-looking text, invalid UTF-8), with and
without --json, as each demo role and anonymously, on SQLite and on PostgreSQL.

Each run must end with a documented exit code (0, 2–6; 1 is an internal error), give JSON when
asked (an error: one object with exit_code, message, field, hint), show no SQL, traceback,
password hash, IBAN or activation code, and leave the store as it was when it refuses.

The CLI runs in this process through `decompte.sdk.cli.main` (what the console script runs);
a small sample runs again in subprocesses with real invalid UTF-8 bytes in argv. One demo
store per engine is shared: it is restored from its snapshot only after a run that wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from decompte.sdk.demo import DEMO_PASSWORD, demo_pdf

import hostile_cli as H
from support import LOGINS

PG_SERVER = os.environ.get("DECOMPTE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
COMMANDS = H.commands()
ROLE_LOGINS = tuple(
    LOGINS[k] for k in ("titulaire", "cotraitant", "soustraitant", "moe", "moa", "sf", "clerk")
)

# -- one demo store per engine, restored after a run that wrote ---------------------------------


@dataclass
class Store:
    engine: str
    target: str  # what --db receives
    root: Path  # scratch folder: working folder of the runs, hostile paths
    secrets: tuple[str, ...]
    clean: str  # digest of the snapshot
    snapshot: Path | str  # SQLite: a copy of the file; PostgreSQL: a template database

    def restore(self) -> None:
        if self.engine == "sqlite":
            db = Path(self.target)
            db.parent.mkdir(exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
                if Path(f"{self.snapshot}{suffix}").exists():
                    shutil.copy(f"{self.snapshot}{suffix}", f"{db}{suffix}")
            shutil.rmtree(f"{db}.files", ignore_errors=True)
            shutil.copytree(f"{self.snapshot}.files", f"{db}.files")
        else:
            import psycopg

            name = self.target.rsplit("/", 1)[1]
            with psycopg.connect(PG_SERVER, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.snapshot}"')


def _build(target: str) -> None:
    """The demo world, swept up to today as a daily cron job would leave it."""
    for argv in (["--db", target, "init", "--demo"], ["--db", target, "sweep"]):
        outcome = H.run_cli(argv)
        assert outcome.code == 0, outcome.err


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("hostile")
    with H.memoized_password_checks(), H.cli_environment(root):
        yield root


@pytest.fixture(scope="module")
def sqlite_store(scratch: Path) -> Store:
    snapshot = scratch / "snapshot" / "demo.db"
    snapshot.parent.mkdir()
    _build(str(snapshot))
    store = Store("sqlite", str(scratch / "work" / "demo.db"), scratch, (), "", snapshot)
    store.restore()
    store.secrets = H.secrets_of(store.target)
    store.clean = H.digest(store.target)
    return store


@pytest.fixture(scope="module")
def pg_store(scratch: Path) -> Iterator[Store]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL injoignable : {exc}")
    tag = uuid.uuid4().hex[:10]
    template, work = f"decompte_hostile_tpl_{tag}", f"decompte_hostile_{tag}"
    base = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    admin.execute(f'CREATE DATABASE "{template}"')
    try:
        _build(f"{base}/{template}")
        store = Store("postgresql", f"{base}/{work}", scratch, (), "", template)
        store.restore()
        store.secrets = H.secrets_of(store.target)
        store.clean = H.digest(store.target)
        yield store
    finally:
        for name in (work, template):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")


# -- the generated invocations -------------------------------------------------------------------

WRITE_PATHS = ("to", "out")  # folders and files the program writes into
READ_PATHS = ("path", "file", "attach")
CONTROLS = st.characters(
    codec="utf-8",
    categories=("Cc", "Cf", "Zl", "Zp", "Co"),
)
NASTY_TEXT = st.text(st.one_of(CONTROLS, st.characters(codec="utf-8")), min_size=1, max_size=40)


def _paths(root: Path) -> dict[str, tuple[str, ...]]:
    pdf = root / "piece.pdf"
    if not pdf.exists():
        pdf.write_bytes(demo_pdf("hostile", ["test"]))
        (root / "folder").mkdir()
    hostile = H.path_values(root)
    safe_writes = tuple(p for p in hostile if p not in ("/dev/null", "/"))
    return {
        "read": (str(pdf), f"{pdf}:BON_COMMANDE:Bon", *hostile),
        "write": (str(root / "folder"), str(root / "folder" / "x.pdf"), *safe_writes),
    }


def _value(arg: H.Arg, paths: dict[str, tuple[str, ...]]) -> st.SearchStrategy[str]:
    if arg.dest in WRITE_PATHS:
        return st.sampled_from(paths["write"])
    if arg.dest in READ_PATHS:
        return st.sampled_from(paths["read"])
    valid = H.VALID.get(arg.dest) or arg.choices or ("X",)
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from(H.HOSTILE),
        NASTY_TEXT,
        st.integers(min_value=10**17, max_value=10**40).map(str),
        st.sampled_from(arg.choices or valid).map(lambda v: v + "\x1b[0m"),
    )


@st.composite
def invocations(draw: st.DrawFn, store: Store) -> tuple[list[str], bool]:
    paths = _paths(store.root)
    command = draw(st.sampled_from(COMMANDS))
    argv = list(command.path)
    for arg in command.args:
        if not arg.required and not draw(st.booleans()):
            continue
        if not arg.takes_value:
            argv.append(arg.flag)
            continue
        value = draw(_value(arg, paths))
        argv += [f"{arg.flag}={value}"] if arg.flag else [value]
    as_json = draw(st.booleans())
    globals_ = ["--json"] if as_json else []
    login = draw(st.one_of(st.sampled_from(("", *ROLE_LOGINS)), st.sampled_from(H.HOSTILE)))
    if login:
        globals_.append(f"--as={login}")
    if draw(st.integers(0, 9)) == 0:
        globals_.append(f"--for={draw(st.sampled_from(('55210987800348', *H.HOSTILE)))}")
    db = store.target
    if command.path != ("init",) and draw(st.integers(0, 14)) == 0:
        db = draw(st.sampled_from(paths["write"][1:]))  # not a store: a folder, a file…
    globals_.append(f"--db={db}")
    if draw(st.integers(0, 14)) == 0:
        globals_.append(f"--config={draw(st.sampled_from(paths['read']))}")
    after = draw(st.integers(0, 9)) == 0  # global options after the command
    return (argv + globals_ if after else globals_ + argv), as_json


def check(store: Store, argv: list[str], as_json: bool) -> None:
    H.path_values(store.root)  # the « existing file » exists again
    outcome = H.run_cli(argv, stdin=DEMO_PASSWORD + "\n")
    now = H.digest(store.target)
    found = H.problems(outcome, as_json=as_json, secrets=store.secrets)
    if now != store.clean:
        if outcome.code != 0:
            found.append("store changed on refusal")
        store.restore()
    assert not found, f"{argv!r} → exit {outcome.code}: {found}\n{outcome.err[-600:]}"


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: the runtime stays bounded
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow),
)
@given(data=st.data())
def test_every_command_survives_hostile_arguments(store: Store, data: st.DataObject) -> None:
    argv, as_json = data.draw(invocations(store), label="argv")
    check(store, argv, as_json)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_with_every_argument_hostile(sqlite_store: Store, command: H.Command) -> None:
    """Each command once, every argument given and hostile, as the titulaire, in JSON."""
    argv = ["--json", f"--db={sqlite_store.target}", f"--as={LOGINS['titulaire']}"]
    argv += list(command.path)
    for i, arg in enumerate(command.args):
        if not arg.takes_value:
            argv.append(arg.flag)
        elif arg.dest in WRITE_PATHS + READ_PATHS:
            argv.append(f"{arg.flag}={sqlite_store.root / 'absent' / 'x'}")
        else:
            value = H.HOSTILE[(i * 7 + len(command.name)) % len(H.HOSTILE)]
            argv += [f"{arg.flag}={value}"] if arg.flag else [value]
    check(sqlite_store, argv, True)


def test_the_harness_finds_every_command() -> None:
    """The enumeration is the parser's: the README's commands are all there, with their
    arguments (a harness that found nothing could not fail)."""
    names = {c.name for c in COMMANDS}
    readme = {"init", "config", "user register", "structure create", "service add", "bank add"}
    readme |= {"attach request", "role set", "space open", "marche create", "deposit", "process"}
    readme |= {"synthese", "search", "show", "history", "dossier", "download", "stock"}
    readme |= {"fiscal", "archives", "sweep", "cadres", "states", "file inspect", "certificate"}
    readme |= {"plugins", "export"}
    assert readme <= names
    deposit = next(c for c in COMMANDS if c.name == "deposit")
    assert {"--cadre", "--line", "--file", "--iban"} <= {a.flag for a in deposit.args}


SUBPROCESS_SAMPLE = (
    (b"show", b"#\xff\xfe"),
    (b"structure", b"search", b"--name=\xc3\x28"),
    (b"--json", b"show", b"#abc"),
    (b"--json", b"fiscal", b"--from=2026-01-01", b"--to=9999-12-31"),
    (b"--json", b"synthese", b"--page=99999999999999999999"),
    (b"--json", b"structure", b"search", b"--name=\x1b[31m\xe2\x80\xae"),
)


@pytest.mark.parametrize("args", SUBPROCESS_SAMPLE, ids=lambda a: b" ".join(a).decode("latin-1"))
def test_a_sample_in_subprocesses(sqlite_store: Store, args: tuple[bytes, ...]) -> None:
    """Real argv bytes (invalid UTF-8 included) through the module, as a shell passes them."""
    cmd = [
        sys.executable.encode(),
        b"-m",
        b"decompte.sdk.cli",
        b"--db",
        sqlite_store.target.encode(),
    ]
    cmd += [b"--as", LOGINS["titulaire"].encode(), *args]
    env = {**os.environ, "DECOMPTE_PASSWORD": DEMO_PASSWORD}
    done = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
    outcome = H.Outcome(
        [a.decode("utf-8", "surrogateescape") for a in cmd],
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )
    found = H.problems(outcome, as_json=b"--json" in args, secrets=sqlite_store.secrets)
    now = H.digest(sqlite_store.target)
    if now != sqlite_store.clean:
        if outcome.code != 0:
            found.append("store changed on refusal")
        sqlite_store.restore()
    assert not found, f"{args!r} → exit {outcome.code}: {found}\n{outcome.err[-600:]}"
