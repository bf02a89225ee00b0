"""The app runs the deadline sweep on a timer in a worker (`[ui] sweep_minutes`), shortly
after login: what changed is a notice and the lists reload; a failure is a notice, never a
crash. Opening the store no longer sweeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from tui_helpers import login, settle, wait_until

pytestmark = pytest.mark.anyio

AT_VALIDATOR = "MISE_A_DISPOSITION_PREMIER_VALIDEUR"


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _waiting(core: Any, session: Any) -> set[str]:
    """Numbers of the pieces at their first validator this Synthèse lists."""
    return {r.number for r in core.queries.synthese(session).rows if r.state == AT_VALIDATOR}


def _synthese_numbers(app: Any) -> set[str]:
    table = app.screen.query_one("#synthese-table")
    return {table.row_at(i).number for i in range(table.total)}


async def test_the_timer_sweeps_after_login_and_refreshes_the_synthese(
    make_app: Any, core: Any, store_path: Any
) -> None:
    from decompte.sdk.config import Config
    from decompte.tui.app import DecompteApp

    titulaire = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    waiting = _waiting(core, titulaire)
    assert waiting, "the demo has pieces at the titulaire as first validator"
    later = datetime(2026, 4, 25, 14)  # 40 days after the demo: every delay has run out
    app = DecompteApp(
        str(store_path), config=Config(ui={"sweep_minutes": 0.01}), clock=lambda: later
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert _waiting(core, titulaire) == waiting  # opening the store swept nothing
        await login(pilot, "titulaire")
        await wait_until(pilot, lambda: any("changement(s)" in n for n in _notes(app)))
        note = next(n for n in _notes(app) if "changement(s)" in n)
        assert "→ Validation 1 hors délai" in note
        await wait_until(pilot, lambda: not waiting & _synthese_numbers(app))
        assert app.is_running


async def test_a_failing_sweep_is_a_notice_and_the_app_goes_on(make_app: Any) -> None:
    app = make_app(sweep_minutes=0.01)

    def broken() -> list[Any]:
        raise RuntimeError("disque plein")

    async with app.run_test(size=(120, 30)) as pilot:
        app.backend.sweep = broken
        await login(pilot, "moe")
        await wait_until(
            pilot, lambda: any("Balayage des délais impossible" in n for n in _notes(app))
        )
        assert app.is_running and app.screen.query_one("#synthese-table")


async def test_nothing_to_change_says_nothing_and_zero_minutes_never_sweeps(
    make_app: Any,
) -> None:
    app = make_app(sweep_minutes=0.01)
    calls: list[int] = []
    async with app.run_test(size=(120, 30)) as pilot:
        original = app.backend.sweep

        def counted() -> list[Any]:
            calls.append(1)
            return original()

        app.backend.sweep = counted
        await login(pilot, "moe")
        await wait_until(pilot, lambda: len(calls) >= 2)
        assert not any("changement(s)" in n for n in _notes(app))  # same day as the demo
    off = make_app(sweep_minutes=0)
    async with off.run_test(size=(120, 30)) as pilot:
        off.backend.sweep = counted
        before = len(calls)
        await login(pilot, "moe")
        await pilot.pause(1.0)
        assert len(calls) == before and not off.sweeps_started
