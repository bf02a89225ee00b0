"""Completing a suspended piece in the app, keys only (issue #12, part 2): the complete
dialog adds an attachment and a new file with the Déposer's file picker; the MOE then finds
them in the piece screen's attachment list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from tui_helpers import USERS, choose, open_piece, screen_text, settle, tab_to, type_text

from decompte.sdk.demo import demo_pdf

pytestmark = pytest.mark.anyio


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _pick(pilot: Any, key: str, path: Path, kind: str = "", designation: str = "") -> None:
    """Open a file picker from the dialog with `key`, type the path (and the attachment's
    type and designation), choose it."""
    await pilot.press(key)
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "FilePicker"
    await tab_to(pilot, "file-path")
    await type_text(pilot, str(path))
    if kind:
        await choose(pilot, "file-kind", kind)
        await tab_to(pilot, "file-designation")
        await type_text(pilot, designation)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "ActionModal"


async def test_complete_with_an_attachment_and_a_new_file(
    make_app: Any, core: Any, tmp_path: Path
) -> None:
    order, new_file = tmp_path / "bon-commande.pdf", tmp_path / "situation-v2.pdf"
    order.write_bytes(demo_pdf("Bon de commande", ["BC 12"]))
    new_file.write_bytes(demo_pdf("Situation corrigée", ["v2"]))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "titulaire", "PDM-2026-S1")
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "Bon de commande joint")
        await _pick(pilot, "ctrl+t", order, "Bon de commande", "BC 12")
        await _pick(pilot, "ctrl+o", new_file)
        assert "situation-v2.pdf" in _text(app, "#action-file")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Complétée par le déposant" in _text(app, "#piece-state")
    moe = core.org.open_session(core.org.user(USERS["moe"]))
    piece = core.queries.find_piece(moe, "PDM-2026-S1")
    assert (piece.state, piece.file_name) == ("COMPLETEE", "situation-v2.pdf")
    kinds = [(a["kind"], a["name"]) for a in core.queries.attachments(moe, piece.id)]
    assert ("BON_DE_COMMANDE", "bon-commande.pdf") in kinds
    assert kinds[-2][0] == "FICHIER_REMPLACE"  # the old file, kept before the new ones

    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-S1")
        shown = screen_text(app)
        assert "bon-commande.pdf" in shown and "Bon de commande" in shown
        assert "Fichier de la pièce remplacé" in shown
        assert "Pièces jointes ajoutées" in shown


async def test_a_refused_file_keeps_the_dialog_open_and_the_piece_suspended(
    make_app: Any, core: Any, tmp_path: Path
) -> None:
    fake = tmp_path / "pv.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "titulaire", "PDM-2026-S1")
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "PV joint")
        await _pick(pilot, "ctrl+t", fake, "Procès-verbal", "PV")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionModal"
        assert "Complément refusé" in _text(app, "#modal-error")
    moe = core.org.open_session(core.org.user(USERS["moe"]))
    assert core.queries.find_piece(moe, "PDM-2026-S1").state == "SUSPENDUE"


async def test_warnings_on_a_file_are_confirmed_by_a_second_complete(
    make_app: Any, core: Any, tmp_path: Path
) -> None:
    odd = tmp_path / "pv.docx"
    odd.write_bytes(demo_pdf("PV", ["PV"]))  # a PDF named .docx: a doubt, not an error
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "titulaire", "PDM-2026-S1")
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "PV joint")
        await _pick(pilot, "ctrl+t", odd, "Procès-verbal", "PV")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Confirmez à nouveau" in _text(app, "#modal-error")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Complétée par le déposant" in _text(app, "#piece-state")
    moe = core.org.open_session(core.org.user(USERS["moe"]))
    piece = core.queries.find_piece(moe, "PDM-2026-S1")
    assert [a["name"] for a in core.queries.attachments(moe, piece.id)] == ["pv.docx"]
