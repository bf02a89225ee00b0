"""Identity switch, keymap, palette, help, themes, errors, Escape, sort, export, download,
and the virtual table with 100 000 rows."""

from __future__ import annotations

import csv
import re
from types import SimpleNamespace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input
from tui_helpers import (
    choose,
    cursor_to,
    login,
    open_piece,
    quiet,
    screen_text,
    settle,
    tab_to,
    type_text,
    wait_until,
)

from decompte.sdk.model import Address, IdentifierType

pytestmark = pytest.mark.anyio


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_identity_switch_with_one_key(make_app: Any, core: Any) -> None:
    from decompte.sdk.model import MemberRole

    moe_user = core.org.user("juliette.forin@atelier-moreau.fr")
    moa = core.org.open_session(core.org.user("marie.lambert@saint-aubin.fr"))
    request = core.org.request_attachment(moe_user, moa.structure.id)
    core.org.decide_attachment(moa, request, True, MemberRole.USER)
    # A simple user reads the commune's pieces once subscribed to the works space.
    core.org.request_space(core.org.open_session(moe_user, moa.structure.identifier))
    core.org.decide_space(moa, moe_user.id, "FACTURES_TRAVAUX", True)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await login(pilot, "moe")
        assert len(app.identities) == 2
        assert "ATELIER MOREAU ARCHITECTES" in screen_text(app).splitlines()[0]
        await pilot.press("f8")
        await settle(pilot)
        header = screen_text(app).splitlines()[0]
        assert "COMMUNE DE SAINT-AUBIN-SUR-LOIRE" in header
        assert "Maîtrise d'ouvrage" in header
        table = app.screen.query_one("#synthese-table")
        numbers = {table.row_at(i).number for i in range(table.total)}
        assert "EA-2026-02" in numbers  # the commune's pieces now
        await pilot.press("shift+f8")
        await settle(pilot)
        assert type(app.screen).__name__ == "IdentityPicker"
        await pilot.press("enter")
        await settle(pilot)
        assert app.identity.structure.name == "ATELIER MOREAU ARCHITECTES"


