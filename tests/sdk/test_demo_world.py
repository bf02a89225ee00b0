"""The demo world offers what a person trying Decompte must find (issue #12 part 7): an
account in two structures with different roles, a suspended piece, a piece near its
validator's limit, a dossier in tacit procedure, a piece paid late; all at fixed dates from
the demo's today."""

from __future__ import annotations

from decimal import Decimal

from decompte.sdk.model import MemberRole

from support import LOGINS, TODAY

MOE_SIRET, COTRAITANT_SIRET = "82345678500125", "51234987900233"


def test_one_account_acts_for_two_structures_in_two_roles(core):
    user = core.org.user(LOGINS["deux_structures"])
    roles = {
        core.org.structure(m.structure_id).identifier: m.role for m in core.org.memberships(user.id)
    }
    assert roles == {MOE_SIRET: MemberRole.GS, COTRAITANT_SIRET: MemberRole.USER}
    as_moe = core.org.open_session(user, MOE_SIRET)
    as_cotraitant = core.org.open_session(user, COTRAITANT_SIRET)
    # each side sees its own work: the MOE's pieces to process, the co-contractor's deposit
    moe_rows = {r.number for r in core.queries.synthese(as_moe).rows}
    assert "PDM-2026-03" in moe_rows
    assert core.queries.find_piece(as_cotraitant, "CM-2026-04").number == "CM-2026-04"
    assert "PDM-2026-03" not in {r.number for r in core.queries.synthese(as_cotraitant).rows}


def test_a_suspended_piece_waits_for_its_depositor(core, as_):
    piece = core.queries.find_piece(as_("titulaire"), "PDM-2026-S1")
    assert (piece.state, piece.holder_role) == ("SUSPENDUE", "DEPOSANT")


def test_a_piece_held_thirteen_days_by_its_validator(core, as_):
    piece = core.queries.find_piece(as_("titulaire"), "LEF-2026-10")
    assert (piece.state, piece.holder_role) == (
        "MISE_A_DISPOSITION_PREMIER_VALIDEUR",
        "PREMIER_VALIDEUR",
    )
    assert (TODAY - piece.holder_since).days == 13
    assert core.queries.deadline(piece).days_left == 2


def test_a_dossier_in_tacit_procedure_with_the_a23_to_do(core, as_):
    titulaire = as_("titulaire")
    a7 = core.queries.find_piece(titulaire, "PDF-GYM-01")
    a22 = core.queries.find_piece(titulaire, "PDG-T-GYM-01")
    assert (TODAY - a7.deposited_at.date()).days == 50  # far past the owner side's window
    assert a22.previous_id == a7.id and a22.dossier_id == a7.dossier_id
    assert a22.state == "MISE_A_DISPOSITION_MOA"  # nobody has deposited the A23 yet
    cadres = [p.cadre for p in core.queries.dossier(titulaire, a7.dossier_id)["pieces"]]
    assert not any(c.startswith("A23") for c in cadres)


def test_a_piece_paid_late_shows_its_interest(core, as_):
    """Made available to the service financier 50 days ago, paid 5 days ago: 15 days past
    its 30-day deadline, with the interest and the flat indemnity estimated."""
    piece = core.queries.find_piece(as_("titulaire"), "EAV-DUR-2026-05")
    assert piece.state == "MISE_EN_PAIEMENT"
    assert (TODAY - piece.state_date).days == 5
    payment = core.queries.payment(piece)
    assert payment is not None and payment.late is not None
    assert payment.late.days == 15
    assert payment.late.indemnity == 40
    # 49 200,00 € to pay (41 000,00 HT + 20 % VAT) x (2,15 % ECB rate in force on
    # 1 July 2026 + 8 points) x 15 / 365 = 205,2247 → 205,22 €
    assert payment.late.interest == Decimal("205.22")
