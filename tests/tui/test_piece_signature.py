"""The piece screen says what the piece's signed PDF proves: « Signature : valide (…) »,
computed from the stored file with the configured trust bundle (Queries.signature_check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from documents.conftest import sign
from documents.pki import SIGNER_CN, make_pki
from tui_helpers import open_piece, screen_text, wait_until

from decompte.sdk.config import Config
from decompte.sdk.demo import demo_pdf
from decompte.sdk.documents.signature import Verdict

from support import make_draft

pytest.importorskip("pyhanko")
pytestmark = pytest.mark.anyio

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


@pytest.fixture
def signed_piece(core: Any, tmp_path: Path) -> dict[str, Any]:
    """A piece deposited with a PDF signed by a throw-away CA, and that CA's root."""
    signer, root_pem = make_pki()
    root = tmp_path / "racine.pem"
    root.write_bytes(root_pem)
    pdf = tmp_path / "signe.pdf"
    pdf.write_bytes(sign(demo_pdf("Projet de décompte mensuel", ["Mars 2026"]), signer))
    session = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    draft = make_draft(A4, "SIG-TUI-1", issue_date=core.clock().date())
    piece = core.workflow.deposit(session, draft, file=pdf, confirm_warnings=True).piece
    assert piece.file_format == "PDF_SIGNE_PADES"
    return {"piece": piece, "root": root}


def test_queries_check_the_stored_file_against_the_trust_bundle(
    core: Any, signed_piece: dict[str, Any]
) -> None:
    from decompte.sdk.core import Core

    piece = signed_piece["piece"]
    trusted = Core(core.store, Config(trust_bundle=(signed_piece["root"],)), core.clock)
    moe = trusted.org.open_session(trusted.org.user("juliette.forin@atelier-moreau.fr"))
    check = trusted.queries.signature_check(moe, piece.id)
    assert check.verdict is Verdict.VALID and check.worst.signer_name == SIGNER_CN
    untrusted = core.queries.signature_check(moe, piece.id)
    assert untrusted.verdict is Verdict.UNVERIFIABLE
    blob = core.store.files.path(piece.file_sha256)
    data = bytearray(blob.read_bytes())
    data[10] ^= 0x01  # the stored file tampered with after the deposit
    blob.write_bytes(bytes(data))
    assert trusted.queries.signature_check(moe, piece.id).verdict is Verdict.ALTERED


async def test_piece_screen_shows_the_signature_verdict(
    core: Any, store_path: Path, tmp_path: Path, signed_piece: dict[str, Any]
) -> None:
    from decompte.tui.app import DecompteApp

    config = Config(ui={"files_dir": str(tmp_path)}, trust_bundle=(signed_piece["root"],))
    app = DecompteApp(str(store_path), config=config, clock=core.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "SIG-TUI-1", quick=True)
        assert type(app.screen).__name__ == "PieceScreen"
        await wait_until(pilot, lambda: "Signature :" in screen_text(app))
        line = str(app.screen.query_one("#piece-signature").render())
        assert line.startswith("Signature : valide (") and SIGNER_CN in line
