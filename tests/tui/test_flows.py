"""The clerk's day, keys only: deposit, take into account, associate, validate, refuse,
suspend and complete; the states are checked on screen and in the store."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static
from tui_helpers import (
    USERS,
    choose,
    login,
    open_piece,
    screen_text,
    settle,
    tab_to,
    type_text,
)

pytestmark = pytest.mark.anyio


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_login_refused_then_locked(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_text(pilot, USERS["moe"])
        for _ in range(5):
            await tab_to(pilot, "login-password")
            await type_text(pilot, "pas-le-bon")
            await pilot.press("enter")
            await settle(pilot)
        error = _text(app, "#login-error")
        assert "verrouill" in error  # five failures lock the account (core rule)
        await tab_to(pilot, "login-password")
        await type_text(pilot, "Decompte-Demo-2026")
        await pilot.press("enter")
        await settle(pilot)
        assert "verrouill" in _text(app, "#login-error")
        assert app.identity is None


async def test_wrong_password_message(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "moe", "faux")
        # the same refusal as an unknown login: nothing tells whether the account exists
        assert "Identifiant ou mot de passe incorrect" in _text(app, "#login-error")
        assert "essai(s)" not in _text(app, "#login-error")
        assert app.screen.query_one("#login-password", Input).has_focus


async def _deposit_from_form(
    pilot: Any, number: str, *, cadre: str = "", marche: str = "", base: str = "", file: str = ""
) -> None:
    app = pilot.app
    if file:
        await tab_to(pilot, "dep-file")
        await type_text(pilot, file)
        await settle(pilot)
    if cadre:
        await choose(pilot, "dep-cadre", cadre)
    if marche:
        await choose(pilot, "dep-marche", marche)
    await tab_to(pilot, "dep-number")
    await type_text(pilot, number)
    if base:
        row = app.screen.query("VatLineRow").first()
        await tab_to(pilot, f"base-{row.n}")
        await type_text(pilot, base)
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)


async def test_monthly_circuit_contractor_moe_moa(
    make_app: Any, core: Any, demo_pdf_file: Any
) -> None:
    # 1. the contractor deposits a monthly draft (A4)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await pilot.press("f4")
        await settle(pilot)
        await _deposit_from_form(
            pilot,
            "PDM-TUI-01",
            cadre="A4",
            marche="2026-ECO",
            base="10000,00",
            file=str(demo_pdf_file),
        )
        assert type(app.screen).__name__ == "ConfirmDeposit"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "RecapScreen"
        recap = screen_text(app)
        assert "PDM-TUI-01" in recap and "maîtrise d'œuvre" in recap
        assert "Certificat de dépôt n°" in recap
        assert app.screen.receipt.certificate in recap
        await pilot.press("escape")
        await settle(pilot)
    session = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    draft = core.queries.find_piece(session, "PDM-TUI-01")
    assert draft.state == "MISE_A_DISPOSITION_MOE"
    assert draft.file_format.startswith("PDF")

    # 2. the MOE finds it in the Synthèse, takes it into account, deposits the état d'acompte
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-TUI-01")
        assert type(app.screen).__name__ == "PieceScreen"
        assert "Mise à disposition de la MOE" in _text(app, "#piece-state")
        await pilot.press("t")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionModal"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        assert "Prise en compte par la MOE" in _text(app, "#piece-state")
        await pilot.press("n")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
        assert app.screen.active_tab == "deposer"
        assert app.screen.query_one("#dep-prev", Input).value == "PDM-TUI-01"
        await _deposit_from_form(pilot, "EA-TUI-01", cadre="A15")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "RecapScreen"
        await pilot.press("escape")
        await settle(pilot)
    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    assert core.queries.find_piece(moe, "PDM-TUI-01").state == "ASSOCIEE"
    statement = core.queries.find_piece(moe, "EA-TUI-01")
    assert statement.state == "MISE_A_DISPOSITION_MOA"
    assert statement.cadre == "A15_ETAT_ACOMPTE_MOE"

    # 3. the MOA validates it by depositing the état d'acompte validé (A19)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moa", "EA-TUI-01")
        await pilot.press("n")
        await settle(pilot)
        cadre = app.screen.query_one("#dep-cadre")
        assert str(cadre.value).startswith("A19")  # the only cadre allowed after A15
        await _deposit_from_form(pilot, "EAV-TUI-01")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "RecapScreen"
        assert "service financier" in app.screen.receipt.message
        assert "EAV-TUI-01" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
    moa = core.org.open_session(core.org.user("marie.lambert@saint-aubin.fr"))
    assert core.queries.find_piece(moa, "EA-TUI-01").state == "ASSOCIEE"
    assert (
        core.queries.find_piece(moa, "EAV-TUI-01").state == "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    )


async def test_refuse_with_motive_and_reason(make_app: Any, core: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-05")
        await pilot.press("r")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionModal"
        await pilot.press("down", "space")  # second motive: autre motif
        await tab_to(pilot, "reason")
        await pilot.press("enter")  # empty reason: the workflow says why it refuses
        await settle(pilot)
        assert "commentaire est obligatoire" in _text(app, "#modal-error")
        await type_text(pilot, "Pièce sans rapport avec le marché")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        assert "Refusée par la MOE pour autre motif" in _text(app, "#piece-state")
    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    refused = core.queries.find_piece(moe, "PDM-2026-05")
    assert refused.state == "REFUSEE_MOE_AUTRE_MOTIF"
    history = core.queries.history(moe, refused.id)
    assert history[-1].reason == "Pièce sans rapport avec le marché"


async def test_refuse_cannot_be_confirmed_until_a_motive_is_chosen(
    make_app: Any, core: Any
) -> None:
    """No motive is chosen for the user: the dialog opens with none, its confirm button
    disabled; ctrl+s and Enter show the named error and leave the piece as it was; choosing
    one enables the button and the refusal goes through with that motive."""
    from textual.widgets import Button, RadioButton

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-05")
        await pilot.press("r")
        await settle(pilot)
        modal = app.screen
        assert type(modal).__name__ == "ActionModal"
        assert [b.value for b in modal.query(RadioButton)] == [False, False]
        assert modal.query_one("#confirm", Button).disabled
        assert "pas un motif de refus pour la MOE" in screen_text(app)
        await tab_to(pilot, "reason")
        await type_text(pilot, "Destinataire erroné")
        for key in ("ctrl+s", "enter"):  # Enter in the reason field
            await tab_to(pilot, "reason")
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is modal, key
            error = _text(app, "#modal-error")
            assert "Motif de refus obligatoire" in error, key
            assert "erreur dans les données d'acheminement, autre motif" in error
            assert "ACHEMINEMENT" not in error  # the labels, not the CLI's codes
            assert app.focused is modal.query_one("#motive")  # back on the choice
        await pilot.press("space")  # the first motive: erreur dans les données d'acheminement
        await settle(pilot)
        assert not modal.query_one("#confirm", Button).disabled
        assert _text(app, "#modal-error") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    refused = core.queries.find_piece(moe, "PDM-2026-05")
    assert refused.state == "REFUSEE_MOE_ACHEMINEMENT"
    assert [e.action for e in core.queries.history(moe, refused.id)].count("refuse") == 1


async def test_suspend_then_complete(make_app: Any, core: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-04")
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "Joindre le PV de réception")
        await pilot.press("enter")
        await settle(pilot)
        assert "Suspendue" in _text(app, "#piece-state")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "titulaire", "PDM-2026-04")
        assert "c" in _text(app, "#piece-actions")
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "PV joint")
        await tab_to(pilot, "engagement")
        await type_text(pilot, "EJ2026000999")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Complétée par le déposant" in _text(app, "#piece-state")
    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    piece = core.queries.find_piece(moe, "PDM-2026-04")
    assert piece.state == "COMPLETEE"
    assert piece.engagement == "EJ2026000999"
    assert piece.holder_structure_id == moe.structure.id


async def test_finding_blocks_deposit(make_app: Any, core: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await pilot.press("f4")
        await settle(pilot)
        await choose(pilot, "dep-cadre", "A4")
        await choose(pilot, "dep-marche", "2026-ECO")
        await tab_to(pilot, "dep-number")
        await type_text(pilot, "PDM 2026/é")
        row = app.screen.query("VatLineRow").first()
        await tab_to(pilot, f"base-{row.n}")
        await type_text(pilot, "1500")
        await settle(pilot)
        note = _text(app, "#note-number")
        assert "Caractères refusés" in note  # shown next to the field as you type
        await pilot.press("f9")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"  # no confirmation: blocked
        assert any("bloquent le dépôt" in str(n.message) for n in app._notifications)
    session = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    from decompte.sdk.queries import SearchCriteria

    page = core.queries.search(session, SearchCriteria(number="PDM 2026/é"))
    assert page.total == 0


async def test_modal_buttons_cancel_keeping_the_text_and_confirm_once(
    make_app: Any, core: Any
) -> None:
    """Enter on « Annuler » closes the modal and keeps what was typed for the next opening;
    Enter on the confirm button acts once."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-04")
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "Joindre le PV")
        await tab_to(pilot, "cancel")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        assert "Suspendue" not in _text(app, "#piece-state")
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.query_one("#reason", Input).value == "Joindre le PV"
        await tab_to(pilot, "confirm")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        assert "Suspendue" in _text(app, "#piece-state")
    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    piece = core.queries.find_piece(moe, "PDM-2026-04")
    events = [e for e in core.queries.history(moe, piece.id) if e.to_state == "SUSPENDUE"]
    assert piece.state == "SUSPENDUE" and len(events) == 1
