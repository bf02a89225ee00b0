"""The transition table drives the engine: its rows hold up, their lookup order, and a plugin
that brings a cadre with its own states and transitions walks its circuit through the engine
(deposit, take, validate, the dossier closed), with bad rows refused by name."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from decompte.sdk import Action, NextHolder, Stage, State, Transition, hookimpl
from decompte.sdk.cadres import CadreTable
from decompte.sdk.config import Config
from decompte.sdk.core import Core
from decompte.sdk.errors import Conflict, NotAuthorised, NotHolder, UsageError
from decompte.sdk.plugins import PluginHost
from decompte.sdk.states import REFUSAL_MOTIVES, STATES, Motive
from decompte.sdk.store import open_store
from decompte.sdk.transitions import (
    BUILTIN_TRANSITIONS,
    GUARDS,
    TRANSITIONS,
    Situation,
    TransitionTable,
    row_problem,
)
from decompte.sdk.vocabulary import GUARD_LABELS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SRC = ROOT / "plugins" / "examples" / "decompte-exemple" / "src"
A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def test_every_builtin_row_holds_up_and_every_guard_has_a_label():
    assert [row_problem(row, STATES) for row in BUILTIN_TRANSITIONS] == [""] * len(
        BUILTIN_TRANSITIONS
    )
    assert set(GUARDS) == set(GUARD_LABELS)


def _reachable(rows: tuple[Transition, ...]) -> set[str]:
    """The states a piece can be in: a deposit's first states, then every row's target whose
    source (a state, or the stage of one) is reachable, until nothing more is."""
    reached = {row.target for row in rows if row.action is Action.DEPOSIT}
    grown = True
    while grown:
        sources = reached | {STATES[code].stage.value for code in reached}
        found = {row.target for row in rows if row.source in sources}
        grown = not found <= reached
        reached |= found
    return reached


def test_every_builtin_state_is_reachable_from_a_deposit_through_the_table():
    """A state no walk of the table reaches is dead data (REFUSEE_SERVICE_FINANCIER_AUTRE_MOTIF
    and REFUSEE_FOURNISSEUR_ACHEMINEMENT were built and never reached)."""
    builtin = {code for code in STATES if not code.startswith("RG_")}
    assert builtin - _reachable(BUILTIN_TRANSITIONS) == set()


def test_the_walk_finds_a_state_left_without_its_row():
    """The walk is not vacuous: drop the rows into one state and it is missing."""
    rows = tuple(r for r in BUILTIN_TRANSITIONS if r.target != "COMPLETEE")
    assert "COMPLETEE" not in _reachable(rows)
    rows = tuple(r for r in BUILTIN_TRANSITIONS if r.action is not Action.SUSPEND)
    assert {"SUSPENDUE", "COMPLETEE"}.isdisjoint(_reachable(rows))


def test_the_refused_states_are_those_of_the_motives_each_role_may_give():
    """Seeds 000 annex 3/3 and 001 annex 3/4: the MOE, the MOA and the validators refuse for
    either motive; the contractor refuses a general statement for another motive only; the
    service financier for a routing error only."""
    refused = {code for code, s in STATES.items() if s.stage is Stage.REFUSED}
    given = {(role, motive) for role, allowed in REFUSAL_MOTIVES.items() for motive in allowed}
    assert refused >= {f"REFUSEE_{role}_{motive}" for role, motive in given}
    assert "REFUSEE_FOURNISSEUR_ACHEMINEMENT" not in refused
    assert "REFUSEE_SERVICE_FINANCIER_AUTRE_MOTIF" not in refused
    assert REFUSAL_MOTIVES["FOURNISSEUR"] == {Motive.AUTRE_MOTIF}
    assert REFUSAL_MOTIVES["SERVICE_FINANCIER"] == {Motive.ACHEMINEMENT}


def test_a_state_row_comes_before_its_stage_row_and_a_cadre_row_before_any_cadre():
    generic = Transition(Stage.TAKEN.value, Action.VALIDATE, "ASSOCIEE", "MOE")
    for_a4 = Transition(Stage.TAKEN.value, Action.VALIDATE, "SUSPENDUE", "MOE", cadre=A4)
    for_state = Transition("PRISE_EN_COMPTE_MOE", Action.VALIDATE, "COMPLETEE", "MOE")
    table = TransitionTable([generic, for_a4])
    assert table.candidates("PRISE_EN_COMPTE_MOE", Action.VALIDATE, A4) == [for_a4, generic]
    assert table.candidates("PRISE_EN_COMPTE_MOA", Action.VALIDATE, "A1") == [generic]
    table.add(for_state)
    assert table.candidates("PRISE_EN_COMPTE_MOE", Action.VALIDATE, A4) == [for_state]
    assert table.candidates("SUSPENDUE", Action.VALIDATE, A4) == []


def test_rows_given_as_text_become_enums_and_print_as_data():
    row = Transition("RG_X", "validate", "ASSOCIEE", guard="initial_piece", holder="nobody")
    assert row.action is Action.VALIDATE and row.holder is NextHolder.NOBODY
    assert row.guard == ("initial_piece",)
    assert row.as_dict()["guard"] == ["initial_piece"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (Transition("PRISE_EN_COMPTE_MOE", "fly", "ASSOCIEE"), "action inconnue fly"),
        (Transition("NULLE_PART", Action.TAKE, "ASSOCIEE"), "état de départ inconnu NULLE_PART"),
        (Transition("SUSPENDUE", Action.TAKE, "NULLE_PART"), "état d'arrivée inconnu NULLE_PART"),
        (Transition("SUSPENDUE", Action.TAKE, "ASSOCIEE", guard="lune"), "condition inconnue"),
        (Transition("", Action.TAKE, "ASSOCIEE"), "seul un dépôt"),
        ("pas une ligne", "n'est pas une Transition"),
    ],
)
def test_a_plugin_row_that_does_not_hold_up_is_refused_by_name(row, problem):
    plugin = SimpleNamespace(decompte_transitions=hookimpl(lambda: [row]))
    host = PluginHost.load(Config(), entry_points=False, extra={"bad": plugin})
    assert host.transitions() == []
    assert [(p.plugin, p.hook) for p in host.problems] == [("bad", "decompte_transitions")]
    assert problem in host.problems[0].message


def test_a_plugin_state_no_row_leads_to_is_reported():
    lost = State("PERDUE_TEST", "Perdue", Stage.TAKEN)
    plugin = SimpleNamespace(decompte_states=hookimpl(lambda: [lost]))
    host = PluginHost.load(Config(), entry_points=False, extra={"lost": plugin})
    assert host.transitions() == []
    assert "état PERDUE_TEST : aucune transition n'y mène" in host.problems[0].message


def test_refusals_keep_their_exit_codes(core, as_, draft):
    titulaire, moe, sf = as_("titulaire"), as_("moe"), as_("sf")
    a4 = core.workflow.deposit(titulaire, draft(A4, "TR-1")).piece
    with pytest.raises(NotAuthorised):  # not the holder
        core.workflow.take(sf, a4.id)
    with pytest.raises(NotHolder):  # not the holder either, whatever the action
        core.workflow.complete(titulaire, a4.id, "rien")
    with pytest.raises(Conflict):  # only a suspended piece is completed
        core.workflow.complete(moe, a4.id, "rien")
    with pytest.raises(Conflict) as no_row:  # nothing to validate at the MOE
        core.workflow.validate(moe, a4.id)
    assert no_row.value.field == "state" and "Valider" in no_row.value.message
    core.workflow.take(moe, a4.id)
    with pytest.raises(Conflict):
        core.workflow.take(moe, a4.id)
    assert core.workflow.suspend(moe, a4.id, "pièce jointe manquante").state == "SUSPENDUE"
    assert core.workflow.allowed_actions(titulaire, core.workflow.piece(a4.id)) == [Action.COMPLETE]
    with pytest.raises(NotAuthorised):  # by its depositor only
        core.workflow.complete(moe, a4.id, "moi")
    back = core.workflow.complete(titulaire, a4.id, "jointe")
    assert (back.state, back.holder_role) == ("COMPLETEE", "MOE")


def test_a_refusal_motive_the_role_may_not_use_is_a_usage_error(core, as_, draft):
    a19 = "A19_ETAT_ACOMPTE_VALIDE_MOA"
    titulaire, moe, moa, sf = as_("titulaire"), as_("moe"), as_("moa"), as_("sf")
    a4 = core.workflow.deposit(titulaire, draft(A4, "TR-2")).piece
    core.workflow.take(moe, a4.id)
    a15 = core.workflow.deposit(
        moe, draft("A15_ETAT_ACOMPTE_MOE", "TR-EA-2"), after=a4.id, confirm_warnings=True
    ).piece
    piece = core.workflow.deposit(moa, draft(a19, "TR-EAV-2"), after=a15.id).piece
    with pytest.raises(UsageError) as refused:
        core.workflow.refuse(sf, piece.id, Motive.AUTRE_MOTIF, "non")
    assert refused.value.field == "motive" and "ACHEMINEMENT" in refused.value.hint
    with pytest.raises(Conflict, match="Associée à la pièce suivante"):
        core.workflow.suspend(moe, a4.id, "essai")  # an ended piece: no row at all
    assert core.workflow.refuse(sf, piece.id, "acheminement", "mauvais service").state == (
        "REFUSEE_SERVICE_FINANCIER_ACHEMINEMENT"
    )


# -- a plugin's own cadre, states and transitions ------------------------------------------------


@pytest.fixture
def example() -> Iterator[object]:
    """The example plugin's module, its states and rows taken out of the engine afterwards."""
    sys.path.insert(0, str(EXAMPLE_SRC))
    try:
        import decompte_exemple

        yield decompte_exemple
    finally:
        sys.path.remove(str(EXAMPLE_SRC))
        for row in decompte_exemple.CIRCUIT:
            if row in TRANSITIONS:
                TRANSITIONS.remove(row)
        for code in ("RG_A_INSTRUIRE", "RG_EN_INSTRUCTION", "RG_RESTITUEE"):
            STATES.pop(code, None)


