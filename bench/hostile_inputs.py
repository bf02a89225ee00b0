"""Replay a fixed corpus of bad and hostile inputs across every CLI command, and the access
policy's matrix, and print the closing figures of issue 17: inputs tried / named errors /
internal errors / wrongly accepted, access attempts tried / wrongly allowed, then each class of
failure with one example and, for internal errors, where in the code the exception came from.

Each input is labelled with what must happen: « refused » (a named error, exit 2–6),
« accepted » (exit 0) or « named » (either, but never an internal error). Every input runs
twice, as text and with --json, in this process through `decompte.sdk.cli.main` on a fresh demo
store (SQLite, or PostgreSQL with --db-url); the store is restored after any run that wrote.
The access attempts are the matrix of tests/sdk/test_access_matrix.py (its tables imported,
not copied): every command × role × situation against the policy's documented answer.

    python bench/hostile_inputs.py [--db-url postgresql://postgres@127.0.0.1:5432/test] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from decompte.sdk.demo import DEMO_PASSWORD, demo_pdf  # noqa: E402

import hostile_cli as H  # noqa: E402
from support import LOGINS  # noqa: E402

REFUSED, ACCEPTED, NAMED = "refused", "accepted", "named"
ECO = "2026-ECO-001"


@dataclass
class Step:
    argv: list[str]
    expect: str
    login: str = ""  # a LOGINS key, or a login


@dataclass
class Case:
    label: str  # the category of the issue
    steps: list[Step]
    json_too: bool = True  # run it a second time with --json


# -- the corpus ------------------------------------------------------------------------------------


def corpus(root: Path, db: str) -> list[Case]:
    pdf = root / "piece.pdf"
    pdf.write_bytes(demo_pdf("hostile", ["corpus"]))
    folder = root / "folder"
    folder.mkdir(exist_ok=True)
    existing = root / "existing.txt"
    existing.write_text("déjà là")
    cases: list[Case] = []

    def add(label: str, expect: str, argv: list[str], login: str = "", json_too: bool = True):
        cases.append(Case(label, [Step(argv, expect, login)], json_too))

    def deposit(**over: str) -> list[str]:
        values = {
            "--cadre": "A4",
            "--number": "HX-1",
            "--date": "2026-11-23",
            "--marche": ECO,
            "--line": "20:1000,00",
            "--iban": "FR7630006000011234567890189",
            "--engagement": "EJ2026000123",
            "--file": str(pdf),
        }
        values.update(over)
        return ["deposit", *[f"{k}={v}" for k, v in values.items() if v is not None], "--confirm"]

    # ids and numbers
    for value in H.NUMBERS:
        # an integer Python reads (0, -1, Arabic-Indic digits) may be an id or a page
        lenient = NAMED if value in ("0", "-1", "١٢") else REFUSED
        for command in (["show"], ["history"], ["certificate"], ["process", "take"]):
            add("id", lenient, [*command, value], "moe")
        add("id", lenient, ["download", value, f"--to={folder}"], "moe")
        add("id", lenient, ["dossier", value], "moe")
        add("id", lenient, ["attach", "accept", value], "moe")
        for option in ("--page", "--per-page"):
            add("page", lenient, ["synthese", f"{option}={value}"], "moe")
        add("page", lenient, ["structure", "search", f"--limit={value}"], "moe")
        add("id", lenient, ["process", "take", "PDM-2026-05", f"--expect-version={value}"], "moe")
    # amounts
    for value in H.AMOUNTS:  # a negative line may be a deduction: no crash is all we ask
        add("amount", NAMED if "-" in value else REFUSED, deposit(**{"--line": value}), "titulaire")
    for option in ("--discount", "--prepaid", "--total-ht", "--total-ttc", "--amount-due"):
        for value in ("100000000000000000", "99999999999999999999999999", "1e400", "NaN", "-1"):
            expect = NAMED if value == "-1" else REFUSED
            add("amount", expect, deposit(**{option: value}), "titulaire")
    # dates
    for value in H.DATES:
        expect = NAMED if value in ("9999-12-31", "0001-01-01") else REFUSED
        add("date", expect, ["fiscal", "--from=2026-01-01", f"--to={value}"], "moa")
        add("date", expect, ["fiscal", f"--from={value}", "--to=2026-12-31"], "moa")
        add("date", expect, ["search", f"--from={value}"], "moa")
        add("date", expect, ["export", "csv", f"--out={folder}/", f"--to={value}"], "moa")
        add("date", REFUSED, deposit(**{"--date": value}), "titulaire")
        add("date", expect, deposit(**{"--due-date": value}), "titulaire")
    # --db targets
    truncated = root / "truncated.db"
    truncated.write_bytes(Path(db).read_bytes()[:5000] if "://" not in db else b"SQLite format 3\0")
    newer = root / "newer.db"
    if "://" not in db:
        shutil.copy(db, newer)
        with sqlite3.connect(newer) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    targets = [
        str(folder),
        str(existing),
        str(truncated),
        "foo://bar/baz",
        "/dev/null",
        "postgresql+psycopg://nobody@127.0.0.1:1/absent",
        str(root / "missing" / "d.db"),
    ]
    targets += [str(newer)] if newer.exists() else []
    for target in targets:
        for command in (["synthese"], ["stock"], ["config"]):
            expect = NAMED if command == ["config"] else REFUSED
            add("--db", expect, ["--db", target, *command], "moe")
    # --config
    configs = {
        "folder": str(folder),
        "missing": str(root / "no-such-config.toml"),
        "not toml": "x = = 1",
        "unknown key": "[store]\nfoo = 1\n",
        "unknown section": "[nothing]\nfoo = 1\n",
        "wrong type": '[deadlines]\nmoe_days = "sept"\n',
        "out of range": "[deadlines]\nmoe_days = 1000000000000\n",
        "negative": "[deadlines]\nvalidator_days = -3\n",
        "rules type": '[rules]\nqualification = "peut-être"\n',
        "ui key": "[ui]\ntheme = 42\n",
    }
    for name, content in configs.items():
        path = content if name in ("folder", "missing") else str(root / f"cfg-{len(cases)}.toml")
        if name not in ("folder", "missing"):
            Path(path).write_text(content)
        for command in (["config"], ["synthese"]):
            add("--config", REFUSED, ["--config", path, *command], "moe")
    # field contents: controls, bidi, NUL, over-long
    MULTILINE = ("--reason", "--comment")
    hostile_texts = (*H.CONTROL_AND_BIDI, "x" * 5000, "\udcff")

    def fields_of(base: list[str], who: str, fields: dict[str, str]) -> None:
        add("field (clean base)", ACCEPTED, [*base, *[f"{k}={v}" for k, v in fields.items()]], who)
        for field_name in fields:
            for value in hostile_texts:
                argv = [
                    *base,
                    *[f"{k}={value if k == field_name else v}" for k, v in fields.items()],
                ]
                # reasons and comments are multi-line: a line feed or a tab is text there
                layout = field_name in MULTILINE and value in ("a\nb", "a\tb")
                want = NAMED if layout else REFUSED
                add(f"field {base[0]} {field_name}", want, argv, who, json_too=False)

    fields_of(
        ["user", "register", "nouveau.compte@exemple.fr"],
        "",
        {"--last-name": "DUPONT", "--first-name": "Jean", "--email": "jean@exemple.fr"},
    )
    fields_of(
        ["structure", "create"],
        "titulaire",
        {
            "--identifier": "73282932000074",
            "--name": "NOUVELLE SARL",
            "--label": "Siège",
            "--address": "1 rue de la Paix",
            "--postcode": "75002",
            "--city": "Paris",
        },
    )
    fields_of(["service", "add", "NOUVEAU_SERVICE"], "moa", {"--label": "Service nouveau"})
    fields_of(
        ["bank", "add", "FR7630004000031234567890143"], "titulaire", {"--label": "Compte travaux"}
    )
    fields_of(
        ["marche", "create", "2026-NEW-001"],
        "moa",
        {
            "--object": "Voirie nouvelle",
            "--moa": "21450123100010",
            "--moe": "82345678500125",
            "--titulaire": "55210987800348",
        },
    )
    fields_of(
        ["process", "refuse", "PDM-2026-05"],
        "moe",
        {"--motive": "AUTRE_MOTIF", "--reason": "Montants erronés"},
    )
    fields_of(
        deposit()[:-1], "titulaire", {"--comment": "Situation de novembre", "--number": "HX-2"}
    )
    for value in hostile_texts:
        add(
            "field deposit --attach designation",
            REFUSED,
            deposit(**{"--attach": f"{pdf}:BON_COMMANDE:{value}"}),
            "titulaire",
            json_too=False,
        )
        add(
            "field user register LOGIN",
            REFUSED,
            ["user", "register", f"x{value}@exemple.fr", "--last-name=A", "--first-name=B"],
            json_too=False,
        )
        add(
            "search term",
            NAMED,
            ["structure", "search", f"--name={value}"],
            "titulaire",
            json_too=False,
        )
    # piece numbers: the portal's characters only (path traversal)
    for number in ("/tmp/evil", "../../evil", "a/b", "a\\b", "PDM:1", "x" * 300, " HX", ""):
        add(
            "piece number",
            # FA/2026/001 is a number; surrounding spaces are trimmed as the portal does
            NAMED if number in ("a/b", " HX", "") else REFUSED,
            deposit(**{"--number": number}),
            "titulaire",
        )
    # enum values
    add(
        "enum",
        REFUSED,
        ["structure", "create", "--identifier=73282932000074", "--name=X SARL", "--type=FOO"],
        "titulaire",
    )
    add("enum", NAMED, ["structure", "search", "--type=FOO"], "titulaire")
    add("enum", NAMED, ["search", "--state=FOO"], "moe")
    add("enum", NAMED, ["search", "--cadre=FOO"], "moe")
    add("enum", REFUSED, ["cadres", "--role=FOO"])
    add("enum", REFUSED, ["export", "FOO", f"--out={folder}/"], "moe")
    add("enum", REFUSED, ["export", "csv", "--format=FOO", f"--out={folder}/"], "moe")
    add("enum", REFUSED, ["export", "csv", "--option=FOO=1", f"--out={folder}/"], "moe")
    add("enum", REFUSED, deposit(**{"--cadre": "FOO"}), "titulaire")
    add("enum", REFUSED, deposit(**{"--currency": "XXX"}), "titulaire")
    add("enum", REFUSED, deposit(**{"--attach": f"{pdf}:FOO:designation"}), "titulaire")
    add("enum", REFUSED, ["synthese", "--sort=FOO"], "moe")
    add("enum", REFUSED, ["space", "open", "FOO"], "moa")
    # download and output targets
    add("download target", REFUSED, ["download", "PDM-2026-05", f"--to={existing}"], "moe")
    add("download target", REFUSED, ["download", "PDM-2026-05", "--to=/dev/null"], "moe")
    add(
        "download target",
        NAMED,
        ["download", "PDM-2026-05", f"--to={root / 'new' / 'deep'}"],
        "moe",
    )
    fresh = root / "fresh-download"
    fresh.mkdir(exist_ok=True)  # `folder` already holds this piece's files: exit 6 there
    downloads = ["download", "PDM-2026-05", f"--to={fresh}"]
    add("download target", ACCEPTED, downloads, "moe", json_too=False)
    add("download target", REFUSED, downloads, "moe", json_too=False)  # never over a file
    add(
        "certificate target",
        REFUSED,
        ["certificate", "PDM-2026-05", f"--out={root / 'absent' / 'c.pdf'}"],
        "moe",
    )
    add("certificate target", NAMED, ["certificate", "PDM-2026-05", f"--out={folder}"], "moe")
    add("certificate target", NAMED, ["certificate", "PDM-2026-05", f"--out={existing}"], "moe")
    add("export target", REFUSED, ["export", "csv", f"--out={root / 'absent' / 'x.csv'}"], "moe")
    add("file target", REFUSED, ["file", "inspect", str(folder)])
    add("file target", REFUSED, ["file", "inspect", str(root / "absent.pdf")])
    add("file target", NAMED, ["file", "inspect", "/dev/null"])
    add("file target", REFUSED, deposit(**{"--file": str(folder)}), "titulaire")
    add("file target", REFUSED, deposit(**{"--file": str(existing)}), "titulaire")
    add("file target", REFUSED, deposit(**{"--attach": str(root / "absent.pdf")}), "titulaire")
    # global options after the command
    for argv in (
        ["plugins", "--json"],
        ["states", "--json"],
        ["synthese", "--as", LOGINS["moe"]],
        ["stock", "--as", LOGINS["moe"], "--json"],
        ["cadres", "--db", db],
        ["init", "--demo", "--db", str(root / "after" / "n.db")],
    ):
        add("options after the command", ACCEPTED, argv, json_too=False)
    # invalid UTF-8 in arguments
    for argv in (
        ["show", "#\udcff"],
        ["structure", "show", "\udcff\udcfe"],
        ["cadres", "--role=\udcff"],
        ["marche", "show", "2026-\udcff"],
    ):
        add("invalid UTF-8", REFUSED, argv, "moe")
    add("invalid UTF-8", REFUSED, ["--as", "luc\udcff@x.fr", "synthese"])
    # harm to others: a poisoned row must not take down the listings of everyone
    cases.append(
        Case(
            "poisoned directory",
            [
                Step(
                    [
                        "structure",
                        "create",
                        "--identifier=73282932000074",
                        "--name=POISON SARL",
                        "--type=FOO",
                    ],
                    REFUSED,
                    "titulaire",
                ),
                Step(["structure", "search", "--name=*"], ACCEPTED, "moe"),
                Step(["--for", "55210987800348", "user", "me"], ACCEPTED, "titulaire"),
            ],
            json_too=False,
        )
    )
    # harm to others: a supplier's piece number chooses where the MOE's download lands
    escape = root / "escaped"
    escape.mkdir(exist_ok=True)
    cases.append(
        Case(
            "path traversal",
            [
                Step(deposit(**{"--number": f"{escape}/PDM"}), REFUSED, "titulaire"),
                Step(["download", f"{escape}/PDM", f"--to={folder}"], NAMED, "moe"),
            ],
            json_too=False,
        )
    )
    return cases


# -- running ---------------------------------------------------------------------------------------


@dataclass
class Store:
    target: str
    snapshot: str
    clean: str
    secrets: tuple[str, ...]
    server: str = ""

    def restore(self) -> None:
        if "://" in self.target:
            import psycopg

            name = self.target.rsplit("/", 1)[1]
            with psycopg.connect(self.server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.snapshot}"')
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.target}{suffix}").unlink(missing_ok=True)
            if Path(f"{self.snapshot}{suffix}").exists():
                shutil.copy(f"{self.snapshot}{suffix}", f"{self.target}{suffix}")
        shutil.rmtree(f"{self.target}.files", ignore_errors=True)
        shutil.copytree(f"{self.snapshot}.files", f"{self.target}.files")


def build_store(root: Path, server: str) -> Store:
    def build(target: str) -> None:
        for argv in (["--db", target, "init", "--demo"], ["--db", target, "sweep"]):
            outcome = H.run_cli(argv)
            assert outcome.code == 0, outcome.err

    if server:
        import psycopg

        tag = uuid.uuid4().hex[:10]
        template, work = f"decompte_bench_tpl_{tag}", f"decompte_bench_{tag}"
        base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{template}"')
        build(f"{base}/{template}")
        store = Store(f"{base}/{work}", template, "", (), server)
    else:
        snapshot = root / "snapshot" / "demo.db"
        snapshot.parent.mkdir()
        build(str(snapshot))
        store = Store(str(root / "demo.db"), str(snapshot), "", ())
    store.restore()
    store.clean = H.digest(store.target)
    store.secrets = H.secrets_of(store.target)
    return store


def drop_store(store: Store) -> None:
    if store.server:
        import psycopg

        with psycopg.connect(store.server, autocommit=True) as admin:
            for name in (store.target.rsplit("/", 1)[1], store.snapshot):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def origin(argv: list[str]) -> str:
    """Where an internal error comes from: rerun with DECOMPTE_DEBUG=1, the innermost frame
    of decompte's code."""
    from decompte.sdk.cli import main

    os.environ["DECOMPTE_DEBUG"] = "1"
    sink = io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout = sys.stderr = sink
    sys.stdin = io.StringIO(DEMO_PASSWORD + "\n")
    try:
        main(argv)
    except SystemExit:
        return "argparse"
    except BaseException as exc:
        import decompte.sdk

        home = str(Path(decompte.sdk.__file__).resolve().parent.parent) + os.sep
        every = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in every if f.filename.startswith(home)]
        frame = ours[-1] if ours else every[-1]
        where = f"{frame.filename.removeprefix(home)}:{frame.lineno} ({frame.name})"
        if ours and every[-1] is not ours[-1]:  # raised inside a library called from there
            where += f" via {Path(every[-1].filename).parent.name}/{Path(every[-1].filename).name}"
        return f"{type(exc).__name__} at {where}"
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
        os.environ.pop("DECOMPTE_DEBUG", None)
    return "no exception on rerun"


