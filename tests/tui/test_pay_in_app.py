"""« Mettre en paiement » in the app, keys only: offered to the service financier holding the
piece, its date checked in the dialog, the piece then « Mise en paiement » with its day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import NOW
from textual.widgets import Static
from tui_helpers import open_piece, screen_text, settle, type_text

pytestmark = pytest.mark.anyio


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_the_service_financier_puts_a_piece_in_payment(make_app: Any, core: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "sf", "EAV-DUR-2026-08")
        assert "Mettre en paiement" in _text(app, "#piece-actions")
        assert "Paiement : " in _text(app, "#piece-state")
        await pilot.press("m")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionModal"
        await type_text(pilot, "31/02/2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Date illisible" in _text(app, "#modal-error")
        await pilot.press("ctrl+u")
        tomorrow = NOW.date() + timedelta(days=1)
        await type_text(pilot, f"{tomorrow:%d/%m/%Y}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "futur" in _text(app, "#modal-error")
        await pilot.press("ctrl+u")
        await pilot.press("ctrl+s")  # empty: today
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        state = _text(app, "#piece-state")
        assert "Mise en paiement" in state
        assert f"Mise en paiement le {NOW:%d/%m/%Y}, dans le délai" in state
        assert "Mettre en paiement" not in _text(app, "#piece-actions")
    sf = core.org.open_session(core.org.user("paul.renard@dgfip.finances.gouv.fr"))
    paid = core.queries.find_piece(sf, "EAV-DUR-2026-08")
    assert (paid.state, paid.state_date) == ("MISE_EN_PAIEMENT", NOW.date())
    assert [e.action for e in core.queries.history(sf, paid.id)].count("pay") == 1


async def test_pay_is_not_offered_to_another_holder(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-03")
        assert "Mettre en paiement" not in _text(app, "#piece-actions")
        await pilot.press("m")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"


async def test_a_late_piece_shows_its_interest_and_the_tableau_its_total(
    make_app: Any, core: Any
) -> None:
    from sqlalchemy import update

    from decompte.sdk.store.schema import dossiers

    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    piece = core.queries.find_piece(moe, "PDM-2026-03")
    with core.store.write() as conn:  # the clock started 45 days ago: 15 days late
        conn.execute(
            update(dossiers)
            .where(dossiers.c.id == piece.dossier_id)
            .values(moe_available_on=NOW.date() - timedelta(days=45))
        )
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-03")
        state = _text(app, "#piece-state")
        assert "Paiement : échéance dépassée de 15 j" in state
        assert "Intérêts moratoires (estimation)" in state
        assert "indemnité forfaitaire 40,00 €" in state
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert "1 en retard de paiement" in _text(app, "#stock-summary")
        shown = screen_text(app)
        assert "Retards de paiement (intérêts moratoires estimés)" in shown
        assert "Mise à disposition de la MOE" in shown.split("Retards de paiement")[1]