async def test_keymap_from_config(make_app: Any) -> None:
    app = make_app(keymap={"main.rechercher": "ctrl+g", "piece.take": "p", "piece.inconnu": "x"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any("piece.inconnu" in n for n in _notes(app))
        await login(pilot, "moe")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert app.screen.active_tab == "rechercher"
        await pilot.press("f2")
        await settle(pilot)
        await cursor_to(pilot, "synthese-table", "PDM-2026-03")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionModal"
        await pilot.press("escape")
        await pilot.press("f1")
        await settle(pilot)
        assert "Identifiant" in screen_text(app)
        assert "main.rechercher" in screen_text(app) and "ctrl+g" in screen_text(app)


async def test_palette_goes_to_a_piece_by_number(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "moe")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "PDM-2026-03")
        await pilot.pause(0.4)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        assert "n° PDM-2026-03" in screen_text(app)
        await pilot.press("o")  # its billing file
        await settle(pilot)
        assert type(app.screen).__name__ == "DossierScreen"


async def test_failing_query_shows_a_notification(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from decompte.sdk.queries import Queries

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disque plein")

    monkeypatch.setattr(Queries, "synthese", broken)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "moe")
        assert any("disque plein" in n for n in _notes(app))
        assert "disque plein" in screen_text(app)
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.active_tab == "rechercher"  # still responsive


async def test_escape_keeps_what_was_typed(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-03")
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "Il manque le bon de commande")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.query_one("#reason", Input).value == "Il manque le bon de commande"


async def test_sort_and_export_csv(make_app: Any, tmp_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "moe")
        # past Délai, Paiement and Marché: Montant HT, largest first
        await pilot.press("right", "right", "right", "right", "s")
        await settle(pilot)
        table = app.screen.query_one("#synthese-table")
        assert table.sort_key == "total_ht" and table.descending
        assert table.row_at(0).number == "PDM-2026-03"
        await pilot.press("f9")
        await settle(pilot)
        assert type(app.screen).__name__ == "ExportDialog"
        await pilot.press("enter")
        await settle(pilot)
    files = list(tmp_path.glob("synthese-*.csv"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:4] == ["Numéro", "Délai", "Marché", "Montant HT"]
    assert rows[1][0] == "PDM-2026-03" and rows[1][3] == "39780,50"
    assert len(rows) == 1 + 6


async def test_download_marks_the_piece(make_app: Any, tmp_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-03")
        assert re.search(r"Téléchargée\s+non", screen_text(app))
        await pilot.press("d")
        await settle(pilot)
        assert type(app.screen).__name__ == "DownloadModal"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PieceScreen"
        assert re.search(r"Téléchargée\s+oui", screen_text(app))
    written = list((tmp_path / "dl").iterdir())
    assert [p.name for p in written] == ["PDM-2026-03-PDM-2026-03.pdf"]
    assert written[0].read_bytes().startswith(b"%PDF")


async def test_themes_and_no_blink(make_app: Any) -> None:
    for name in ("light", "high-contrast", "ansi16", "dark"):
        app = make_app(theme=name)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.theme == name
            assert app.animation_level == "none"
            assert app.focused.cursor_blink is False


async def test_search_tab(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await pilot.press("f3")
        await settle(pilot)
        await tab_to(pilot, "search-dossier")
        await type_text(pilot, "PDM-2026-01")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#search-table")
        numbers = [table.row_at(i).number for i in range(table.total)]
        assert sorted(numbers) == ["EA-2026-01", "EAV-2026-01", "PDM-2026-01"]
        await tab_to(pilot, "search-from")
        await type_text(pilot, "31/02/2026")
        await pilot.press("enter")
        await settle(pilot)
        assert "Date illisible" in screen_text(app)


async def test_dashboard_fiscal_archives(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "moe")
        await pilot.press("f5")
        await settle(pilot)
        text = screen_text(app)
        assert "6 pièce(s) à traiter" in text and "2 en retard" in text
        table = app.screen.query_one("#stock-table")
        assert table.row_at(0).days_left == min(
            table.row_at(i).days_left
            for i in range(table.total)
            if table.row_at(i).days_left is not None
        )
        await pilot.press("f6")
        await settle(pilot)
        fiscal = app.screen.query_one("#fiscal-table")
        assert fiscal.total and all(
            fiscal.row_at(i).cadre.startswith(("A15", "A17")) for i in range(fiscal.total)
        )
        await pilot.press("f7")
        await settle(pilot)
        assert "Dossiers de facturation terminés : 4" in screen_text(app)
        await pilot.press("down", "down", "down", "enter")  # the paid dossier closed later
        await settle(pilot)
        assert type(app.screen).__name__ == "DossierScreen"
        text = screen_text(app)
        assert "PDM-2026-01" in text and "EAV-2026-01" in text


# -- the virtual table alone, on 100 000 synthetic rows -------------------------------------
class _TableApp(App[None]):
    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total
        self.fetches: list[tuple[int, int]] = []

    def compose(self) -> ComposeResult:
        from decompte.tui.widgets.piece_columns import piece_columns
        from decompte.tui.widgets.vtable import VirtualTable

        yield VirtualTable(piece_columns(), id="big")

    def on_mount(self) -> None:
        self.query_one("#big").set_source(self.fetch)
        self.query_one("#big").focus()

    def fetch(self, offset: int, limit: int, sort: Any, descending: bool) -> tuple[list[Any], int]:
        from datetime import date, datetime
        from decimal import Decimal

        self.fetches.append((offset, limit))
        rows = [
            SimpleNamespace(
                id=i,
                number=f"P-{i:06d}",
                days_left=(i % 20) - 5,
                marche_number="M-1",
                total_ht=Decimal(i) / 100,
                recipient="R",
                supplier="S",
                moe="E",
                moa="A",
                deposited_at=datetime(2026, 1, 1),
                state_label="Mise à disposition de la MOE",
                state_date=date(2026, 1, 2),
                engagement="",
            )
            for i in range(offset, min(self.total, offset + limit))
        ]
        return rows, self.total


async def test_virtual_table_scrolls_100k_rows() -> None:
    app = _TableApp(100_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one("#big")
        assert table.total == 100_000
        await pilot.press("pagedown", "pagedown", "down")
        await settle(pilot)
        assert table.cursor == 2 * (table.size.height - 2) + 1
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 99_999
        assert table.current_row.number == "P-099999"
        assert table.position_text() == "Ligne 100\u00a0000 sur 100\u00a0000"
        assert sum(limit for _, limit in app.fetches) < 2_000  # never the whole table
        assert "P-099999" in screen_text(app)


async def test_virtual_table_keeps_few_rows_while_paging_far() -> None:
    """Memory stays flat: paging through thousands of rows keeps only those near the screen,
    and paging back reads the dropped ones again."""
    app = _TableApp(100_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one("#big")
        for _ in range(150):  # about 3 000 rows down
            await pilot.press("pagedown")
        await settle(pilot)
        assert table.cursor > 3_000
        assert len(table._rows) <= 3 * 200 + table.size.height  # one read on each side
        assert all(abs(i - table.top) <= 200 + table.size.height for i in table._rows)
        await pilot.press("home")
        await settle(pilot)
        assert table.current_row.number == "P-000000"
        assert "P-000000" in screen_text(app)


async def test_demo_mode_builds_a_fresh_store(tmp_path: Any) -> None:
    from decompte.sdk.config import Config
    from decompte.tui.app import DecompteApp

    db = tmp_path / "demo.db"
    db.write_text("ancienne base")  # replaced, with its siblings
    (tmp_path / "demo.db-wal").write_text("x")
    (tmp_path / "demo.db.files").mkdir()
    app = DecompteApp(str(db), config=Config(), demo=True)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        assert app.store_state == "ready"
        text = screen_text(app)
        assert "Comptes de démonstration" in text and "Decompte-Demo-2026" in text
        await tab_to(pilot, "demo-users")
        await pilot.press("enter")  # the first demo account fills the form
        await settle(pilot)
        assert app.screen.query_one("#login-id", Input).value.endswith("@batiments-durand.fr")
        await pilot.press("enter")
        await settle(pilot)
        assert app.identity is not None
        assert app.identity.structure.name == "BATIMENTS DURAND SA"
    assert db.read_bytes().startswith(b"SQLite format 3")


def test_first_frame_path_stays_light() -> None:
    """SQLAlchemy (sdk.core, sdk.store) and the records (sdk.model: 15 ms) are imported by the
    worker, after the first frame."""
    import subprocess
    import sys

    code = (
        "import sys, decompte.tui.__main__, decompte.tui.app, decompte.tui.screens.login\n"
        "heavy = [m for m in ('sqlalchemy', 'decompte.sdk.core', 'decompte.sdk.store',"
        " 'decompte.sdk.model', 'pypdf', 'lxml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_structure_search_by_identifier_type_and_status(make_app: Any, core: Any) -> None:
    """The portal's criteria beyond identifier, name and place: identifier type, libellé
    and status, results as you type."""
    titulaire = core.org.user("luc.durand@batiments-durand.fr")
    core.org.create_structure(
        titulaire,
        identifier="HU10597190",
        identifier_type=IdentifierType.UE_HORS_FRANCE,
        name="KOVACS EPITO KFT",
        label="Kovács Építő (Budapest)",
        address=Address("Fő utca 1", "1011", "Budapest", "HU"),
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert type(app.screen).__name__ == "StructurePicker"
        app.screen.query_one("#find-kind").clear()  # the recipient search opens on « Publique »
        await choose(pilot, "find-idtype", "UE hors", direct=True)
        await wait_until(pilot, lambda: quiet(app))
        assert [s.name for s in app.screen.results] == ["KOVACS EPITO KFT"]
        assert "1 structure(s)" in screen_text(app) and "active" in screen_text(app)
        app.screen.query_one("#find-idtype").clear()
        app.screen.query_one("#find-label", Input).value = "*ÉPÍTŐ*"
        await wait_until(pilot, lambda: quiet(app))
        assert [s.identifier for s in app.screen.results] == ["HU10597190"]
        await choose(pilot, "find-active", "Inactive", direct=True)
        await wait_until(pilot, lambda: quiet(app))
        assert app.screen.results == []


async def test_structure_search_ignores_a_result_that_arrives_after_new_criteria(make_app):
    """A slow earlier search must neither replace the list nor end « Recherche… » once
    the clerk has typed more: only the latest criteria's result is shown."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        picker = app.screen
        await wait_until(pilot, lambda: quiet(app))
        shown = list(picker.results)
        stale = picker._generation
        picker.query_one("#find-name", Input).value = "COMMUNE*"
        await pilot.pause()
        picker._show(stale, [object()])
        assert picker.searching and picker.results == shown
        await wait_until(pilot, lambda: quiet(app))
        assert picker.results and all(s.name.startswith("COMMUNE") for s in picker.results)
