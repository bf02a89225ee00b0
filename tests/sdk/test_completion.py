"""Completing a suspended piece supplies what was missing (issue #12, part 2): attachments
and a new file for the piece, checked as at deposit, written with the state change in one
transaction, named in the history, and seen by the MOE the piece goes back to."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from decompte.sdk.demo import demo_pdf
from decompte.sdk.errors import Conflict, NotAuthorised, NotFound, UsageError, ValidationRefused
from decompte.sdk.files_check import AttachmentInput
from decompte.sdk.store.schema import attachments, events, pieces, structures

from engines import ENGINES, demo_core, row_counts
from support import LOGINS, make_draft

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def _pdf(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(demo_pdf(text, [text]))
    return path


def _blobs(core) -> set[str]:
    return {p.name for p in core.store.files.root.glob("*/*") if not p.name.startswith(".")}


def _rows(core, table) -> int:
    with core.store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def suspended(core, as_, draft, tmp_path):
    """An A4 deposited with its file by the titulaire, suspended by the MOE."""
    first = _pdf(tmp_path, "projet-mensuel.pdf", "premier fichier 1c7e")
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "CPL-1"), file=first).piece
    core.workflow.suspend(as_("moe"), a4.id, "Le bon de commande manque")
    return core.workflow.piece(a4.id)


def test_completion_stores_attachments_and_a_new_file_and_says_so(core, as_, suspended, tmp_path):
    titulaire, moe = as_("titulaire"), as_("moe")
    order = _pdf(tmp_path, "bon-commande.pdf", "bon de commande 88a1")
    report = _pdf(tmp_path, "pv.pdf", "proces verbal 4f02")
    new_file = _pdf(tmp_path, "projet-mensuel-v2.pdf", "second fichier 9d3b")
    before = len(core.queries.history(moe, suspended.id))

    done = core.workflow.complete(
        titulaire,
        suspended.id,
        "Bon de commande et PV joints",
        engagement="EJ2026000999",
        attachments_in=[
            AttachmentInput(order, "BON_DE_COMMANDE", "BC n° 12"),
            AttachmentInput(report, "proces_verbal"),
        ],
        file=new_file,
    )

    assert (done.state, done.holder_structure_id) == ("COMPLETEE", moe.structure.id)
    assert (done.file_name, done.engagement) == ("projet-mensuel-v2.pdf", "EJ2026000999")
    assert done.file_sha256 != suspended.file_sha256
    listed = core.queries.attachments(moe, done.id)
    assert [(a["name"], a["kind"], a["designation"]) for a in listed] == [
        (
            "projet-mensuel.pdf",
            "FICHIER_REMPLACE",
            "Fichier de la pièce remplacé le 23/11/2026 : projet-mensuel.pdf",
        ),
        ("bon-commande.pdf", "BON_DE_COMMANDE", "BC n° 12"),
        ("pv.pdf", "PROCES_VERBAL", ""),
    ]
    history = core.queries.history(moe, done.id)
    assert len(history) == before + 1  # one event for the whole completion
    assert history[-1].reason == (
        "Bon de commande et PV joints — Numéro d'engagement : EJ2026000123 → EJ2026000999 ; "
        "Fichier de la pièce remplacé : projet-mensuel.pdf → projet-mensuel-v2.pdf "
        "(l'ancien reste en pièce jointe) ; "
        "Pièces jointes ajoutées : bon-commande.pdf (Bon de commande), pv.pdf (Procès-verbal)"
    )
    assert not done.downloaded  # new documents: no longer « téléchargée » for the MOE

    (tmp_path / "moe").mkdir()
    written = core.workflow.download(moe, done.id, tmp_path / "moe")
    contents = {p.name: p.read_bytes() for p in written}
    assert contents["CPL-1-projet-mensuel-v2.pdf"] == new_file.read_bytes()
    assert contents["CPL-1-projet-mensuel.pdf"] == (tmp_path / "projet-mensuel.pdf").read_bytes()
    assert contents["CPL-1-bon-commande.pdf"] == order.read_bytes()
    assert contents["CPL-1-pv.pdf"] == report.read_bytes()


def test_a_completion_without_files_records_only_what_changed(core, as_, suspended):
    done = core.workflow.complete(
        as_("titulaire"), suspended.id, "EJ corrigé", engagement=suspended.engagement
    )
    assert core.queries.history(as_("moe"), done.id)[-1].reason == "EJ corrigé"
    assert core.queries.attachments(as_("moe"), done.id) == []


def test_a_refused_file_leaves_nothing_written(core, as_, suspended, tmp_path):
    good = _pdf(tmp_path, "bon-commande.pdf", "bon de commande 5e5e")
    fake = tmp_path / "pv.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all")
    stored, rows = _blobs(core), _rows(core, attachments)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.complete(
            as_("titulaire"),
            suspended.id,
            "PV joint",
            attachments_in=[AttachmentInput(good, "BON_DE_COMMANDE"), AttachmentInput(fake)],
        )
    assert {f.field for f in raised.value.findings if str(f.severity) == "error"} == {
        "attachments[1]"
    }
    after = core.workflow.piece(suspended.id)
    assert (after.state, after.version) == ("SUSPENDUE", suspended.version)
    assert _blobs(core) == stored and _rows(core, attachments) == rows


def test_a_failure_inside_the_transaction_removes_the_files_it_wrote(
    core, as_, suspended, tmp_path
):
    """The MOE's structure became inactive meanwhile: the completion is refused once the
    blobs are written; nothing of it stays, neither rows nor files."""
    moe_id = as_("moe").structure.id
    with core.store.write() as conn:
        conn.execute(update(structures).where(structures.c.id == moe_id).values(active=False))
    order = _pdf(tmp_path, "bon-commande.pdf", "bon de commande a1a1")
    stored, rows, logged = _blobs(core), _rows(core, attachments), _rows(core, events)
    with pytest.raises(ValidationRefused):
        core.workflow.complete(
            as_("titulaire"),
            suspended.id,
            "Bon de commande joint",
            attachments_in=[AttachmentInput(order, "BON_DE_COMMANDE")],
            file=_pdf(tmp_path, "v2.pdf", "v2 b2b2"),
        )
    assert core.workflow.piece(suspended.id).state == "SUSPENDUE"
    assert (_blobs(core), _rows(core, attachments), _rows(core, events)) == (stored, rows, logged)


def test_the_core_s_own_type_is_not_the_user_s(core, as_, suspended, tmp_path):
    order = _pdf(tmp_path, "bon-commande.pdf", "bon de commande c3c3")
    with pytest.raises(UsageError) as raised:
        core.workflow.complete(
            as_("titulaire"),
            suspended.id,
            "joint",
            attachments_in=[AttachmentInput(order, "FICHIER_REMPLACE")],
        )
    assert raised.value.field == "attachments[0].kind"
    assert "FICHIER_REMPLACE" not in raised.value.hint and "BON_DE_COMMANDE" in raised.value.hint


@pytest.mark.parametrize("who", ["moe", "moa", "sf", "soustraitant", "cotraitant"])
def test_only_the_depositor_completes_before_any_file_is_read(core, as_, suspended, who):
    """Others are refused by the policy or the table, not told about the files (the path
    given here does not even exist)."""
    with pytest.raises((NotAuthorised, NotFound, UsageError)) as raised:
        core.workflow.complete(
            as_(who),
            suspended.id,
            "joint",
            attachments_in=[AttachmentInput(Path("/nonexistent/bc.pdf"))],
        )
    assert not isinstance(raised.value, ValidationRefused)
    assert core.workflow.piece(suspended.id).state == "SUSPENDUE"


def test_a_piece_not_suspended_takes_no_new_file(core, as_, draft, tmp_path):
    """Its depositor holds it again (refused), but only a suspended piece is completed."""
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "CPL-2")).piece
    core.workflow.refuse(as_("moe"), a4.id, "ACHEMINEMENT", "mauvais destinataire")
    with pytest.raises(Conflict, match="Compléter"):
        core.workflow.complete(
            as_("titulaire"), a4.id, "nouveau fichier", file=_pdf(tmp_path, "v2.pdf", "x")
        )
    assert core.workflow.piece(a4.id).file_name == ""


@pytest.fixture(params=ENGINES)
def engine_core(request, tmp_path, demo_template):
    yield from demo_core(request.param, tmp_path, demo_template)


def test_same_on_both_engines_long_names_kept_and_refusals_write_nothing(engine_core, tmp_path):
    """The replaced file's name is longer than an attachment's name may be (stored by an
    older version, whose column allows 200; PostgreSQL would refuse it as an attachment's):
    it is shortened, extension kept, the whole name in the designation; a refused completion
    leaves every table as it was."""
    core = engine_core
    titulaire = core.org.open_session(core.org.user(LOGINS["titulaire"]))
    moe = core.org.open_session(core.org.user(LOGINS["moe"]))
    first = _pdf(tmp_path, "projet.pdf", "long 5a5a")
    a4 = core.workflow.deposit(titulaire, make_draft(A4, "CPL-PG"), file=first).piece
    long_name = "projet-de-decompte-mensuel-novembre-2026-lot-02-gros-oeuvre-v1.pdf"
    with core.store.write() as conn:
        conn.execute(update(pieces).where(pieces.c.id == a4.id).values(file_name=long_name))
    core.workflow.suspend(moe, a4.id, "BC manquant")

    fake = tmp_path / "bc.pdf"
    fake.write_bytes(b"not a pdf")
    counts = row_counts(core)
    with pytest.raises(ValidationRefused):
        core.workflow.complete(
            titulaire, a4.id, "BC", attachments_in=[AttachmentInput(fake)], file=first
        )
    assert row_counts(core) == counts

    done = core.workflow.complete(
        titulaire, a4.id, "Nouveau fichier", file=_pdf(tmp_path, "v2.pdf", "v2 6b6b")
    )
    (kept,) = core.queries.attachments(moe, done.id)
    assert kept["name"] == long_name[:46] + ".pdf" and len(kept["name"]) == 50
    assert kept["designation"].endswith(long_name)


def test_warnings_on_the_files_need_confirming(core, as_, suspended, tmp_path):
    """As at deposit: a doubtful file (a PDF named .docx) is refused until confirmed."""
    odd = tmp_path / "pv.docx"
    odd.write_bytes(demo_pdf("pv", ["pv"]))
    attach = [AttachmentInput(odd, "PROCES_VERBAL")]
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.complete(as_("titulaire"), suspended.id, "PV", attachments_in=attach)
    assert "--confirm" in raised.value.message
    assert {f.rule_id for f in raised.value.findings} == {"attachment.content"}
    assert core.workflow.piece(suspended.id).state == "SUSPENDUE"
    done = core.workflow.complete(
        as_("titulaire"), suspended.id, "PV", attachments_in=attach, confirm_warnings=True
    )
    assert [a["name"] for a in core.queries.attachments(as_("moe"), done.id)] == ["pv.docx"]
