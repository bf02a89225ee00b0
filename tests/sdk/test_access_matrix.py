"""The access policy as a matrix: every command × every role × every situation.

Situations: the role's own structure and objects, an unrelated structure's objects, no
« Factures de travaux » space, the space in consultation only, an inactive structure, a
locked account. Each situation is a copy of one world (the demo plus a marché none of the
roles is on), built once for the module; refused writes write nothing, so they run on those
copies too, and writes that pass the policy run on a fresh copy each. A representative subset
runs again through the CLI in a subprocess (exit codes 4 and 5, the error's field).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from decompte.sdk.access import visible
from decompte.sdk.core import Core
from decompte.sdk.demo import DEMO_PASSWORD, demo_pdf
from decompte.sdk.errors import NotAuthorised, NotFound, NotHolder
from decompte.sdk.export import ExportFilter, run_export
from decompte.sdk.files_check import AttachmentInput
from decompte.sdk.model import ActorRole, Address, MarcheActor, MemberRole
from decompte.sdk.queries import SearchCriteria, SyntheseFilter
from decompte.sdk.session import Session
from decompte.sdk.store import open_store
from decompte.sdk.store.schema import pieces, structure_spaces, structures, users

from support import LOGINS, TODAY, Clock, make_draft, quiet_core

ECO, GYM, EXT = "2026-ECO-001", "2026-GYM-002", "2026-EXT-009"
EXT_MOA_SIRET, EXT_MOE_SIRET = "21450270000005", "90123456700005"
GS_LOGIN = "hugo.blanc@atelier-moreau.fr"
UNSUBSCRIBED_LOGIN = "ines.morel@saint-aubin.fr"

# -- the world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """A role of the matrix: who logs in, and what is "their own" in the demo world."""

    key: str
    login: str
    piece: str  # a piece the structure is party to (held by it where it holds one)
    marche: str
    cadre: str  # what it deposits on its marché
    manager: bool = True


ROLES = (
    Role("titulaire", LOGINS["titulaire"], "LEF-2026-11", ECO, "A4"),
    Role("soustraitant", LOGINS["soustraitant"], "LEF-2026-11", ECO, "A10"),
    Role("cotraitant", LOGINS["cotraitant"], "CM-2026-04", GYM, "A13"),
    Role("moe", LOGINS["moe"], "PDM-2026-05", ECO, "A15"),
    Role("moa", LOGINS["moa"], "EA-2026-02", ECO, "A19"),
    Role("sf", LOGINS["sf"], "EAV-DUR-2026-08", ECO, "A1"),
    Role("gs", GS_LOGIN, "PDM-2026-05", ECO, "A15"),  # secondary manager at the MOE
    Role("user", LOGINS["clerk"], "EA-2026-02", ECO, "A19", manager=False),  # simple user, MOA
)
SITUATIONS = ("own", "unrelated", "no_space", "consultation", "inactive", "locked")

#: The error field a policy refusal names, per situation.
REFUSED_FIELD = {
    "no_space": "space",
    "consultation": "space",
    "inactive": "structure",
    "locked": "login",
}


def _add_world(core: Core) -> dict[str, Any]:
    """A secondary manager at the MOE, and a marché none of the roles is on: a commune and
    an architect from elsewhere with the plumber as contractor; its first piece refused, so
    that its dossier is closed (archives)."""
    org = core.org

    def account(login: str, last: str, first: str):
        _user, code = org.register_user(login, "", last, first)
        org.activate(login, code, DEMO_PASSWORD)
        return org.user(login)

    moe = org.open_session(org.user(LOGINS["moe"]))
    hugo = account(GS_LOGIN, "BLANC", "Hugo")
    org.decide_attachment(moe, org.request_attachment(hugo, moe.structure.id), True, MemberRole.GS)
    moa = org.open_session(org.user(LOGINS["moa"]))
    ines = account(UNSUBSCRIBED_LOGIN, "MOREL", "Inès")
    org.decide_attachment(moa, org.request_attachment(ines, moa.structure.id), True)

    ext_moa_user = account("mairie@beaugency.fr", "ROY", "Claire")
    ext_moa = org.create_structure(
        ext_moa_user,
        identifier=EXT_MOA_SIRET,
        name="COMMUNE DE BEAUGENCY",
        address=Address("1 place du Martroi", "45190", "Beaugency"),
        public=True,
    )
    ext_moe_user = account("contact@atelier-loire.fr", "VIDAL", "Marc")
    ext_moe = org.create_structure(
        ext_moe_user, identifier=EXT_MOE_SIRET, name="ATELIER LOIRE ARCHITECTURE"
    )
    plumber = org.open_session(org.user(LOGINS["soustraitant2"]))
    core.register.create(
        org.open_session(ext_moa_user),
        EXT,
        "Vestiaires du stade",
        [
            MarcheActor(ext_moa.id, ActorRole.MOA),
            MarcheActor(ext_moe.id, ActorRole.MOE),
            MarcheActor(plumber.structure.id, ActorRole.FOURNISSEUR),
        ],
    )
    draft = make_draft(
        "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
        "EXT-1",
        marche=EXT,
        engagement="",
        service_code="",
        iban="FR7630004000031234567890143",
    )
    piece = core.workflow.deposit(plumber, draft, confirm_warnings=True).piece
    core.workflow.refuse(org.open_session(ext_moe_user), piece.id, "ACHEMINEMENT", "Pas pour nous")
    return {
        "ext_piece": core.queries.piece(plumber, piece.id),
        "ext_structure": ext_moe,
        "ext_supplier": plumber.structure,
    }


def _copy(template: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    db = target_dir / "w.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", f"{db}{suffix}")
    shutil.copytree(f"{template}.files", f"{db}.files")
    return db


#: What each situation changes in the world (after the sessions were opened).
CHANGES: dict[str, Callable[[Any], None]] = {
    "own": lambda conn: None,
    "unrelated": lambda conn: None,
    "no_space": lambda conn: conn.execute(structure_spaces.delete()),
    "consultation": lambda conn: conn.execute(update(structure_spaces).values(mode="CONSULTATION")),
    "inactive": lambda conn: conn.execute(update(structures).values(active=False)),
    "locked": lambda conn: conn.execute(update(users).values(locked_until=datetime(2100, 1, 1))),
}


@dataclass
class World:
    template: Path  # the world before any situation
    dbs: dict[str, Path]  # one store per situation
    cores: dict[str, Core]
    sessions: dict[str, Session]
    ids: dict[str, int]  # piece number -> id
    dossiers: dict[str, str]  # piece number -> dossier number
    extra: dict[str, Any]

    def fresh_core(self, situation: str, target_dir: Path) -> Core:
        """A Core over a fresh copy of a situation's store, for a write that may succeed."""
        return quiet_core(open_store(_copy(self.dbs[situation], target_dir)), _clock())


