"""Bad input: each refusal names the field, and nothing is half-written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from decompte.sdk.demo import demo_pdf
from decompte.sdk.errors import Conflict, NotFound, UsageError, ValidationRefused
from decompte.sdk.files_check import AttachmentInput
from decompte.sdk.store.schema import events, files, pieces

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def counts(core):
    with core.store.read() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (pieces, events, files)
        )


def blobs(core):
    return sorted(p.name for p in core.store.files.root.rglob("*") if p.is_file())


def rule_ids(raised):
    return {f.rule_id for f in raised.value.findings if f.severity == "error"}


def test_wrong_cadre_for_the_role(core, as_, draft):
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft("A15", "BAD-1"))
    assert {"cadre.role", "cadre.chain"} <= rule_ids(raised)


def test_unknown_cadre(core, as_, draft):
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft("A99", "BAD-2"))
    assert "cadre.unknown" in rule_ids(raised)


def test_association_out_of_chain(core, as_, draft):
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "CHAIN-1")).piece
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("moe"), draft("A17", "CHAIN-2"), after=a4.id)
    finding = next(f for f in raised.value.findings if f.rule_id == "cadre.chain")
    assert finding.field == "cadre"
    assert "A15" in finding.hint and "A16" in finding.hint


def test_association_by_a_structure_that_does_not_hold_the_piece(core, as_, draft):
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "CHAIN-3")).piece
    with pytest.raises(Exception) as raised:
        core.workflow.deposit(as_("moa"), draft("A15", "CHAIN-4"), after=a4.id)
    assert raised.value.field in ("after", "cadre")


def test_refusal_and_suspension_need_a_reason(core, as_, draft):
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "REASON-1")).piece
    for act in (
        lambda: core.workflow.refuse(as_("moe"), a4.id, "ACHEMINEMENT", "  "),
        lambda: core.workflow.suspend(as_("moe"), a4.id, ""),
    ):
        with pytest.raises(UsageError) as raised:
            act()
        assert raised.value.field == "reason"
    assert core.queries.piece(as_("moe"), a4.id).state == "MISE_A_DISPOSITION_MOE"


def test_refusal_motive_must_be_allowed_for_the_role(core, as_, draft):
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "MOTIVE-1")).piece
    with pytest.raises(UsageError) as raised:
        core.workflow.refuse(as_("moe"), a4.id, "PAS_CONTENT", "montant")
    assert raised.value.field == "motive"


def test_failed_deposit_leaves_no_row_and_no_file(core, as_, draft, tmp_path):
    pdf = tmp_path / "nouveau.pdf"
    pdf.write_bytes(demo_pdf("unique content for this test 7f3a", ["test"]))
    before, stored = counts(core), blobs(core)
    bad = draft(A4, "HALF-1", total_ttc=Decimal("999.99"))  # header does not add up
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), bad, file=pdf)
    assert "amounts.header" in rule_ids(raised)
    assert counts(core) == before and blobs(core) == stored


def test_duplicate_number_is_refused_with_a_hint(core, as_, draft):
    core.workflow.deposit(as_("titulaire"), draft(A4, "DUP-1"))
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "DUP-1"))
    finding = next(f for f in raised.value.findings if f.rule_id == "number.unique")
    assert finding.field == "number" and "nouveau numéro" in finding.hint


def test_warnings_need_confirmation(core, as_, draft):
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "WARN-1", "1000.00")).piece
    differing = draft("A15", "WARN-2", "900.00")  # MOE statement differs from the draft
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("moe"), differing, after=a4.id)
    assert {f.rule_id for f in raised.value.findings} >= {"amounts.differs_from_draft"}
    assert not rule_ids(raised)
    receipt = core.workflow.deposit(as_("moe"), differing, after=a4.id, confirm_warnings=True)
    assert any(f.rule_id == "amounts.differs_from_draft" for f in receipt.findings)


def test_missing_attachment_file_is_named(core, as_, draft, tmp_path):
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(
            as_("titulaire"),
            draft(A4, "ATT-1"),
            attachments_in=[AttachmentInput(tmp_path / "absent.pdf")],
        )
    assert any(f.field == "attachments[0]" for f in raised.value.findings)


def test_unknown_marche_and_piece(core, as_, draft):
    with pytest.raises(NotFound) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "M-1", marche="NOPE"))
    assert raised.value.field == "marche_number"
    with pytest.raises(NotFound):
        core.workflow.take(as_("moe"), 999_999)


def test_stale_version_is_a_conflict(core, as_, draft):
    a4 = core.workflow.deposit(as_("titulaire"), draft(A4, "VER-1")).piece
    core.workflow.take(as_("moe"), a4.id, expected_version=a4.version)
    with pytest.raises(Conflict):
        core.workflow.suspend(as_("moe"), a4.id, "pièce manquante", expected_version=a4.version)
    with pytest.raises(Conflict):  # the state no longer allows it
        core.workflow.take(as_("moe"), a4.id)


# -- recipient and MOE come from the marché's identity card --------------------------------------
def actor_findings(raised):
    return [f for f in raised.value.findings if f.rule_id.startswith("actors.")]


def test_a_recipient_not_on_the_identity_card_is_refused_with_the_cards_names(core, as_, draft):
    outsider = as_("cotraitant").structure  # on another marché, not on 2026-ECO-001
    before = counts(core)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(
            as_("titulaire"), draft(A4, "CARD-1", recipient_identifier=outsider.identifier)
        )
    (finding,) = actor_findings(raised)
    assert (finding.rule_id, finding.field) == ("actors.not_on_card", "recipient_identifier")
    assert outsider.identifier in finding.message
    for key in ("sf", "moa"):  # the hint names who may receive it
        assert as_(key).structure.identifier in finding.hint
    assert counts(core) == before


def test_a_card_actor_in_another_role_is_not_the_moe(core, as_, draft):
    moa = as_("moa").structure
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "CARD-2", moe_identifier=moa.identifier))
    (finding,) = actor_findings(raised)
    assert (finding.rule_id, finding.field) == ("actors.not_on_card", "moe_identifier")
    assert as_("moe").structure.identifier in finding.hint


def test_the_moa_of_the_card_may_be_chosen_as_recipient(core, as_, draft):
    moa = as_("moa").structure
    piece = core.workflow.deposit(
        as_("titulaire"), draft(A4, "CARD-3", recipient_identifier=moa.identifier)
    ).piece
    assert piece.recipient_structure_id == moa.id


def test_an_inactive_structure_receives_nothing(core, as_, draft):
    moe = as_("moe")
    core.org.set_structure_active(moe, moe.structure.id, False)
    before = counts(core)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "CARD-4"))  # A4 goes to the MOE
    (finding,) = actor_findings(raised)
    assert (finding.rule_id, finding.field) == ("actors.inactive", "moe_identifier")
    assert "réactiver" in finding.hint
    assert counts(core) == before
