"""The tacit procedure's countdown in the app (issue #12 part 1): the demo's A22 waits at the
MOA since 09/03/2026; on the app's day (16/03/2026) 3 of the 10 days remain before the
contractor may deposit its A23."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static
from tui_helpers import open_piece, quick_login, screen_text

pytestmark = pytest.mark.anyio


async def test_piece_screen_shows_the_tacit_countdown(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_piece(pilot, "moa", "PDG-T-GYM-01")
        state = str(app.screen.query_one("#piece-state", Static).render())
        assert (
            "Procédure tacite : Décompte général définitif (A23) possible dans 3 j, le "
            "19/03/2026 (10 j après la mise à disposition de la pièce A22 n° PDG-T-GYM-01 le "
            "09/03/2026)"
        ) in " ".join(state.split())


async def test_synthese_deadline_cell_shows_the_tacit_countdown(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await quick_login(pilot, "moa")
        line = next(x for x in screen_text(app).splitlines() if "PDG-T-GYM-01" in x)
        assert "T\u00a03\u00a0j" in line or "T 3 j" in line
