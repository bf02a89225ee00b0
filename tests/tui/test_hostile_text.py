"""Stored text another user chose (or an import, or a plugin) is shown neutralised and
literally on every screen: an escape sequence, a bidi override or a line separator shows as a
visible `\\u001b`, and `[bold]`, `[/]`, `[link=…]` or `[@click=…]` show as typed, never
restyle the screen, open a link, run an action, or crash the app with a MarkupError."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hostile import HOSTILE, MARKUP, poison, unsafe_in
from tui_helpers import from_palette, quick_login, quiet, screen_text, settle, wait_until

pytestmark = pytest.mark.anyio
Steps = Callable[[Any], Awaitable[None]]


async def _keys(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def synthese(pilot: Any) -> None:
    await quick_login(pilot, "moe")


async def piece(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "enter")


async def piece_history_end(pilot: Any) -> None:
    await piece(pilot)
    await _keys(pilot, "end", "pagedown")


async def download(pilot: Any) -> None:
    await piece(pilot)
    await _keys(pilot, "d")


async def refuse(pilot: Any) -> None:
    await piece(pilot)
    await _keys(pilot, "r")


async def deposer_after(pilot: Any) -> None:
    """The Déposer tab prefilled from a hostile piece (its number in an input)."""
    await quick_login(pilot, "moe")
    await _keys(pilot, "down", "down", "enter", "n")
    await wait_until(pilot, lambda: quiet(pilot.app))


async def dossier(pilot: Any) -> None:
    await piece(pilot)
    await _keys(pilot, "o")


async def rechercher(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f3", "f9")


async def tableau(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f5")


async def fiscale(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f6", "f9")


async def archives(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f7")


async def archived_dossier(pilot: Any) -> None:
    await archives(pilot)
    await _keys(pilot, "enter")


async def deposer(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f4")
    await wait_until(pilot, lambda: quiet(pilot.app))


async def marche_choices(pilot: Any) -> None:
    await deposer(pilot)
    pilot.app.screen.query_one("#dep-marche").focus()
    await _keys(pilot, "enter")


async def structure_picker(pilot: Any) -> None:
    await deposer(pilot)
    await _keys(pilot, "ctrl+f")
    await _keys(pilot, "ctrl+s")


async def identity_picker(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "shift+f8")


async def marche(pilot: Any) -> None:
    """The card the palette's « Ouvrir le marché n° … » opens (hostile numbers cannot be
    typed)."""
    await quick_login(pilot, "moe")
    pilot.app.open_marche(HOSTILE + "1")
    await settle(pilot)


async def palette_goto(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await from_palette(pilot, "marché [b]X[/b]", "Ouvrir le marché")


async def palette_pieces(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await from_palette(pilot, "PDM", "Ouvrir la pièce")


SCENARIOS: dict[str, Steps] = {
    f.__name__: f
    for f in (
        synthese,
        piece,
        piece_history_end,
        download,
        refuse,
        dossier,
        deposer_after,
        rechercher,
        tableau,
        fiscale,
        archives,
        archived_dossier,
        deposer,
        marche_choices,
        structure_picker,
        identity_picker,
        marche,
        palette_goto,
        palette_pieces,
    )
}


@pytest.fixture
def hostile_app(make_app: Any, store_path: Path) -> Any:
    poison(store_path)
    return make_app


def assert_neutral(text: str) -> None:
    assert unsafe_in(text) == [], sorted({f"U+{ord(c):04X}" for c in unsafe_in(text)})


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_every_screen_shows_hostile_stored_text_neutralised(
    hostile_app: Any, name: str
) -> None:
    app = hostile_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await SCENARIOS[name](pilot)
        text = screen_text(app)
        assert_neutral(text)
        assert app.return_code is None and app.is_running  # no crash, no [@click=app.quit]
        svg = app.export_screenshot()
        assert_neutral(svg)
        assert "file:///etc" not in svg.replace("[link=file:///etc]", "")  # no live link


async def test_markup_in_stored_text_shows_literally(hostile_app: Any) -> None:
    app = hostile_app()
    async with app.run_test(size=(240, 60)) as pilot:
        await piece(pilot)
        text = screen_text(app)
        assert "[bold red]B[/]" in text and "\\u001b[2J" in text


async def test_notifications_and_errors_quoting_stored_text_are_neutral(
    hostile_app: Any,
) -> None:
    app = hostile_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await synthese(pilot)
        app.notify(f"Pièce {HOSTILE} ouverte", title=HOSTILE)
        await settle(pilot)
        text = screen_text(app)
        assert_neutral(text)
        assert MARKUP[:10] in text


async def test_app_download_stays_in_the_folder_and_asks_before_replacing(
    make_app: Any, store_path: Path, tmp_path: Path
) -> None:
    """A supplier's piece number chose where a download landed; now the file is inside the
    folder under a safe name, and a second download asks « Remplacer » before replacing."""
    import sqlite3

    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE pieces SET number = '/../../evil' || id")
    app = make_app()
    folder = tmp_path / "dl"
    async with app.run_test(size=(160, 50)) as pilot:
        await quick_login(pilot, "moe")
        await _keys(pilot, "enter", "d", "enter")
        assert type(app.screen).__name__ == "PieceScreen"
        (written,) = folder.iterdir()
        assert written.name.startswith("_.._.._evil") and written.name.endswith(".pdf")
        written.write_bytes(b"my notes")
        await _keys(pilot, "d", "enter")
        assert type(app.screen).__name__ == "DownloadModal"  # refused, kept open
        assert "existe déjà" in screen_text(app) and "Remplacer" in screen_text(app)
        assert written.read_bytes() == b"my notes"
        await _keys(pilot, "enter")
        assert type(app.screen).__name__ == "PieceScreen"
    assert written.read_bytes().startswith(b"%PDF")
    assert [p.name for p in folder.iterdir()] == [written.name]
    assert not list(tmp_path.glob("evil*")) and not list(tmp_path.parent.glob("evil*"))


async def test_recap_of_a_deposit_shows_plugin_and_stored_text_literally(
    hostile_app: Any,
) -> None:
    """The récapitulatif quotes the receipt (numbers, findings from plugins' rules)."""
    from datetime import datetime
    from decimal import Decimal
    from types import SimpleNamespace

    from decompte.tui.screens.recap import RecapScreen

    amount = Decimal("10.00")
    receipt = SimpleNamespace(
        message=f"Le décompte {HOSTILE} a été déposé",
        certificate=HOSTILE,
        dossier_number=HOSTILE,
        piece=SimpleNamespace(
            id=1,
            deposited_at=datetime(2026, 3, 16, 14, 0),
            total_ht=amount,
            total_vat=amount,
            total_ttc=amount,
            amount_due=amount,
        ),
        findings=[SimpleNamespace(severity="warning", message=HOSTILE)],
    )
    app = hostile_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await synthese(pilot)
        app.push_screen(RecapScreen(receipt))
        await settle(pilot)
        text = screen_text(app)
        assert_neutral(text)
        assert "[bold red]B[/]" in text and app.is_running
