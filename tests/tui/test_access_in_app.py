"""The app offers and shows what the access policy allows, no more: keys only."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static
from tui_helpers import PASSWORD, USERS, from_palette, login, open_piece, settle

pytestmark = pytest.mark.anyio


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_a_consultation_only_user_sees_no_action_key(make_app: Any, core: Any) -> None:
    moe = core.org.open_session(core.org.user(USERS["moe"]))
    core.org.open_space(moe, "FACTURES_TRAVAUX", "CONSULTATION")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-05")
        actions = _text(app, "#piece-actions")
        assert "Télécharger" in actions
        assert "Prendre en compte" not in actions and "Refuser" not in actions
        await pilot.press("t")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"  # no dialog opened
    assert core.queries.find_piece(moe, "PDM-2026-05").state == "MISE_A_DISPOSITION_MOE"


async def test_the_marche_card_needs_the_works_space_as_in_the_cli(
    make_app: Any, core: Any
) -> None:
    org = core.org
    user, code = org.register_user("nina.roux@saint-aubin.fr", "", "ROUX", "Nina")
    org.activate(user.login, code, PASSWORD)
    moa = org.open_session(org.user(USERS["moa"]))
    org.decide_attachment(moa, org.request_attachment(user, moa.structure.id), True)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, user.login)
        await from_palette(pilot, "marché 2026-ECO-001", "Ouvrir le marché", "enter")
        assert type(app.screen).__name__ == "MarcheScreen"
        shown = _text(app, "#marche-object")
        assert "Factures de travaux" in shown and "n'est pas ouvert" in shown
        assert _text(app, "#marche-identity") == ""


async def test_the_palette_does_not_tell_whether_an_unseen_marche_exists(make_app: Any) -> None:
    """« Ouvrir le marché » answers the same for a number that does not exist and for a
    marché the acting structure is not party to (the co-contractor is not on 2026-ECO-001):
    the screen says « introuvable »."""
    app = make_app()
    shown = []
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "cotraitant")
        for number in ("2026-ECO-001", "2099-NUL-999"):
            await from_palette(pilot, f"marché {number}", "Ouvrir le marché", "enter")
            assert type(app.screen).__name__ == "MarcheScreen"
            shown.append(_text(app, "#marche-object").replace(number, "N"))
            await pilot.press("escape")
            await settle(pilot)
    assert "introuvable" in shown[0] and shown[0] == shown[1]