def _clock() -> Clock:
    return Clock(datetime.combine(TODAY, time(14)))


@pytest.fixture(scope="module")
def world(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("access")
    template = _copy(demo_template, root / "template")
    core = quiet_core(open_store(template), _clock())
    extra = _add_world(core)
    org = core.org
    sessions = {r.key: org.open_session(org.user(r.login)) for r in ROLES}
    sessions["unsubscribed"] = org.open_session(org.user(UNSUBSCRIBED_LOGIN))
    with core.store.read() as conn:
        rows = conn.execute(select(pieces.c.id, pieces.c.number, pieces.c.dossier_id)).all()
    ids = {r.number: r.id for r in rows}
    dossiers = {
        r.number: core.queries.piece(sessions["moe"], r.id).dossier_number
        for r in rows
        if r.number != "EXT-1"
    }
    dossiers["EXT-1"] = extra["ext_piece"].dossier_number
    core.close()
    dbs, cores = {}, {}
    for situation, change in CHANGES.items():
        db = _copy(template, root / situation)
        store = open_store(db)
        with store.write() as conn:
            change(conn)
        dbs[situation] = db
        cores[situation] = quiet_core(store, _clock())
    yield World(template, dbs, cores, sessions, ids, dossiers, extra)
    for c in cores.values():
        c.close()


# -- the commands, as the CLI and the app call the engine ----------------------------------------

WRITES = (
    "deposit",
    "take",
    "refuse",
    "suspend",
    "complete",
    "complete --attach",
    "validate",
    "pay",
)


def _deposit(core: Core, s: Session, role: Role, w: World, situation: str) -> Any:
    if situation == "unrelated":  # the next piece of a dossier it is not party to
        draft = make_draft("A15_ETAT_ACOMPTE_MOE", "MX-UNREL", marche=EXT)
        return core.workflow.deposit(s, draft, after=w.ids["EXT-1"], confirm_warnings=True)
    draft = make_draft(role.cadre, f"MX-{role.key}", marche=role.marche)
    return core.workflow.deposit(s, draft, confirm_warnings=True)


def _piece(role: Role, w: World, situation: str) -> int:
    return w.ids["EXT-1" if situation == "unrelated" else role.piece]


def _number(role: Role, w: World, situation: str) -> str:
    return "EXT-1" if situation == "unrelated" else role.piece


def _attachment(folder: Path) -> Path:
    """A real PDF to attach (its content is checked only once the policy let the user in)."""
    path = folder / "bon-commande.pdf"
    if folder.is_dir() and not path.exists():
        path.write_bytes(demo_pdf("Matrice", ["bon de commande"]))
    return path


def _scope(w: World, situation: str) -> list[int] | None:
    """List reads: an unrelated structure asked for by id; otherwise the acting one."""
    return [w.extra["ext_structure"].id] if situation == "unrelated" else None


def _export(core: Core, s: Session, w: World, situation: str) -> Any:
    out = io.BytesIO()
    run_export(core, s, "csv", out, filters=ExportFilter(_scope(w, situation)))
    return out.getvalue().decode("utf-8", "replace")


Command = Callable[[Core, Session, Role, World, str, Path], Any]

COMMANDS: dict[str, Command] = {
    "deposit": lambda c, s, r, w, x, tmp: _deposit(c, s, r, w, x),
    "take": lambda c, s, r, w, x, tmp: c.workflow.take(s, _piece(r, w, x)),
    "refuse": lambda c, s, r, w, x, tmp: c.workflow.refuse(
        s, _piece(r, w, x), "AUTRE_MOTIF", "Matrice d'accès"
    ),
    "suspend": lambda c, s, r, w, x, tmp: c.workflow.suspend(s, _piece(r, w, x), "Matrice"),
    "complete": lambda c, s, r, w, x, tmp: c.workflow.complete(s, _piece(r, w, x), "Matrice"),
    "complete --attach": lambda c, s, r, w, x, tmp: c.workflow.complete(
        s, _piece(r, w, x), "Matrice", attachments_in=[AttachmentInput(_attachment(tmp))]
    ),
    "validate": lambda c, s, r, w, x, tmp: c.workflow.validate(s, _piece(r, w, x)),
    "pay": lambda c, s, r, w, x, tmp: c.workflow.pay(s, _piece(r, w, x)),
    "download": lambda c, s, r, w, x, tmp: c.workflow.download(s, _piece(r, w, x), tmp),
    "show": lambda c, s, r, w, x, tmp: c.queries.find_piece(s, _number(r, w, x)),
    "history": lambda c, s, r, w, x, tmp: c.queries.history(s, _piece(r, w, x)),
    "dossier": lambda c, s, r, w, x, tmp: c.queries.dossier_by_number(
        s, w.dossiers[_number(r, w, x)]
    ),
    "certificate": lambda c, s, r, w, x, tmp: c.queries.certificate(s, _piece(r, w, x)),
    "search": lambda c, s, r, w, x, tmp: c.queries.search(
        s, SearchCriteria(role="FOURNISSEUR", structure_ids=_scope(w, x))
    ),
    "synthese": lambda c, s, r, w, x, tmp: c.queries.synthese(s, SyntheseFilter(_scope(w, x))),
    "stock": lambda c, s, r, w, x, tmp: c.queries.stock(s, _scope(w, x)),
    "fiscal": lambda c, s, r, w, x, tmp: c.queries.fiscal_list(
        s, date(2026, 1, 1), date(2026, 12, 31)
    ),
    "archives": lambda c, s, r, w, x, tmp: c.queries.archives(s),
    "export": lambda c, s, r, w, x, tmp: _export(c, s, w, x),
    "marche show": lambda c, s, r, w, x, tmp: c.register.card(
        s, EXT if x == "unrelated" else r.marche
    ),
    "marche list": lambda c, s, r, w, x, tmp: c.register.mine(s),
    "structure show": lambda c, s, r, w, x, tmp: c.org.structure_card(
        s, w.extra["ext_structure"].identifier if x == "unrelated" else s.structure.identifier
    ),
    "bank list": lambda c, s, r, w, x, tmp: c.org.bank_details(s),
}

# -- what the policy must answer ---------------------------------------------------------------

OK = "ok"  # the read answers
PASSES = "passes"  # a write gets past the policy (then the workflow's own rules decide)
REFUSED = "refused"  # NotAuthorised (4), naming the situation's field
NOT_FOUND = "not found"  # NotFound (5): the object is not the structure's business
NO_LEAK = "no leak"  # answers, without the unrelated marché's piece, dossier or marché

#: With an unrelated object: lists that take no structure answer without it.
UNRELATED_LISTS = ("fiscal", "archives", "marche list", "bank list")


def expected(command: str, role: Role, situation: str) -> str:
    if situation in ("inactive", "locked"):
        return REFUSED
    if situation == "no_space":
        if command == "structure show":
            return OK  # the directory card needs a login, not the works space
        if command == "bank list":  # seed 003: managers keep the structure record
            return OK if role.manager else REFUSED
        return REFUSED
    if situation == "consultation":
        return REFUSED if command in WRITES else OK
    if situation == "unrelated":
        return NO_LEAK if command in UNRELATED_LISTS else NOT_FOUND
    return PASSES if command in WRITES else OK


CASES = [
    pytest.param(command, role, situation, id=f"{command}-{role.key}-{situation}")
    for command in COMMANDS
    for role in ROLES
    for situation in SITUATIONS
]


def _leaks(result: Any, w: World) -> bool:
    text = repr(result)
    ext = w.extra["ext_piece"]
    return any(marker in text for marker in ("EXT-1", EXT, ext.dossier_number, "BEAUGENCY")) or (
        isinstance(result, list)
        and any(getattr(b, "structure_id", None) == w.extra["ext_supplier"].id for b in result)
    )


@pytest.mark.parametrize(("command", "role", "situation"), CASES)
def test_policy_matrix(world: World, tmp_path: Path, command: str, role: Role, situation: str):
    want = expected(command, role, situation)
    session = world.sessions[role.key]
    if want == PASSES:  # may write: on a fresh copy
        core = world.fresh_core(situation, tmp_path / "copy")
    else:
        core = world.cores[situation]
    run = COMMANDS[command]
    try:
        if want in (OK, NO_LEAK, PASSES):
            try:
                result = run(core, session, role, world, situation, tmp_path)
            except (NotAuthorised, NotFound) as exc:
                policy_refusal = isinstance(exc, NotFound) or exc.field in (
                    "login",
                    "structure",
                    "space",
                )
                if want != PASSES or policy_refusal:
                    raise AssertionError(f"{want} expected, got {exc!r}") from exc
                return  # the workflow's own rule (e.g. not the holder), past the policy
            except Exception:
                if want != PASSES:
                    raise
                return  # a business rule (findings, state), past the policy
            if want == NO_LEAK:
                assert not _leaks(result, world)
            return
        error = NotAuthorised if want == REFUSED else NotFound
        with pytest.raises(error) as raised:
            run(core, session, role, world, situation, tmp_path)
        assert type(raised.value) is error
        if want == REFUSED:
            assert raised.value.field == REFUSED_FIELD[situation]
            assert raised.value.hint
    finally:
        if want == PASSES:
            core.close()


def test_the_matrix_covers_every_command_role_and_situation():
    assert len(CASES) == len(COMMANDS) * len(ROLES) * len(SITUATIONS) == 23 * 8 * 6
    outcomes = {expected(c, r, s) for c in COMMANDS for r in ROLES for s in SITUATIONS}
    assert outcomes == {OK, PASSES, REFUSED, NOT_FOUND, NO_LEAK}


def test_only_the_depositor_of_a_suspended_piece_completes_it(world: World, tmp_path: Path):
    """Every other role, party to the piece or not, is refused (by the policy or the table)
    and nothing is written; the depositor completes it with its attachment."""
    core = world.fresh_core("own", tmp_path / "copy")
    try:
        s = world.sessions
        a4 = core.workflow.deposit(s["titulaire"], make_draft("A4", "MX-SUSP", marche=ECO))
        core.workflow.suspend(s["moe"], a4.piece.id, "Bon de commande manquant")
        attach = [AttachmentInput(_attachment(tmp_path), "BON_DE_COMMANDE")]
        for role in ROLES:
            if role.key == "titulaire":
                continue
            with pytest.raises((NotAuthorised, NotFound)):
                core.workflow.complete(s[role.key], a4.piece.id, "BC", attachments_in=attach)
            assert core.queries.attachments(s["titulaire"], a4.piece.id) == [], role.key
        done = core.workflow.complete(s["titulaire"], a4.piece.id, "BC", attachments_in=attach)
        assert done.state == "COMPLETEE"
        assert [a["name"] for a in core.queries.attachments(s["moe"], done.id)] == [
            "bon-commande.pdf"
        ]
    finally:
        core.close()


def test_own_reads_show_the_structure_its_objects(world: World):
    """The OK cells are not empty answers: each role finds its piece, dossier and marché."""
    core = world.cores["own"]
    for role in ROLES:
        s = world.sessions[role.key]
        assert core.queries.find_piece(s, role.piece).number == role.piece
        dossier = core.queries.dossier_by_number(s, world.dossiers[role.piece])
        assert role.piece in [p.number for p in dossier["pieces"]]
        marche, lines = core.register.card(s, role.marche)
        assert s.structure.id in {line.structure.id for line in lines} | {
            a.validator_structure_id for a in marche.actors
        }
        assert role.marche in [m.number for m in core.register.mine(s)]


def test_a_public_structure_card_is_the_directory_a_private_one_is_not(world: World):
    """Public recipients are found by anyone logged in (seed 002, « Rechercher une structure
    publique »); a private structure only by its members and its marchés' other actors."""
    core, s = world.cores["own"], world.sessions["titulaire"]
    assert core.org.structure_card(s, EXT_MOA_SIRET).name == "COMMUNE DE BEAUGENCY"
    with pytest.raises(NotFound):
        core.org.structure_card(s, EXT_MOE_SIRET)
    electrician = world.sessions["soustraitant"].structure  # on the titulaire's marché
    assert core.org.structure_card(s, electrician.identifier).id == electrician.id
    plumber = world.extra["ext_supplier"]  # on the gymnase, not the school
    with pytest.raises(NotFound):
        core.org.structure_card(world.sessions["soustraitant"], plumber.identifier)


def test_a_simple_user_without_the_space_subscription_reads_nothing(world: World):
    """The structure has the space; the user has no approved subscription."""
    core, s = world.cores["own"], world.sessions["unsubscribed"]
    for command in COMMANDS:
        if command in ("structure show",):
            continue
        with pytest.raises(NotAuthorised) as raised:
            COMMANDS[command](core, s, ROLES[-1], world, "own", Path("/nonexistent"))
        assert raised.value.field == "space", command


# -- the same answers through the CLI ------------------------------------------------------------


def _cli(db: Path, login: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DECOMPTE_PASSWORD": DEMO_PASSWORD,
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",
    }
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db), "--json"]
    if login:
        cmd += ["--as", login]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=60)


