"""Every circuit of domain §4 replayed through the engine: states, history, deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from decompte.sdk.queries import SearchCriteria
from decompte.sdk.states import Motive
from decompte.sdk.vocabulary import deposited_sentence

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
A15 = "A15_ETAT_ACOMPTE_MOE"
A19 = "A19_ETAT_ACOMPTE_VALIDE_MOA"


def actions(core, session, piece_id):
    return [
        (e.action, e.from_state, e.to_state, e.acting_role)
        for e in core.queries.history(session, piece_id)
    ]


def test_in_contract_circuit_to_payment(core, as_, draft, clock):
    titulaire, moe, moa, sf = as_("titulaire"), as_("moe"), as_("moa"), as_("sf")
    today = clock().date()
    receipt = core.workflow.deposit(titulaire, draft(A4, "T-PDM-100", "50000.00"))
    a4 = receipt.piece
    assert a4.state == "MISE_A_DISPOSITION_MOE"
    assert a4.holder_structure_id == moe.structure.id
    assert receipt.message.startswith(
        "Le projet de décompte mensuel numéro T-PDM-100 a été "
        "déposé, il est en cours de transmission à la maîtrise "
        "d'œuvre (82345678500125 - ATELIER MOREAU ARCHITECTES)"
    )
    assert receipt.certificate.startswith("CD20261123")
    deadline = core.queries.deadline(a4)
    assert (deadline.due, deadline.days_left) == (today + timedelta(days=7), 7)

    clock.advance(days=2)
    assert core.workflow.take(moe, a4.id).state == "PRISE_EN_COMPTE_MOE"
    a15 = core.workflow.deposit(
        moe, draft(A15, "T-EA-100", "49000.00"), after=a4.id, confirm_warnings=True
    ).piece
    assert core.queries.piece(moe, a4.id).state == "ASSOCIEE"
    assert (a15.state, a15.holder_structure_id) == ("MISE_A_DISPOSITION_MOA", moa.structure.id)
    assert a15.dossier_id == a4.dossier_id

    clock.advance(days=3)
    a19 = core.workflow.deposit(moa, draft(A19, "T-EAV-100", "49000.00"), after=a15.id).piece
    assert (a19.state, a19.holder_structure_id) == (
        "MISE_A_DISPOSITION_SERVICE_FINANCIER",
        sf.structure.id,
    )
    assert core.workflow.take(sf, a19.id).state == "PRISE_EN_COMPTE_SERVICE_FINANCIER"

    dossier = core.queries.dossier(titulaire, a4.dossier_id)
    assert dossier["status"] == "TERMINE"
    assert [p.number for p in dossier["pieces"]] == ["T-PDM-100", "T-EA-100", "T-EAV-100"]
    assert [p.state for p in dossier["pieces"]] == [
        "ASSOCIEE",
        "ASSOCIEE",
        "PRISE_EN_COMPTE_SERVICE_FINANCIER",
    ]
    # Payment clock: 30 days from availability of the payment request to the MOE.
    assert dossier["payment"].due == today + timedelta(days=30)
    assert actions(core, titulaire, a4.id) == [
        ("deposit", "", "MISE_A_DISPOSITION_MOE", "FOURNISSEUR"),
        ("take", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE", "MOE"),
        ("associate", "PRISE_EN_COMPTE_MOE", "ASSOCIEE", "MOE"),
    ]
    assert actions(core, sf, a19.id) == [
        ("deposit", "", "MISE_A_DISPOSITION_SERVICE_FINANCIER", "MOA"),
        (
            "take",
            "MISE_A_DISPOSITION_SERVICE_FINANCIER",
            "PRISE_EN_COMPTE_SERVICE_FINANCIER",
            "SERVICE_FINANCIER",
        ),
    ]
    assert any(d["number"] == "T-PDM-100" for d in core.queries.archives(titulaire))


def test_end_of_contract_circuit(core, as_, draft):
    titulaire, moe, moa, sf = as_("titulaire"), as_("moe"), as_("moa"), as_("sf")
    m = "2025-VOI-014"
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-1", "80000.00", marche=m)).piece
    a17 = core.workflow.deposit(
        moe, draft("A17", "T-PDG-1", "79000.00", marche=m), after=a7.id, confirm_warnings=True
    ).piece
    assert a17.state == "MISE_A_DISPOSITION_MOA"
    a20 = core.workflow.deposit(
        moa, draft("A20", "T-DG-1", "79000.00", marche=m), after=a17.id
    ).piece
    assert (a20.state, a20.holder_structure_id) == (
        "MISE_A_DISPOSITION_FOURNISSEUR",
        titulaire.structure.id,
    )
    a8 = core.workflow.deposit(
        titulaire, draft("A8", "T-DGD-1", "79000.00", marche=m), after=a20.id
    ).piece
    assert a8.state == "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    core.workflow.take(sf, a8.id)
    dossier = core.queries.dossier(moe, a7.dossier_id)
    assert dossier["status"] == "TERMINE"
    assert [p.cadre.split("_")[0] for p in dossier["pieces"]] == ["A7", "A17", "A20", "A8"]


def test_contractor_refuses_general_statement_for_other_motive(core, as_, draft):
    titulaire, moe, moa = as_("titulaire"), as_("moe"), as_("moa")
    m = "2025-VOI-014"
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-2", marche=m)).piece
    a17 = core.workflow.deposit(moe, draft("A17", "T-PDG-2", marche=m), after=a7.id).piece
    a20 = core.workflow.deposit(moa, draft("A20", "T-DG-2", marche=m), after=a17.id).piece
    refused = core.workflow.refuse(
        titulaire, a20.id, Motive.AUTRE_MOTIF, "Montant des révisions contesté"
    )
    assert refused.state == "REFUSEE_FOURNISSEUR_AUTRE_MOTIF"
    assert refused.holder_structure_id == moa.structure.id  # back to its depositor
    # The MOA deposits the general statement again, under a new number, after the same draft.
    again = core.workflow.deposit(moa, draft("A20", "T-DG-2B", marche=m), after=a17.id).piece
    assert again.state == "MISE_A_DISPOSITION_FOURNISSEUR"


def test_subcontractor_validator_circuit_then_moe(core, as_, draft):
    st, titulaire, moe = as_("soustraitant"), as_("titulaire"), as_("moe")
    a10 = core.workflow.deposit(st, draft("A10", "ST-1", "3000.00")).piece
    assert (a10.state, a10.holder_structure_id, a10.holder_role) == (
        "MISE_A_DISPOSITION_PREMIER_VALIDEUR",
        titulaire.structure.id,
        "PREMIER_VALIDEUR",
    )
    validated = core.workflow.validate(titulaire, a10.id)
    assert (validated.state, validated.holder_structure_id) == (
        "VALIDEE_PAR_PREMIER_VALIDEUR",
        moe.structure.id,
    )
    a15 = core.workflow.deposit(moe, draft(A15, "T-EA-ST1", "3000.00"), after=a10.id).piece
    assert a15.state == "MISE_A_DISPOSITION_MOA"
    assert core.queries.piece(st, a10.id).state == "ASSOCIEE"


def test_two_validators_and_out_of_time(core, as_, draft, clock):
    st2, cot, titulaire, moe = (
        as_("soustraitant2"),
        as_("cotraitant"),
        as_("titulaire"),
        as_("moe"),
    )
    gym = "2026-GYM-002"
    piece = core.workflow.deposit(st2, draft("A10", "PG-9", marche=gym)).piece
    assert piece.holder_structure_id == cot.structure.id
    after_first = core.workflow.validate(cot, piece.id)
    assert (after_first.state, after_first.holder_structure_id) == (
        "MISE_A_DISPOSITION_SECOND_VALIDEUR",
        titulaire.structure.id,
    )
    # The second validator lets 15 days pass: the piece goes on to its recipient.
    clock.advance(days=15)
    core.workflow.sweep()
    assert core.queries.piece(st2, piece.id).state == "MISE_A_DISPOSITION_SECOND_VALIDEUR"
    clock.advance(days=1)
    moved = [c for c in core.workflow.sweep() if c.kind == "validation"]
    assert [(c.number, c.to_state) for c in moved] == [("PG-9", "VALIDATION_2_HORS_DELAI")]
    late = core.queries.piece(moe, piece.id)
    assert (late.state, late.holder_structure_id) == ("VALIDATION_2_HORS_DELAI", moe.structure.id)
    history = core.queries.history(moe, piece.id)
    assert [(e.action, e.to_state) for e in history] == [
        ("deposit", "MISE_A_DISPOSITION_PREMIER_VALIDEUR"),
        ("validate", "VALIDEE_PAR_PREMIER_VALIDEUR"),
        ("forward", "MISE_A_DISPOSITION_SECOND_VALIDEUR"),
        ("expire", "VALIDATION_2_HORS_DELAI"),
    ]
    assert history[-1].user_login == "systeme"


def test_cotraitant_needs_mandataire_validation(core, as_, draft):
    cot, titulaire, moe = as_("cotraitant"), as_("titulaire"), as_("moe")
    piece = core.workflow.deposit(cot, draft("A13", "CM-9", marche="2026-GYM-002")).piece
    assert piece.holder_structure_id == titulaire.structure.id
    refused = core.workflow.refuse(titulaire, piece.id, "ACHEMINEMENT", "Mauvais marché")
    assert refused.state == "REFUSEE_PREMIER_VALIDEUR_ACHEMINEMENT"
    assert moe.structure.id not in {refused.holder_structure_id}


def test_situations_3_and_4_contractor_deposits_for_moe_and_moa(core, as_, draft):
    titulaire, moa, sf = as_("titulaire"), as_("moa"), as_("sf")
    a5 = core.workflow.deposit(titulaire, draft("A5", "T-EA-S3")).piece
    assert (a5.state, a5.holder_structure_id) == ("MISE_A_DISPOSITION_MOA", moa.structure.id)
    assert core.queries.history(titulaire, a5.id)[0].acting_role == "FOURNISSEUR/MOE"
    a19 = core.workflow.deposit(moa, draft(A19, "T-EAV-S3"), after=a5.id).piece
    assert a19.holder_structure_id == sf.structure.id
    a6 = core.workflow.deposit(titulaire, draft("A6", "T-EAV-S4")).piece
    assert (a6.state, a6.holder_structure_id) == (
        "MISE_A_DISPOSITION_SERVICE_FINANCIER",
        sf.structure.id,
    )
    assert core.queries.history(titulaire, a6.id)[0].acting_role == "FOURNISSEUR/MOA"


def test_suspend_then_complete_returns_to_the_moe(core, as_, draft, clock):
    titulaire, moe = as_("titulaire"), as_("moe")
    a4 = core.workflow.deposit(titulaire, draft(A4, "T-PDM-S")).piece
    suspended = core.workflow.suspend(moe, a4.id, "Le bon de commande manque")
    assert (suspended.state, suspended.holder_structure_id) == ("SUSPENDUE", titulaire.structure.id)
    assert core.queries.deadline(suspended) is None  # nothing for the MOE to do meanwhile
    clock.advance(days=1)
    done = core.workflow.complete(
        titulaire, a4.id, "Bon de commande joint", engagement="EJ2026000999"
    )
    assert (done.state, done.holder_structure_id, done.engagement) == (
        "COMPLETEE",
        moe.structure.id,
        "EJ2026000999",
    )
    assert core.queries.deadline(done).due == clock().date() + timedelta(days=7)
    assert core.workflow.take(moe, a4.id).state == "PRISE_EN_COMPTE_MOE"


def test_refused_next_piece_can_be_deposited_again(core, as_, draft):
    titulaire, moe, moa = as_("titulaire"), as_("moe"), as_("moa")
    a4 = core.workflow.deposit(titulaire, draft(A4, "T-PDM-R")).piece
    a15 = core.workflow.deposit(moe, draft(A15, "T-EA-R"), after=a4.id).piece
    core.workflow.refuse(moa, a15.id, Motive.ACHEMINEMENT, "Service destinataire erroné")
    assert core.queries.dossier(moe, a4.dossier_id)["status"] == "EN_COURS"
    again = core.workflow.deposit(moe, draft(A15, "T-EA-R2"), after=a4.id).piece
    assert again.state == "MISE_A_DISPOSITION_MOA"


def test_refused_initial_piece_closes_dossier_and_shows_in_synthese_for_ten_days(
    core, as_, draft, clock
):
    titulaire, moe = as_("titulaire"), as_("moe")
    a4 = core.workflow.deposit(titulaire, draft(A4, "T-PDM-X")).piece
    core.workflow.refuse(moe, a4.id, Motive.ACHEMINEMENT, "Erreur de destinataire")
    assert core.queries.dossier(titulaire, a4.dossier_id)["status"] == "REFUSE"
    numbers = [r.number for r in core.queries.synthese(titulaire).rows]
    assert "T-PDM-X" in numbers
    clock.advance(days=11)
    numbers = [r.number for r in core.queries.synthese(titulaire).rows]
    assert "T-PDM-X" not in numbers


def test_allowed_actions_follow_the_holder_and_the_stage(core, as_, draft):
    titulaire, moe, st = as_("titulaire"), as_("moe"), as_("soustraitant")
    a4 = core.workflow.deposit(titulaire, draft(A4, "T-ALLOW")).piece
    allowed = core.workflow.allowed_actions
    assert allowed(moe, a4) == ["take", "refuse", "suspend", "associate"]
    assert allowed(titulaire, a4) == []
    assert [c.short for c in core.workflow.next_cadres(a4)] == ["A15", "A16"]
    suspended = core.workflow.suspend(moe, a4.id, "pièce jointe manquante")
    assert allowed(titulaire, suspended) == ["complete"] and allowed(moe, suspended) == []
    a10 = core.workflow.deposit(st, draft("A10", "ST-ALLOW")).piece
    assert allowed(titulaire, a10) == ["refuse", "validate"]


def test_check_reports_findings_without_writing(core, as_, draft):
    before = core.queries.search(as_("titulaire"), SearchCriteria(number="T-CHECK")).total
    findings = core.workflow.check(as_("titulaire"), draft(A4, "T CHECK", engagement="x" * 60))
    assert {"number.format", "engagement.format"} <= {f.rule_id for f in findings}
    assert core.workflow.check(as_("titulaire"), draft(A4, "T-CHECK")) == []
    assert core.queries.search(as_("titulaire"), SearchCriteria(number="T-CHECK")).total == before


@pytest.mark.parametrize(
    "document, feminine, start, agreement",
    [
        ("Demande de paiement direct", None, "La demande de paiement direct", "déposée, elle"),
        ("Attestation de fin de travaux", None, "L'attestation de fin de travaux", "déposée, elle"),
        ("Mémoire en réclamation", None, "Le mémoire en réclamation", "déposé, il"),
        ("Avenant", None, "L'avenant", "déposé, il"),
        ("Décompte de révision", None, "Le décompte de révision", "déposé, il"),
        ("Situation de travaux", False, "Le situation de travaux", "déposé, il"),
        ("Relevé", True, "La relevé", "déposée, elle"),
    ],
)
def test_deposit_sentence_agrees_with_plugin_documents(document, feminine, start, agreement):
    """A cadre may say its document's gender; otherwise its first word tells it."""
    expected = f"{start} numéro N a été {agreement} est"
    assert deposited_sentence(document, "N", feminine) == expected


def test_recapitulatif_wording_agrees_with_the_document(core, as_, draft):
    titulaire, moa = as_("titulaire"), as_("moa")
    a5 = core.workflow.deposit(titulaire, draft("A5", "T-EA-W"))
    assert a5.message.startswith(
        "L'état d'acompte numéro T-EA-W a été déposé, il est en cours "
        "de transmission à la maîtrise d'ouvrage"
    )
    a19 = core.workflow.deposit(moa, draft(A19, "T-EAV-W"), after=a5.piece.id)
    assert "il est en cours de transmission au service financier (13000412000171" in a19.message
    a1 = core.workflow.deposit(titulaire, draft("A1", "T-F-W"))
    assert a1.message.startswith("La facture numéro T-F-W a été déposée, elle est en cours")