@dataclass
class Tally:
    inputs: int = 0
    named: int = 0
    internal: int = 0
    wrongly_accepted: int = 0
    wrongly_refused: int = 0
    other: int = 0  # leaks, JSON shape, store changed on refusal
    access: int = 0
    wrongly_allowed: int = 0
    access_errors: int = 0


def run_corpus(store: Store, root: Path, tally: Tally, failures: dict[str, list[str]]) -> None:
    for case in corpus(root, store.target):
        for as_json in (False, True) if case.json_too else (False,):
            wrote = False
            for step in case.steps:
                login = LOGINS.get(step.login, step.login)
                argv = ["--json"] if as_json else []
                if "--db" not in step.argv:
                    argv += ["--db", store.target]
                argv += ["--as", login] if login else []
                argv += step.argv
                before = H.digest(store.target)
                started = time.perf_counter()
                outcome = H.run_cli(argv, stdin=DEMO_PASSWORD + "\n")
                if time.perf_counter() - started > 1:
                    failures["slow (over 1 s)"].append(f"{argv[2:]!r}"[:200])
                after = H.digest(store.target)
                wrote |= after != before
                tally.inputs += 1
                found = H.problems(outcome, as_json=as_json, secrets=store.secrets)
                label = case.label
                if outcome.code in (1, -1):
                    tally.internal += 1
                    if after != before and step is case.steps[0]:
                        store.restore()  # the rerun starts from where the run started
                    where = origin(argv)
                    found = [f"internal error: {where}"] + [
                        p for p in found if not p.startswith("exit")
                    ]
                    if after != H.digest(store.target):
                        wrote = True
                elif 2 <= outcome.code <= 6:
                    tally.named += 1
                if outcome.code == 0 and step.expect == REFUSED:
                    tally.wrongly_accepted += 1
                    found.append("wrongly accepted")
                if outcome.code != 0 and step.expect == ACCEPTED:
                    tally.wrongly_refused += 1
                    found.append(f"wrongly refused (exit {outcome.code})")
                if outcome.code != 0 and after != before:
                    found.append("store changed on refusal")
                if case.label == "path traversal" and any((root / "escaped").iterdir()):
                    found.append("download wrote outside the chosen folder")
                    shutil.rmtree(root / "escaped")
                    (root / "escaped").mkdir()
                for problem in found:
                    if not problem.startswith(("internal", "wrongly")):
                        tally.other += 1
                    if problem.startswith("internal"):
                        key = problem
                    elif problem.startswith(("json", "leak")):
                        key = f"{problem} (exit {outcome.code})"
                    else:
                        key = f"{problem} [{label}]"
                    shown = " ".join(a if len(a) < 80 else a[:60] + "…" for a in step.argv)
                    who = f"--as {step.login} " if step.login else ""
                    shown = f"{'--json ' if as_json else ''}{who}{shown}"
                    first_line = (outcome.err.strip().splitlines() or [""])[0][:160]
                    failures[key].append(f"{shown!r} → exit {outcome.code}: {first_line}")
            if wrote:
                store.restore()


