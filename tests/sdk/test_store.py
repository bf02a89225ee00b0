"""The store on a real SQLite file: schema = migrations, cheap reopen, files checked on read."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from decompte.sdk.demo import demo_pdf
from decompte.sdk.store import open_store
from decompte.sdk.store.engine import HEAD_REVISION, schema_revision
from decompte.sdk.store.files import CorruptFile
from decompte.sdk.store.schema import metadata

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def test_migrations_build_exactly_the_declared_schema(tmp_path):
    store = open_store(tmp_path / "fresh.db")
    assert schema_revision(store.engine) == HEAD_REVISION
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    store = open_store(tmp_path / "wal.db")
    with store.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_app_can_cap_sqlite_page_cache_per_connection(tmp_path):
    lean = open_store(tmp_path / "lean.db", sqlite_cache_kib=512)
    default = open_store(tmp_path / "lean.db")
    with lean.read() as conn:
        assert conn.execute(text("PRAGMA cache_size")).scalar() == -512
    with default.read() as conn:
        assert conn.execute(text("PRAGMA cache_size")).scalar() == -2000  # SQLite's own


def test_reopening_an_up_to_date_store_does_not_import_alembic(demo_db):
    code = (
        "import sys; from decompte.sdk.store import open_store; open_store(sys.argv[1]);"
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(demo_db)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_large_amounts_keep_every_cent(core, as_, draft):
    piece = core.workflow.deposit(as_("titulaire"), draft(A4, "BIG-1", "123456789012.34")).piece
    assert piece.total_ht == Decimal("123456789012.34")
    assert piece.total_ttc == Decimal("148148146814.81")


def test_downloaded_file_is_byte_for_byte_and_corruption_is_detected(core, as_, draft, tmp_path):
    pdf = tmp_path / "piece.pdf"
    pdf.write_bytes(demo_pdf("download test", ["test"]))
    piece = core.workflow.deposit(as_("titulaire"), draft(A4, "DL-1"), file=pdf).piece
    (tmp_path / "out").mkdir()
    (tmp_path / "again").mkdir()
    out = core.workflow.download(as_("moe"), piece.id, tmp_path / "out")
    assert [p.read_bytes() for p in out] == [pdf.read_bytes()]
    assert core.queries.piece(as_("moe"), piece.id).downloaded
    core.store.files.path(piece.file_sha256).write_bytes(b"tampered")
    with pytest.raises(CorruptFile):
        core.workflow.download(as_("moe"), piece.id, tmp_path / "again")


def test_register_reads_roles_and_choices_without_loading_marches(core, as_):
    moe = as_("moe")
    assert core.register.roles_of(moe.structure.id) == {"MOE"}
    titulaire = as_("titulaire")
    assert core.register.roles_of(titulaire.structure.id) == {"FOURNISSEUR"}
    assert [n for n, _ in core.register.choices_for(titulaire.structure.id)] == [
        "2026-GYM-002",
        "2026-ECO-001",
        "2025-VOI-014",
    ]
    assert core.register.choices_for(moe.structure.id, role="MOA") == []


def test_attachments_are_listed_for_visible_pieces_only(core, as_, draft, tmp_path):
    from decompte.sdk.errors import NotFound
    from decompte.sdk.files_check import AttachmentInput

    sheet = tmp_path / "situation.csv"
    sheet.write_text("poste;montant\nterrassement;1000\n", encoding="utf-8")
    piece = core.workflow.deposit(
        as_("titulaire"),
        draft(A4, "ATT-LIST"),
        attachments_in=[AttachmentInput(sheet, "SITUATION", "Situation de travaux")],
    ).piece
    listed = core.queries.attachments(as_("moe"), piece.id)
    assert listed == [
        {
            "name": "situation.csv",
            "kind": "SITUATION",
            "designation": "Situation de travaux",
            "size": sheet.stat().st_size,
        }
    ]
    with pytest.raises(NotFound):
        core.queries.attachments(as_("soustraitant2"), piece.id)
