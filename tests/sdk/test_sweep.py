"""The deadline sweep in the core, on both engines: each crossing is reported and announced
to plugins once, the flags agree with the deadlines the screens compute, and a second sweep
the same day changes nothing (the CLI side is tests/e2e/test_sweep.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from decompte.sdk.deadlines import action_deadline
from decompte.sdk.errors import UsageError

from engines import ENGINES, demo_core, row_counts


@pytest.fixture(params=ENGINES)
def engine_core(request, tmp_path, demo_template) -> Iterator[Any]:
    yield from demo_core(request.param, tmp_path, demo_template)


def test_each_crossing_is_reported_and_announced_once(engine_core, monkeypatch):
    core = engine_core
    heard: list[tuple[str, str]] = []

    def emit(name: str, data: dict[str, Any]) -> None:
        deadline = data["deadline"]
        heard.append((data["piece"].number, getattr(deadline, "kind", deadline)))

    monkeypatch.setattr(core.workflow.extensions, "emit", emit)
    core.clock.advance(days=11)  # 04/12/2026
    changes = core.workflow.sweep()
    assert {c.kind for c in changes} == {"validation", "action", "paiement", "refus_masque"}
    assert sorted(heard) == sorted((c.number, c.kind) for c in changes if c.kind != "refus_masque")
    today = core.clock().date()
    for change in changes:
        assert change.due < today
        if change.kind == "action":  # the same deadline the Synthèse and show compute
            piece = core.workflow.piece(change.piece_id)
            deadline = action_deadline(
                piece.state, piece.holder_role, piece.holder_since, today, core.config.deadlines
            )
            assert deadline is not None and deadline.overdue and deadline.due == change.due

    heard.clear()
    counts = row_counts(core)
    assert core.workflow.sweep() == [] and heard == []
    assert row_counts(core) == counts


def test_a_later_day_reports_only_the_new_crossings(engine_core):
    core = engine_core
    core.clock.advance(days=11)
    first = {(c.kind, c.number) for c in core.workflow.sweep()}
    core.clock.advance(days=1)
    second = {(c.kind, c.number) for c in core.workflow.sweep()}
    assert ("validation", "PG-2026-02") in second  # its 15 days ended on the 4th
    assert not first & second


def test_the_sweep_never_runs_ahead_of_today(engine_core):
    core = engine_core
    today = core.clock().date()
    counts = row_counts(core)
    with pytest.raises(UsageError) as refused:
        core.workflow.sweep(today.replace(year=today.year + 1))
    assert refused.value.field == "--at"
    assert row_counts(core) == counts
