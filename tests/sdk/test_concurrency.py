"""Two processes racing on the same pieces of a real SQLite file: one wins, nothing is lost."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, time
from pathlib import Path

from sqlalchemy import func, select

from decompte.sdk.core import Core
from decompte.sdk.demo import demo_pdf
from decompte.sdk.errors import Conflict, ValidationRefused
from decompte.sdk.store import open_store
from decompte.sdk.store.schema import events, files, pieces

from support import LOGINS, TODAY, make_draft, quiet_core

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def _core(db: Path) -> Core:
    return quiet_core(open_store(db), lambda: datetime.combine(TODAY, time(15)))


def _race_take(db: str, piece_ids: list[int], barrier, results) -> None:  # type: ignore[no-untyped-def]
    core = _core(Path(db))
    moe = core.org.open_session(core.org.user(LOGINS["moe"]))
    barrier.wait()
    for piece_id in piece_ids:
        try:
            core.workflow.take(moe, piece_id)
            results.put((piece_id, "won"))
        except Conflict:
            results.put((piece_id, "conflict"))


def _race_deposit(db: str, pdf: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    core = _core(Path(db))
    titulaire = core.org.open_session(core.org.user(LOGINS["titulaire"]))
    barrier.wait()
    for i in range(10):
        try:
            core.workflow.deposit(titulaire, make_draft(A4, f"RACE-{i}"), file=Path(pdf))
            results.put((i, "won"))
        except ValidationRefused as exc:
            assert {f.rule_id for f in exc.findings} == {"number.unique"}
            results.put((i, "refused"))


def _run(target, args) -> list:  # type: ignore[no-untyped-def]
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    out = []
    while not results.empty():
        out.append(results.get())
    return out


def test_two_processes_take_the_same_pieces(core, as_, demo_db):
    titulaire = as_("titulaire")
    ids = [
        core.workflow.deposit(titulaire, make_draft(A4, f"RACE-T{i}")).piece.id for i in range(20)
    ]
    with core.store.read() as conn:
        events_before = conn.execute(select(func.count()).select_from(events)).scalar()
    outcome = _run(_race_take, (str(demo_db), ids))
    for piece_id in ids:
        mine = sorted(result for pid, result in outcome if pid == piece_id)
        assert mine == ["conflict", "won"], (piece_id, mine)
    with core.store.read() as conn:
        takes = conn.execute(
            select(events.c.piece_id, func.count())
            .where(events.c.action == "take", events.c.piece_id.in_(ids))
            .group_by(events.c.piece_id)
        ).all()
        events_after = conn.execute(select(func.count()).select_from(events)).scalar()
    assert sorted(n for _, n in takes) == [1] * 20
    assert events_after == events_before + 20


def test_two_processes_deposit_the_same_numbers(core, demo_db, tmp_path):
    pdf = tmp_path / "race.pdf"
    pdf.write_bytes(demo_pdf("race", ["test"]))
    outcome = _run(_race_deposit, (str(demo_db), str(pdf)))
    for i in range(10):
        assert sorted(r for n, r in outcome if n == i) == ["refused", "won"]
    with core.store.read() as conn:
        deposited = conn.execute(
            select(func.count()).select_from(pieces).where(pieces.c.number.like("RACE-%"))
        ).scalar()
        referenced = set(conn.execute(select(files.c.sha256)).scalars())
    assert deposited == 10
    on_disk = {p.name for p in core.store.files.root.rglob("*") if p.is_file()}
    assert on_disk == referenced  # no orphan blob, no missing one