# -- the access matrix ----------------------------------------------------------------------------


def load_matrix() -> Any:
    spec = importlib.util.spec_from_file_location(
        "access_matrix", TESTS / "sdk" / "test_access_matrix.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run_access(root: Path, tally: Tally, failures: dict[str, list[str]]) -> None:
    """The matrix's world, built as its fixture builds it, each cell against `expected`."""
    from sqlalchemy import select

    from decompte.sdk.demo import build_demo
    from decompte.sdk.errors import NotAuthorised, NotFound
    from decompte.sdk.store import open_store
    from decompte.sdk.store.schema import pieces

    from support import TODAY, quiet_core

    M = load_matrix()
    base = root / "access" / "demo" / "demo.db"
    base.parent.mkdir(parents=True)
    store = open_store(base)
    build_demo(lambda clock: quiet_core(store, clock), today=TODAY)
    store.close()
    template = M._copy(base, root / "access" / "template")
    core = quiet_core(open_store(template), M._clock())
    extra = M._add_world(core)
    sessions = {r.key: core.org.open_session(core.org.user(r.login)) for r in M.ROLES}
    with core.store.read() as conn:
        rows = conn.execute(select(pieces.c.id, pieces.c.number)).all()
    ids = {r.number: r.id for r in rows}
    dossiers = {
        r.number: core.queries.piece(sessions["moe"], r.id).dossier_number
        for r in rows
        if r.number != "EXT-1"
    }
    dossiers["EXT-1"] = extra["ext_piece"].dossier_number
    core.close()
    dbs, cores = {}, {}
    for situation, change in M.CHANGES.items():
        db = M._copy(template, root / "access" / situation)
        opened = open_store(db)
        with opened.write() as conn:
            change(conn)
        dbs[situation] = db
        cores[situation] = quiet_core(opened, M._clock())
    world = M.World(template, dbs, cores, sessions, ids, dossiers, extra)
    count = 0
    for command, run in M.COMMANDS.items():
        for role in M.ROLES:
            for situation in M.SITUATIONS:
                count += 1
                want = M.expected(command, role, situation)
                target = root / "access" / "cell" / str(count)
                target.mkdir(parents=True, exist_ok=True)  # downloads need an existing folder
                core = world.fresh_core(situation, target) if want == M.PASSES else cores[situation]
                tally.access += 1
                cell = f"{command} as {role.key} ({situation}), expected {want}"
                try:
                    result = run(core, sessions[role.key], role, world, situation, target)
                    if want in (M.REFUSED, M.NOT_FOUND):
                        tally.wrongly_allowed += 1
                        failures["access: wrongly allowed"].append(cell)
                    elif want == M.NO_LEAK and M._leaks(result, world):
                        tally.wrongly_allowed += 1
                        failures["access: unrelated object leaked"].append(cell)
                except (NotAuthorised, NotFound) as exc:
                    policy = isinstance(exc, NotFound) or exc.field in (
                        "login",
                        "structure",
                        "space",
                    )
                    if want in (M.OK, M.NO_LEAK) or (want == M.PASSES and policy):
                        failures["access: wrongly denied"].append(f"{cell}: {exc!r}")
                    elif want == M.REFUSED and not isinstance(exc, NotAuthorised):
                        failures["access: wrong error"].append(f"{cell}: {exc!r}")
                except Exception as exc:
                    if want != M.PASSES:
                        tally.access_errors += 1
                        failures["access: internal error"].append(f"{cell}: {exc!r}")
                finally:
                    if want == M.PASSES:
                        core.close()
                        shutil.rmtree(target, ignore_errors=True)
    for c in cores.values():
        c.close()


# -- the report ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", default="", help="serveur PostgreSQL (base d'administration)")
    parser.add_argument("--json", action="store_true", help="résumé en JSON")
    parser.add_argument("--no-access", action="store_true", help="sans la matrice d'accès")
    args = parser.parse_args(argv)
    tally, failures = Tally(), defaultdict(list)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp)
        dev_null_leftovers = {p for p in Path("/dev").glob("null?*")}
        with H.memoized_password_checks(), H.cli_environment(root):
            store = build_store(root, args.db_url)
            try:
                run_corpus(store, root, tally, failures)
            finally:
                drop_store(store)
            if not args.no_access:
                run_access(root, tally, failures)
        for leftover in set(Path("/dev").glob("null?*")) - dev_null_leftovers:
            leftover.unlink()  # the journal SQLite made beside --db /dev/null
    elapsed = time.perf_counter() - started
    engine = "postgresql" if args.db_url else "sqlite"
    summary = {
        "engine": engine,
        "seconds": round(elapsed, 1),
        "inputs_tried": tally.inputs,
        "named_errors": tally.named,
        "internal_errors": tally.internal,
        "wrongly_accepted": tally.wrongly_accepted,
        "wrongly_refused": tally.wrongly_refused,
        "other_problems": tally.other,
        "access_attempts": tally.access,
        "wrongly_allowed": tally.wrongly_allowed,
        "access_internal_errors": tally.access_errors,
        "failures": {k: {"count": len(v), "example": v[0]} for k, v in sorted(failures.items())},
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(f"Moteur : {engine} ({elapsed:.0f} s)")
    print(
        f"inputs tried {tally.inputs} / named errors {tally.named} / internal errors "
        f"{tally.internal} / wrongly accepted {tally.wrongly_accepted} "
        f"(wrongly refused {tally.wrongly_refused}, other problems {tally.other})"
    )
    print(f"access attempts tried {tally.access} / wrongly allowed {tally.wrongly_allowed}")
    print()
    for key, examples in sorted(failures.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"[{len(examples):4}] {key}")
        print(f"       e.g. {examples[0]!r}"[:400])
    return 0


if __name__ == "__main__":
    sys.exit(main())
