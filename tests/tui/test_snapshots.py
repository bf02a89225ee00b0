"""SVG snapshots of every screen and modal at 80×24 and 160×50 (fixed clock, fixed store,
no blink, no animation). Update with `pytest tests/tui --snapshot-update`, then look at them."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import (
    choose,
    focus,
    from_palette,
    greeter_plugin,
    load_plugins_with,
    login,
    open_piece,
    quick_login,
    quiet,
    settle,
    type_text,
    wait_until,
)

SIZES = {"80x24": (80, 24), "160x50": (160, 50)}
Steps = Callable[[Any], Awaitable[None]]


async def _keys(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def _deposer_filled(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f4")
    await choose(pilot, "dep-cadre", "A4", direct=True)
    await choose(pilot, "dep-marche", "2026-ECO", direct=True)
    await focus(pilot, "dep-number")
    await type_text(pilot, "PDM-2026-06")
    row = pilot.app.screen.query("VatLineRow").first()
    await focus(pilot, f"base-{row.n}")
    await type_text(pilot, "18 250,40")
    await wait_until(pilot, lambda: quiet(pilot.app))
    await _form_scrolled_to_focus(pilot)


async def _form_scrolled_to_focus(pilot: Any) -> None:
    """The form's scroll depends on when the live check's notes came in: settle it on the
    final layout (scrolled from the top just enough to show the focused field)."""
    await settle(pilot)
    form = pilot.app.screen.query_one("#deposer-form")
    form.scroll_home(animate=False)
    await settle(pilot)
    pilot.app.focused.scroll_visible(animate=False)
    await settle(pilot)


async def login_screen(pilot: Any) -> None:
    await settle(pilot)


async def login_error(pilot: Any) -> None:
    await login(pilot, "moe", "pas-le-bon")


async def synthese(pilot: Any) -> None:
    await quick_login(pilot, "moe")


async def rechercher(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f3")
    await focus(pilot, "search-dossier")
    await type_text(pilot, "PDM-2026-01")
    await _keys(pilot, "enter")


async def deposer(pilot: Any) -> None:
    await _deposer_filled(pilot)


async def deposer_invalid(pilot: Any) -> None:
    await _deposer_filled(pilot)
    await focus(pilot, "dep-number")
    await pilot.press("end")
    await type_text(pilot, " é")
    await _keys(pilot, "f9")
    await wait_until(pilot, lambda: quiet(pilot.app))
    await _form_scrolled_to_focus(pilot)


async def deposer_after(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-04", quick=True)
    await _keys(pilot, "n")


async def tableau(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f5")


async def fiscale(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f6")


async def archives(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f7")


async def piece(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-03", quick=True)


async def piece_tacit(pilot: Any) -> None:
    """The demo's A22 at the MOA: the tacit procedure's countdown under the state."""
    await open_piece(pilot, "moa", "PDG-T-GYM-01", quick=True)


async def dossier(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f7", "down", "down", "enter")


async def marche(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await from_palette(pilot, "marché 2026-ECO-001", "Ouvrir le marché", "enter")


async def palette(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await from_palette(pilot, "PDM-2026-03", "Ouvrir la pièce")


async def plugin_export(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await from_palette(pilot, "Exporter : Fichier des", "Exporter : Fichier des écritures", "enter")


async def plugin_command(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    # the second Enter leaves the required argument empty
    await from_palette(pilot, "Commande : Saluer", "Saluer quelqu'un", "enter", "enter")


async def help_screen(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f1")


async def take(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-03", quick=True)
    await _keys(pilot, "t")


async def refuse(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-03", quick=True)
    await _keys(pilot, "r", "tab")
    await type_text(pilot, "Destinataire erroné")


async def refuse_error(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-03", quick=True)
    await _keys(pilot, "r", "tab", "enter")


async def suspend(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-03", quick=True)
    await _keys(pilot, "s")
    await type_text(pilot, "Bon de commande manquant")


async def complete(pilot: Any) -> None:
    await open_piece(pilot, "titulaire", "PDM-2026-S1", quick=True)
    await _keys(pilot, "c")


async def validate(pilot: Any) -> None:
    await open_piece(pilot, "titulaire", "LEF-2026-11", quick=True)
    await _keys(pilot, "v")


async def pay(pilot: Any) -> None:
    await open_piece(pilot, "sf", "EAV-DUR-2026-08", quick=True)
    await _keys(pilot, "m")


async def download(pilot: Any) -> None:
    await open_piece(pilot, "moe", "PDM-2026-03", quick=True)
    await _keys(pilot, "d")


async def structure_picker(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f4")
    await wait_until(pilot, lambda: quiet(pilot.app))
    await _keys(pilot, "ctrl+f")
    await type_text(pilot, "2145*")


async def file_picker(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f4")
    await wait_until(pilot, lambda: quiet(pilot.app))
    await _keys(pilot, "ctrl+o")


async def attachment_picker(pilot: Any) -> None:
    await quick_login(pilot, "titulaire")
    await _keys(pilot, "f4")
    await wait_until(pilot, lambda: quiet(pilot.app))
    await _keys(pilot, "ctrl+t")


async def confirm_deposit(pilot: Any) -> None:
    await _deposer_filled(pilot)
    await _keys(pilot, "f9")


async def recap(pilot: Any) -> None:
    await _deposer_filled(pilot)
    await _keys(pilot, "f9", "enter")


async def reset_form(pilot: Any) -> None:
    await _deposer_filled(pilot)
    await _keys(pilot, "ctrl+r")


async def export(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "f9")


async def identity_picker(pilot: Any) -> None:
    await quick_login(pilot, "moe")
    await _keys(pilot, "shift+f8")


SCENARIOS: dict[str, Steps] = {
    f.__name__: f
    for f in (
        login_screen,
        login_error,
        synthese,
        rechercher,
        deposer,
        deposer_invalid,
        deposer_after,
        tableau,
        fiscale,
        archives,
        piece,
        piece_tacit,
        dossier,
        marche,
        palette,
        plugin_export,
        plugin_command,
        help_screen,
        take,
        refuse,
        refuse_error,
        suspend,
        complete,
        validate,
        pay,
        download,
        structure_picker,
        file_picker,
        attachment_picker,
        confirm_deposit,
        recap,
        reset_form,
        export,
        identity_picker,
    )
}


@pytest.fixture
def snapshot_app(
    make_app: Any, tmp_path: Path, core: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Any]:
    import decompte.sdk.deposit as workflow
    from decompte.sdk.demo import demo_pdf
    from decompte.sdk.model import MemberRole

    counter = itertools.count(1)
    monkeypatch.setattr(
        workflow.secrets, "token_hex", lambda n=None: f"{next(counter):0{2 * (n or 4)}X}"
    )
    folder = tmp_path / "pieces"
    folder.mkdir()
    (folder / "decompte-mars.pdf").write_bytes(demo_pdf("Décompte", ["Mars 2026"]))
    (folder / "bon-de-commande.pdf").write_bytes(demo_pdf("Bon de commande", ["n° 12"]))
    # the MOE's user is also attached to the commune: two identities to choose from
    moe_user = core.org.user("juliette.forin@atelier-moreau.fr")
    moa = core.org.open_session(core.org.user("marie.lambert@saint-aubin.fr"))
    core.org.decide_attachment(
        moa, core.org.request_attachment(moe_user, moa.structure.id), True, MemberRole.USER
    )
    load_plugins_with(monkeypatch, salut=greeter_plugin())
    return lambda: make_app(files_dir="pieces", export_dir="exports", download_dir="dl")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_snapshot(
    scenario: str, size: str, snap_compare: Any, snapshot_app: Callable[[], Any]
) -> None:
    steps = SCENARIOS[scenario]

    async def run_before(pilot: Any) -> None:
        await steps(pilot)
        await wait_until(pilot, lambda: quiet(pilot.app))

    assert snap_compare(snapshot_app(), terminal_size=SIZES[size], run_before=run_before)
