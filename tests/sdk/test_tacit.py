"""The tacit procedure (issue #12 part 1): which state each piece ends in, who may deposit
A23/A24/A25 after an A22 the MOA holds, the owner side's windows as configuration, the early
deposit warning and the countdown, at fixed dates (the tests' clock starts on 23/11/2026)."""

from __future__ import annotations

from datetime import date

import pytest

from decompte.sdk.config import Config, load_config
from decompte.sdk.core import Core
from decompte.sdk.deadlines import DeadlineConfig
from decompte.sdk.errors import NotAuthorised, UsageError, ValidationRefused
from decompte.sdk.plugins import PluginHost
from decompte.sdk.store import open_store

from support import LOGINS

M = "2025-VOI-014"


def history(core, session, piece_id):
    return [(e.action, e.from_state, e.to_state) for e in core.queries.history(session, piece_id)]


def early(error: ValidationRefused) -> list[str]:
    return [f.message for f in error.findings if f.rule_id == "tacit.window"]


@pytest.fixture
def a22_at_moa(core, as_, draft, clock):
    """A7 made available to the MOE on 23/11/2026, unanswered; the contractor deposits its
    A22 on 24/12/2026, 31 days later (the window of 30 days has run out)."""
    titulaire = as_("titulaire")
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-T", marche=M)).piece
    clock.advance(days=31)
    a22 = core.workflow.deposit(titulaire, draft("A22", "T-PDG-T", marche=M), after=a7.id).piece
    return a7, a22


def test_a22_replaces_the_pending_final_draft_and_a23_associates_the_a22(
    core, as_, draft, clock, a22_at_moa
):
    titulaire, moa, sf = as_("titulaire"), as_("moa"), as_("sf")
    a7, a22 = a22_at_moa
    assert core.queries.piece(titulaire, a7.id).state == "REMPLACEE_PAR_A22"
    assert (a22.state, a22.holder_structure_id) == ("MISE_A_DISPOSITION_MOA", moa.structure.id)
    clock.advance(days=11)
    a23 = core.workflow.deposit(titulaire, draft("A23", "T-DGD-T", marche=M), after=a22.id).piece
    assert (a23.state, a23.holder_structure_id) == (
        "MISE_A_DISPOSITION_SERVICE_FINANCIER",
        sf.structure.id,
    )
    # The A22 is followed by the next piece: associated, not « remplacée ».
    assert core.queries.piece(titulaire, a22.id).state == "ASSOCIEE"
    # Exactly one history event per action.
    assert history(core, titulaire, a7.id) == [
        ("deposit", "", "MISE_A_DISPOSITION_MOE"),
        ("associate", "MISE_A_DISPOSITION_MOE", "REMPLACEE_PAR_A22"),
    ]
    assert history(core, titulaire, a22.id) == [
        ("deposit", "", "MISE_A_DISPOSITION_MOA"),
        ("associate", "MISE_A_DISPOSITION_MOA", "ASSOCIEE"),
    ]
    assert history(core, titulaire, a23.id) == [
        ("deposit", "", "MISE_A_DISPOSITION_SERVICE_FINANCIER")
    ]


def test_moe_deposits_a24_for_the_moa_holding_the_a22(core, as_, draft, clock, a22_at_moa):
    titulaire, moe, moa = as_("titulaire"), as_("moe"), as_("moa")
    _, a22 = a22_at_moa
    assert [c.short for c in core.workflow.cadres_after(a22, moe.structure.id)] == ["A24"]
    assert [c.short for c in core.workflow.cadres_after(a22, moa.structure.id)] == ["A25"]
    assert [c.short for c in core.workflow.cadres_after(a22, titulaire.structure.id)] == ["A23"]
    clock.advance(days=2)
    a24 = core.workflow.deposit(
        moe, draft("A24", "T-DGDT-MOE", marche=M), after=a22.id, confirm_warnings=True
    ).piece
    assert a24.state == "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    assert core.queries.piece(moa, a22.id).state == "ASSOCIEE"
    assert history(core, moa, a22.id)[-1] == (
        "associate",
        "MISE_A_DISPOSITION_MOA",
        "ASSOCIEE",
    )


def test_moa_deposits_a25_after_taking_the_a22_into_account(core, as_, draft, a22_at_moa):
    moa = as_("moa")
    _, a22 = a22_at_moa
    core.workflow.take(moa, a22.id)
    a25 = core.workflow.deposit(moa, draft("A25", "T-DGDT-MOA", marche=M), after=a22.id).piece
    assert a25.state == "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    assert core.queries.piece(moa, a22.id).state == "ASSOCIEE"


def test_a24_and_a25_only_by_their_depositors(core, as_, draft, a22_at_moa):
    titulaire, moa = as_("titulaire"), as_("moa")
    _, a22 = a22_at_moa
    with pytest.raises(NotAuthorised) as refused:  # the MOA holds the A22; A24 is its MOE's
        core.workflow.deposit(moa, draft("A24", "T-X-1", marche=M), after=a22.id)
    assert refused.value.message == (
        "Seule la maîtrise d'œuvre de la pièce dépose ce décompte pour la maîtrise d'ouvrage"
    )
    with pytest.raises(NotAuthorised) as refused:  # A25 is the holder's (the MOA)
        core.workflow.deposit(titulaire, draft("A25", "T-X-2", marche=M), after=a22.id)
    assert refused.value.message == "Seul le destinataire de la pièce dépose la suivante"
    assert core.queries.piece(moa, a22.id).state == "MISE_A_DISPOSITION_MOA"
    assert len(core.queries.history(moa, a22.id)) == 1