CLI_CASES = [
    # (situation, role, arguments, exit code, error field)
    ("own", "user", ("show", "EA-2026-02"), 0, ""),
    ("own", "moe", ("marche", "show", ECO), 0, ""),
    ("own", "titulaire", ("bank", "list"), 0, ""),
    ("unrelated", "titulaire", ("show", "EXT-1"), 5, "piece"),
    ("unrelated", "moa", ("dossier", "{dossier}"), 5, "dossier"),
    ("unrelated", "moe", ("marche", "show", EXT), 5, "marche_number"),
    ("unrelated", "sf", ("structure", "show", EXT_MOE_SIRET), 5, "structure"),
    ("unrelated", "titulaire", ("process", "take", "#{EXT-1}"), 5, "piece"),
    ("no_space", "user", ("history", "EA-2026-02"), 4, "space"),
    ("no_space", "moa", ("synthese",), 4, "space"),
    ("no_space", "moe", ("marche", "list"), 4, "space"),
    ("consultation", "moe", ("process", "take", "PDM-2026-05"), 4, "space"),
    ("consultation", "sf", ("process", "pay", "EAV-DUR-2026-08"), 4, "space"),
    ("unrelated", "sf", ("process", "pay", "#{EXT-1}"), 5, "piece"),
    ("consultation", "titulaire", ("export", "csv", "--out", "{tmp}/x.csv"), 0, ""),
    ("inactive", "moa", ("stock",), 4, "structure"),
    ("locked", "moe", ("marche", "show", ECO), 4, "password"),
]