def test_a_plugin_cadre_walks_its_own_circuit(example, demo_db, clock, as_, draft):
    host = PluginHost.load(Config(), entry_points=False, extra={"exemple": example})
    core = Core(open_store(demo_db), host.config, clock, plugins=host)
    try:
        assert host.problems == []
        assert isinstance(core.cadres, CadreTable) and core.cadres.get("C1") is not None
        titulaire, moa = as_("titulaire"), as_("moa")
        piece = core.workflow.deposit(titulaire, draft("C1", "RG-T-1", "5000.00")).piece
        assert (piece.state, piece.holder_role) == ("RG_A_INSTRUIRE", "MOA")
        assert core.workflow.allowed_actions(moa, piece) == [
            Action.TAKE,
            Action.REFUSE,
            Action.SUSPEND,
        ]
        taken = core.workflow.take(moa, piece.id)
        assert taken.state == "RG_EN_INSTRUCTION"
        assert Action.VALIDATE in core.workflow.allowed_actions(moa, taken)
        done = core.workflow.validate(moa, piece.id)
        assert (done.state, done.holder_structure_id) == ("RG_RESTITUEE", None)
        assert core.queries.dossier(titulaire, piece.dossier_id)["status"] == "TERMINE"
        history = [(e.action, e.to_state) for e in core.queries.history(moa, piece.id)]
        assert history == [
            ("deposit", "RG_A_INSTRUIRE"),
            ("take", "RG_EN_INSTRUCTION"),
            ("validate", "RG_RESTITUEE"),
        ]
        # the built-in cadres keep their own circuit
        a4 = core.workflow.deposit(titulaire, draft(A4, "RG-T-A4")).piece
        assert a4.state == "MISE_A_DISPOSITION_MOE"
    finally:
        core.close()


def test_a_guard_that_does_not_hold_gives_its_own_refusal():
    piece = SimpleNamespace(
        state="MISE_A_DISPOSITION_FOURNISSEUR",
        cadre="A18_DECOMPTE_GENERAL_MOE",
        holder_role="FOURNISSEUR",
        holder_structure_id=7,
    )
    with pytest.raises(NotAuthorised, match="Un valideur ne suspend pas") as refused:
        TRANSITIONS.resolve(Action.SUSPEND, Situation(piece, None, 7))
    assert refused.value.hint == "validez-la ou refusez-la"
    assert TRANSITIONS.resolve(Action.TAKE, Situation(piece, None, 7)).target == (
        "PRISE_EN_COMPTE_FOURNISSEUR"
    )