def test_a22_replaces_the_moes_draft_general_statement_at_the_moa(core, as_, draft, clock):
    titulaire, moe = as_("titulaire"), as_("moe")
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-U", marche=M)).piece
    clock.advance(days=5)
    a17 = core.workflow.deposit(
        moe, draft("A17", "T-PDG-U", marche=M), after=a7.id, confirm_warnings=True
    ).piece
    assert core.queries.piece(moe, a7.id).state == "ASSOCIEE"
    # The window still counts from the final draft (A7, 23/11/2026), not from the A17.
    countdown = core.queries.tacit(core.queries.piece(moe, a17.id))
    assert (countdown.short, countdown.start_number, countdown.days_left) == ("A22", "T-PDF-U", 25)
    clock.advance(days=25)
    core.workflow.deposit(titulaire, draft("A22", "T-PDG-V", marche=M), after=a17.id)
    assert core.queries.piece(moe, a17.id).state == "REMPLACEE_PAR_A22"


def test_a22_before_the_window_is_a_warning_saying_what_remains(core, as_, draft, clock):
    titulaire = as_("titulaire")
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-W", marche=M)).piece
    clock.advance(days=12)  # 05/12/2026: 18 of the 30 days remain
    with pytest.raises(ValidationRefused) as refused:
        core.workflow.deposit(titulaire, draft("A22", "T-PDG-W", marche=M), after=a7.id)
    assert early(refused.value) == [
        "Dépôt anticipé du A22 : il reste 18 j avant la fin du délai de 30 j ouvert par la mise "
        "à disposition de la pièce A7 n° T-PDF-W le 23/11/2026 (échéance le 23/12/2026)"
    ]
    assert all(f.severity == "warning" for f in refused.value.findings)
    assert core.queries.piece(titulaire, a7.id).state == "MISE_A_DISPOSITION_MOE"  # nothing written
    a22 = core.workflow.deposit(
        titulaire, draft("A22", "T-PDG-W", marche=M), after=a7.id, confirm_warnings=True
    ).piece
    clock.advance(days=3)  # A23 three days after the A22: 7 of the 10 days remain
    with pytest.raises(ValidationRefused) as refused:
        core.workflow.deposit(titulaire, draft("A23", "T-DGD-W", marche=M), after=a22.id)
    assert early(refused.value) == [
        "Dépôt anticipé du A23 : il reste 7 j avant la fin du délai de 10 j ouvert par la mise "
        "à disposition de la pièce A22 n° T-PDG-W le 05/12/2026 (échéance le 15/12/2026)"
    ]


def test_the_windows_come_from_the_configuration(demo_db, draft, clock, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[deadlines]\ntacit_a22_days = 45\ntacit_a23_days = 0\n")
    assert load_config(path).deadlines == DeadlineConfig(tacit_a22_days=45, tacit_a23_days=0)
    path.write_text("[deadlines]\ntacit_a22_days = -1\n")
    with pytest.raises(UsageError) as bad:
        load_config(path)
    assert bad.value.field == "deadlines.tacit_a22_days"
    config = Config(deadlines=DeadlineConfig(tacit_a22_days=45))
    core = Core(
        open_store(demo_db), config, clock, plugins=PluginHost.load(config, entry_points=False)
    )
    try:
        titulaire = core.org.open_session(core.org.user(LOGINS["titulaire"]))
        a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-C", marche=M)).piece
        clock.advance(days=31)
        with pytest.raises(ValidationRefused) as refused:
            core.workflow.deposit(titulaire, draft("A22", "T-PDG-C", marche=M), after=a7.id)
        assert "il reste 14 j avant la fin du délai de 45 j" in early(refused.value)[0]
    finally:
        core.close()


def test_countdown_of_a_silent_owner_side(core, as_, draft, clock):
    titulaire, moe, moa = as_("titulaire"), as_("moe"), as_("moa")
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-S", marche=M)).piece
    countdown = core.queries.tacit(a7)
    assert (countdown.short, countdown.due, countdown.days_left) == ("A22", date(2026, 12, 23), 30)
    assert countdown.describe() == (
        "Procédure tacite : Projet de décompte général (A22) possible dans 30 j, le 23/12/2026 "
        "(30 j après la mise à disposition de la pièce A7 n° T-PDF-S le 23/11/2026)"
    )
    clock.advance(days=30)
    countdown = core.queries.tacit(core.queries.piece(moe, a7.id))
    assert countdown.open and countdown.cell() == "Tacite A22 : ouverte"
    a22 = core.workflow.deposit(titulaire, draft("A22", "T-PDG-S", marche=M), after=a7.id).piece
    assert core.queries.tacit(core.queries.piece(moe, a7.id)) is None  # replaced: nobody waits
    clock.advance(days=4)
    waiting = core.queries.tacit(core.queries.piece(moa, a22.id))
    assert (waiting.short, waiting.start_number, waiting.days_left) == ("A23", "T-PDG-S", 6)
    row = next(r for r in core.queries.synthese(moa).rows if r.id == a22.id)
    assert row.tacit == waiting and row.tacit.cell() == "Tacite A23 : 6 j"
    # The owner side answers (refuses): the countdown stops.
    core.workflow.refuse(moa, a22.id, "AUTRE_MOTIF", "Décompte contesté")
    assert core.queries.tacit(core.queries.piece(moa, a22.id)) is None


def test_no_countdown_outside_the_tacit_procedure(core, as_, draft):
    titulaire = as_("titulaire")
    a4 = core.workflow.deposit(titulaire, draft("A4", "T-PDM-S")).piece
    assert core.queries.tacit(a4) is None
