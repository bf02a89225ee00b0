"""The one table of piece actions (sdk/actions.py) and the refusal motives the transition
table admits: what the CLI, the app's dialog and keys are built from."""

from __future__ import annotations

import pytest

from decompte.sdk.actions import BY_COMMAND, PIECE_ACTIONS, perform
from decompte.sdk.errors import UsageError
from decompte.sdk.states import Action
from decompte.sdk.transitions import TRANSITIONS, NextHolder, Transition, TransitionTable

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


@pytest.fixture
def a4(core, as_, draft):
    return core.workflow.deposit(as_("titulaire"), draft(A4, "ACT-1")).piece


def test_the_process_command_keeps_its_sub_commands():
    assert list(BY_COMMAND) == ["take", "refuse", "suspend", "complete", "validate", "pay"]
    assert [a.action for a in PIECE_ACTIONS if a.deposit] == [Action.ASSOCIATE]


def test_perform_passes_each_action_only_what_it_takes(core, as_, a4):
    moe = as_("moe")
    with pytest.raises(UsageError) as raised:  # a refusal needs its comment
        perform(core.workflow, moe, "refuse", a4.id, motive="ACHEMINEMENT")
    assert raised.value.field == "reason"
    with pytest.raises(UsageError):  # the next piece is a deposit, not a process
        perform(core.workflow, moe, "associate", a4.id)
    taken = perform(core.workflow, moe, "take", a4.id, reason="ignoré", motive="ignoré")
    assert taken.state == "PRISE_EN_COMPTE_MOE"
    assert core.queries.history(moe, a4.id)[-1].reason == ""


def test_refusal_motives_come_from_the_transition_table_a_plugins_rows_included(core, as_, a4):
    wf = core.workflow
    assert wf.refusal_motives(a4) == ["ACHEMINEMENT", "AUTRE_MOTIF"]
    sf_state = "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    assert TRANSITIONS.motives(sf_state, A4, "SERVICE_FINANCIER") == ["ACHEMINEMENT"]
    # a plugin narrows the MOE's refusal of this cadre to « autre motif »
    own = Transition(
        "MISE_A_DISPOSITION_MOE",
        Action.REFUSE,
        "REFUSEE_MOE_AUTRE_MOTIF",
        "MOE",
        holder=NextHolder.DEPOSITOR,
        motive="AUTRE_MOTIF",
        cadre=A4,
    )
    wf.transitions = TransitionTable([*TRANSITIONS, own])
    assert wf.refusal_motives(a4) == ["AUTRE_MOTIF"]
    with pytest.raises(UsageError) as raised:
        wf.refuse(as_("moe"), a4.id, "ACHEMINEMENT", "adresse erronée")
    assert raised.value.field == "motive"
    refused = wf.refuse(as_("moe"), a4.id, "AUTRE_MOTIF", "hors marché")
    assert refused.state == "REFUSEE_MOE_AUTRE_MOTIF"


@pytest.mark.parametrize("motive", [None, "", "  ", "MONTANT"])
def test_a_refusal_takes_no_motive_for_granted(core, as_, a4, motive):
    """No default anywhere: a missing or unknown motive is a usage error listing the holder's
    motives with their labels, and the piece stays as it was (no event, same version)."""
    moe, wf = as_("moe"), core.workflow
    with pytest.raises(UsageError) as raised:
        wf.refuse(moe, a4.id, motive, "Destinataire erroné")
    error = raised.value
    assert error.field == "motive" and error.exit_code == 2
    assert "ACHEMINEMENT (erreur dans les données d'acheminement)" in error.hint
    assert "AUTRE_MOTIF (autre motif)" in error.hint
    assert "écart de montant" in error.hint and "état d'acompte" in error.hint
    with pytest.raises(UsageError, match="obligatoire" if not (motive or "").strip() else "non"):
        perform(wf, moe, "refuse", a4.id, motive=motive, reason="Destinataire erroné")
    after = wf.piece(a4.id)
    assert (after.state, after.version) == (a4.state, a4.version)
    assert [e.action for e in core.queries.history(moe, a4.id)] == ["deposit"]