@pytest.fixture(scope="module")
def cli_dbs(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CLI's writes change the store: its own copies."""
    root = tmp_path_factory.mktemp("access-cli")
    return {s: _copy(db, root / s) for s, db in world.dbs.items()}


@pytest.mark.parametrize(
    ("situation", "role", "args", "code", "field"),
    CLI_CASES,
    ids=[f"{c[0]}-{c[1]}-{'-'.join(c[2][:2])}" for c in CLI_CASES],
)
def test_cli_exit_codes(world, cli_dbs, tmp_path, situation, role, args, code, field):
    login = next(r.login for r in ROLES if r.key == role)
    args = tuple(
        a.replace("{EXT-1}", str(world.ids["EXT-1"]))
        .replace("{dossier}", world.dossiers["EXT-1"])
        .replace("{tmp}", str(tmp_path))
        for a in args
    )
    out = _cli(cli_dbs[situation], login, *args)
    assert out.returncode == code, out.stderr
    if field:
        assert json.loads(out.stderr)["field"] == field


def test_marche_show_needs_a_login(world, cli_dbs):
    out = _cli(cli_dbs["own"], "", "marche", "show", ECO)
    assert out.returncode == 2
    assert json.loads(out.stderr)["field"] == "--as"
    assert "Réhabilitation" not in out.stdout


def test_cli_a_manager_reactivates_the_structure(world, tmp_path):
    db = _copy(world.dbs["inactive"], tmp_path)
    out = _cli(db, LOGINS["moe"], "synthese")
    assert out.returncode == 4 and json.loads(out.stderr)["field"] == "structure"
    out = _cli(db, LOGINS["clerk"], "structure", "activate", "on")  # a simple user
    assert out.returncode == 4 and "gestionnaires" in json.loads(out.stderr)["message"]
    out = _cli(db, GS_LOGIN, "structure", "activate", "on")  # the MOE's secondary manager
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["active"] is True
    assert _cli(db, LOGINS["moe"], "synthese").returncode == 0
    assert _cli(db, LOGINS["moa"], "synthese").returncode == 4  # the others stay inactive


def test_the_sweep_is_the_systems_no_login_asked(world, tmp_path):
    """The deadline sweep acts for no one (a cron job): no --as, and the situations of the
    policy (a locked account, an inactive structure) do not change what it does."""
    found = {}
    for situation in ("own", "locked", "inactive"):
        db = _copy(world.dbs[situation], tmp_path / situation)
        out = _cli(db, "", "--today", "2026-12-04", "sweep")
        assert out.returncode == 0, out.stderr
        found[situation] = [(c["kind"], c["piece"]) for c in json.loads(out.stdout)]
    assert ("validation", "LEF-2026-11") in found["own"]
    assert found["locked"] == found["own"]
    # every structure inactive: nothing may receive a late piece, it waits where it is
    assert "validation" not in {kind for kind, _ in found["inactive"]}


# -- a structure party to a piece it does not hold: one answer to every action -------------------

HELD = ("take", "refuse", "suspend", "complete", "validate")


def _held_pieces(core: Core) -> list[Any]:
    """Every piece someone holds (an ended piece, held by no one, is answered by its state)."""
    with core.store.read() as conn:
        return list(conn.execute(select(pieces).where(pieces.c.holder_structure_id.is_not(None))))


@pytest.mark.parametrize("command", HELD)
def test_every_action_by_a_party_that_does_not_hold_the_piece_gets_one_answer(
    world: World, command: str
):
    """Every role × every piece it is party to but does not hold, whatever the piece's state
    (at the MOE, taken, at a validator, suspended, refused): `NotHolder`, exit code 4, the same
    message, field and hint (a take or a validate from a state without such a row answered
    « impossible : la pièce est … », exit code 6, where a refusal answered 4)."""
    core = world.cores["own"]
    answers: set[tuple[type, int, str, str, str]] = set()
    tried: set[str] = set()
    for row in _held_pieces(core):
        for role in ROLES:
            session = world.sessions[role.key]
            if session.structure.id == row.holder_structure_id:
                continue
            with core.store.read() as conn:
                if not visible(conn, session.structure.id, row):
                    continue
            with pytest.raises(NotAuthorised) as raised:
                _on(core, session, command, row.id)
            e = raised.value
            answers.add((type(e), e.exit_code, e.message, e.field, e.hint))
            tried.add(f"{role.key}:{row.state}")
    assert answers == {
        (NotHolder, 4, "La pièce attend une autre structure", "piece", NOT_HOLDER_HINT)
    }
    states = {t.split(":")[1] for t in tried}
    assert {"MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE", "SUSPENDUE"} <= states
    assert any(s.startswith("MISE_A_DISPOSITION_PREMIER") for s in states)
    assert any(s.startswith("REFUSEE_") for s in states)
    assert {t.split(":")[0] for t in tried} == {r.key for r in ROLES}


NOT_HOLDER_HINT = "seul le détenteur de la pièce peut la traiter"


def _on(core: Core, s: Session, command: str, piece_id: int) -> Any:
    wf = core.workflow
    if command == "refuse":
        return wf.refuse(s, piece_id, "AUTRE_MOTIF", "Matrice")
    if command in ("suspend", "complete"):
        return getattr(wf, command)(s, piece_id, "Matrice")
    return getattr(wf, command)(s, piece_id)


def test_cli_every_action_by_a_party_that_does_not_hold_the_piece_gets_one_answer(cli_dbs):
    """The same through the CLI: the titulaire on its monthly draft the MOE took into account
    (PDM-2026-04), and on one still at the MOE (PDM-2026-03)."""
    extra = {"refuse": ("--motive", "AUTRE_MOTIF", "--reason", "x")}
    extra |= {a: ("--reason", "x") for a in ("suspend", "complete")}
    errors = []
    for number in ("PDM-2026-04", "PDM-2026-03"):
        for action in HELD:
            args = ("process", action, number, *extra.get(action, ()))
            out = _cli(cli_dbs["own"], LOGINS["titulaire"], *args)
            assert out.returncode == 4, (action, number, out.stderr)
            errors.append(json.loads(out.stderr))
    assert len({json.dumps(e, sort_keys=True) for e in errors}) == 1
    assert errors[0]["error"] == "NotHolder" and errors[0]["field"] == "piece"
