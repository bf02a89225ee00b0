"""The deposit form model both front-ends use: the cadres it offers, its defaults from the
marché's identity card or the previous piece, how it completes a draft and checks it."""

from __future__ import annotations

from decompte.sdk.deposit_form import open_form
from decompte.sdk.model import ActorRole, PieceDraft

from support import TODAY

ECO = "2026-ECO-001"
TITULAIRE_IBAN = "FR7630006000011234567890189"


def test_first_piece_cadres_are_the_initial_ones_of_the_roles_held_on_the_marche(core, as_):
    form = open_form(core, as_("titulaire"), marche_number=ECO)
    assert form.roles == {ActorRole.FOURNISSEUR}
    assert [c.code for c in form.cadres] == [
        c.code for c in core.cadres if c.initial and c.depositor is ActorRole.FOURNISSEUR
    ]
    # the sub-contractor of the same marché is offered its own cadres, not the titulaire's
    sub = open_form(core, as_("soustraitant"), marche_number=ECO)
    assert {c.depositor for c in sub.cadres} == {ActorRole.SOUSTRAITANT}


def test_a_structure_without_initial_cadre_is_offered_no_marche(core, as_):
    form = open_form(core, as_("moe"))
    assert form.cadres == () and form.marches == () and form.marche is None


def test_defaults_come_from_the_identity_card(core, as_):
    form = open_form(core, as_("titulaire"), marche_number=ECO)
    marche = core.register.by_number(ECO)
    d = form.defaults
    assert d.recipient.id == marche.one(ActorRole.SERVICE_FINANCIER)  # before the MOA
    assert d.moe.id == marche.one(ActorRole.MOE)
    assert d.moa.id == marche.one(ActorRole.MOA)
    assert d.supplier.id == as_("titulaire").structure.id
    assert d.service_code == "SERVICES_TECHNIQUES"  # the MOA's service on the card
    assert d.engagement == "EJ2026000123"
    assert d.iban == TITULAIRE_IBAN  # the supplier's only bank account


def test_several_bank_accounts_leave_the_choice_to_the_user(core, as_):
    titulaire = as_("titulaire")
    core.org.add_bank_account(
        titulaire, titulaire.structure.id, "FR7630004000031234567890143", "", "Autre compte"
    )
    form = open_form(core, titulaire, marche_number=ECO)
    assert len(form.accounts) == 2 and form.defaults.iban == ""


def test_next_piece_offers_the_holders_cadres_and_carries_the_bank_details(core, as_):
    moe = as_("moe")
    prev = core.queries.find_piece(moe, "PDM-2026-04")
    form = open_form(core, moe, after=prev.id)
    assert {c.short for c in form.cadres} == {
        c.short for c in core.workflow.next_cadres(prev) if c.depositor is ActorRole.MOE
    }
    assert form.marche_number == prev.marche_number and form.after == prev.id
    assert form.defaults.iban == TITULAIRE_IBAN  # the previous piece's, not the MOE's
    assert form.defaults.recipient.id == prev.recipient_structure_id


def test_complete_fills_only_what_is_blank(core, as_):
    form = open_form(core, as_("titulaire"), marche_number=ECO)
    blank = PieceDraft(cadre="A4", number="N-1", issue_date=TODAY)
    done = form.complete(blank)
    assert (done.marche_number, done.engagement, done.iban) == (
        ECO,
        "EJ2026000123",
        TITULAIRE_IBAN,
    )
    assert done.recipient_identifier == form.defaults.recipient.identifier
    typed = PieceDraft(
        cadre="A4", number="N-1", issue_date=TODAY, engagement="EJ-AUTRE", service_code="X"
    )
    kept = form.complete(typed)
    assert (kept.engagement, kept.service_code) == ("EJ-AUTRE", "X")


def test_check_turns_a_refusal_into_a_finding_on_its_field(core, as_):
    form = open_form(core, as_("titulaire"), marche_number="NOPE")
    assert form.marche is None
    draft = form.complete(PieceDraft(cadre="A4", number="N-2", issue_date=TODAY))
    findings = form.check(core, draft)
    assert [(f.severity, f.field) for f in findings] == [("error", "marche_number")]
