"""What plugins add to the workstation, keys only: their exporters (FEC here) and their
commands (with arguments asked in a modal) in the command palette, run as the user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tui_helpers import (
    from_palette,
    greeter_plugin,
    load_plugins_with,
    login,
    screen_text,
    settle,
    tab_to,
    type_text,
    wait_until,
)

pytestmark = pytest.mark.anyio


async def test_fec_export_from_the_palette(make_app: Any, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await from_palette(
            pilot, "Exporter : Fichier des", "Exporter : Fichier des écritures", "enter"
        )
        assert type(app.screen).__name__ == "ExportDialog"
        assert "journal_code" in screen_text(app)
        await tab_to(pilot, "options")
        await type_text(pilot, "journal_code")  # no value: refused in the modal
        await pilot.press("enter")
        await settle(pilot)
        assert "Option mal formée : journal_code" in screen_text(app)
        await type_text(pilot, "=VTX 'journal_label=Ventes travaux'")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
        await wait_until(pilot, lambda: list(tmp_path.glob("*FEC*.txt")))
        await settle(pilot)
        (fec,) = tmp_path.glob("*FEC*.txt")
    assert fec.name.startswith("552109878FEC")
    lines = fec.read_text(encoding="iso-8859-15").splitlines()
    assert lines[0].startswith("JournalCode|JournalLib|EcritureNum")
    assert lines[1].startswith("VTX|Ventes travaux|1|")
    assert "pièce(s) exportée(s)" in "".join(str(n.message) for n in app._notifications)


async def test_a_plugin_command_asks_its_arguments_and_runs_as_the_user(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_plugins_with(monkeypatch, salut=greeter_plugin())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await from_palette(pilot, "Commande : Saluer", "Saluer quelqu'un", "enter")
        assert type(app.screen).__name__ == "CommandArgs"
        await pilot.press("enter")  # the required argument is empty
        await settle(pilot)
        assert "Renseignez « nom » : à qui dire bonjour" in screen_text(app)
        await type_text(pilot, "Luc")
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: app._notifications)
        messages = " ".join(str(n.message) for n in app._notifications)
    assert "Bonjour Luc, vous agissez pour BATIMENTS DURAND SA" in messages
