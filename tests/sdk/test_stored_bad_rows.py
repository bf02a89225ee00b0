"""A stored row that fails to load (an enumerated value this version does not know, a date
or an amount that is no date or amount — written by an older version, a plugin or by hand)
never takes down a listing or `user me`: the structure directory degrades the row, the piece
listings and the marchés leave it out, each with a log line, and showing that very piece is a
named error. Rows are damaged with raw SQL, on SQLite and on PostgreSQL (which types its
columns: only the enumerated values can be damaged there)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from decompte.sdk.errors import NotFound
from decompte.sdk.model import IdentifierType, MemberRole, RoutingMode
from decompte.sdk.piece_listing import SearchCriteria

from engines import ENGINES, demo_core
from support import LOGINS


@pytest.fixture(params=ENGINES)
def eng(request, demo_template, tmp_path):
    yield from demo_core(request.param, tmp_path, demo_template)


def _sql(core, statement: str, **values) -> None:
    with core.store.write() as conn:
        conn.execute(text(statement), values)


def _piece_id(core, number: str) -> int:
    with core.store.read() as conn:
        return conn.execute(
            text("SELECT id FROM pieces WHERE number = :n"), {"n": number}
        ).scalar_one()


def poison(core) -> dict[str, object]:
    """Damage the demo store the way a foreign writer could; returns what was damaged."""
    titulaire = core.org.open_session(core.org.user(LOGINS["titulaire"]))
    _sql(
        core,
        "INSERT INTO structures (identifier, identifier_type, name, name_key, label, line1,"
        " postcode, city, city_key, country, active, public, routing_mode) VALUES"
        " ('POISON1', 'FOO', 'POISON SA', 'POISON SA', '', '', '', '', '', 'FR', :t, :f,"
        " 'BAR')",
        t=True,
        f=False,
    )
    poisoned = core.org.structure_by_identifier("POISON1")
    _sql(
        core,
        "INSERT INTO memberships (user_id, structure_id, role) VALUES (:u, :s, 'OVERLORD')",
        u=titulaire.user.id,
        s=poisoned.id,
    )
    bad_vat = _piece_id(core, "PDM-2026-01")
    bad_mode = _piece_id(core, "PDM-2026-02")
    _sql(core, "UPDATE pieces SET vat_type = 'FOO' WHERE id = :i", i=bad_vat)
    _sql(core, "UPDATE pieces SET payment_mode = 'ZZZ' WHERE id = :i", i=bad_mode)
    _sql(
        core,
        "UPDATE marche_actors SET role = 'FOO' WHERE role = 'SERVICE_FINANCIER'"
        " AND marche_id = (SELECT id FROM marches WHERE number = '2026-ECO-001')",
    )
    damaged = {"structure": poisoned.id, "pieces": {bad_vat, bad_mode}, "titulaire": titulaire}
    if core.store.dialect == "sqlite":  # PostgreSQL's typed columns refuse these
        bad_date = _piece_id(core, "PDM-2026-03")
        bad_amount = _piece_id(core, "PDM-2026-04")
        _sql(core, "UPDATE pieces SET issue_date = 'garbage' WHERE id = :i", i=bad_date)
        _sql(core, "UPDATE pieces SET total_ht = 'abc' WHERE id = :i", i=bad_amount)
        _sql(
            core, "UPDATE events SET at = 'x' WHERE piece_id = :i", i=_piece_id(core, "PDM-2026-05")
        )
        damaged["pieces"] |= {bad_date, bad_amount}
        damaged["bad_amount"] = bad_amount
    return damaged


def test_structure_directory_degrades_an_unknown_type_and_routing_mode(eng, caplog):
    damaged = poison(eng)
    with caplog.at_level(logging.WARNING, logger="decompte.store"):
        found = eng.org.search_structures(name="*", limit=1000)
        by_identifier = eng.org.search_structures(identifier="POISON")
    poisoned = next(s for s in found if s.id == damaged["structure"])
    assert poisoned.identifier_type is IdentifierType.AUTRE
    assert poisoned.routing_mode is RoutingMode.SERVICE_AND_ENGAGEMENT  # the strictest
    assert [s.identifier for s in by_identifier] == ["POISON1"]
    assert len(found) > 5
    assert "'FOO'" in caplog.text and "'BAR'" in caplog.text


def test_user_me_reads_an_unknown_role_as_a_simple_user(eng):
    damaged = poison(eng)
    titulaire = damaged["titulaire"]
    links = eng.org.memberships(titulaire.user.id)
    assert len(links) == 2
    odd = next(m for m in links if m.structure_id == damaged["structure"])
    assert odd.role is MemberRole.USER
    assert eng.org.structure(odd.structure_id).name == "POISON SA"
    session = eng.org.open_session(titulaire.user, titulaire.structure.identifier)
    assert session.member_role is titulaire.member_role


def test_marche_list_leaves_out_an_actor_of_unknown_role(eng, caplog):
    damaged = poison(eng)
    with caplog.at_level(logging.WARNING, logger="decompte.store"):
        marches = eng.register.mine(damaged["titulaire"])
    eco = next(m for m in marches if m.number == "2026-ECO-001")
    assert "SERVICE_FINANCIER" not in {str(a.role) for a in eco.actors}
    assert eco.actors  # the other actors are still there
    assert "Acteur de marché" in caplog.text


def test_piece_listings_leave_out_unreadable_pieces_and_show_names_them(eng, caplog):
    damaged = poison(eng)
    titulaire = damaged["titulaire"]
    moe = eng.org.open_session(eng.org.user(LOGINS["moe"]))
    with caplog.at_level(logging.WARNING, logger="decompte.store"):
        searched = eng.queries.search(titulaire, SearchCriteria()).rows
        synthese = eng.queries.synthese(moe).rows
    ids = {r.id for r in searched}
    # A listing shows what it can read of a row (state, number, amount HT): an unknown VAT
    # type does not hide a piece there, an amount that is no amount does.
    assert len(ids) >= 5 and ids & damaged["pieces"]
    if "bad_amount" in damaged:
        assert damaged["bad_amount"] not in ids | {r.id for r in synthese}
        assert f"Pièce n° {damaged['bad_amount']} illisible" in caplog.text
    for piece_id in damaged["pieces"]:
        with pytest.raises(NotFound) as caught:
            eng.queries.piece(titulaire, piece_id)
        assert caught.value.field == "piece" and "illisible" not in caught.value.hint
        assert "ne peut pas être lue" in caught.value.message
    readable = min(ids - damaged["pieces"])
    assert eng.queries.piece(titulaire, readable).id == readable


def test_history_leaves_out_an_unreadable_event(eng):
    if eng.store.dialect != "sqlite":
        pytest.skip("PostgreSQL's timestamp column cannot hold an unreadable date")
    damaged = poison(eng)
    piece = _piece_id(eng, "PDM-2026-05")
    events = eng.queries.history(damaged["titulaire"], piece)
    assert all(e.at is not None for e in events)


# -- the same through the command line, as every other user would meet it ----------------------


def _run(db, *args, login=""):
    env = {
        **os.environ,
        "DECOMPTE_PASSWORD": "Decompte-Demo-2026",
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",
    }
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS[login]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=60)


def test_cli_listings_survive_damaged_rows(demo_db, demo_template, tmp_path):
    from datetime import datetime, time

    from decompte.sdk.store import open_store

    from support import TODAY, Clock, quiet_core

    core = quiet_core(open_store(demo_db), Clock(datetime.combine(TODAY, time(14))))
    damaged = poison(core)
    siret = damaged["titulaire"].structure.identifier
    bad = sorted(damaged["pieces"])[0]
    core.close()
    runs = {
        "structure search": _run(demo_db, "--json", "structure", "search", "--name", "*"),
        "user me": _run(demo_db, "--json", "--for", siret, "user", "me", login="titulaire"),
        "marche list": _run(demo_db, "--json", "--for", siret, "marche", "list", login="titulaire"),
        "search": _run(demo_db, "--json", "--for", siret, "search", login="titulaire"),
        "synthese": _run(demo_db, "--json", "synthese", login="moe"),
    }
    for name, out in runs.items():
        assert out.returncode == 0, (name, out.stderr)
        json.loads(out.stdout)
        assert "Traceback" not in out.stderr
    assert "POISON1" in runs["structure search"].stdout
    shown = _run(demo_db, "--for", siret, "show", f"#{bad}", login="titulaire")
    assert shown.returncode == 5, shown.stderr
    assert "ne peut pas être lue" in shown.stderr
