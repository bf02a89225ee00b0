"""Plugins inside the engine: rules on deposit, events after commit, a new cadre, commands
that act only through the workflow as the current user."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from decompte.sdk import ActorRole, Argument, Cadre, Command, error, hookimpl, rule
from decompte.sdk.config import Config
from decompte.sdk.errors import NotAuthorised, ValidationRefused
from decompte.sdk.plugins import PluginFailed

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
LOGIN = {"titulaire": "luc.durand@batiments-durand.fr", "moe": "juliette.forin@atelier-moreau.fr"}


def session(core, key):
    return core.org.open_session(core.org.user(LOGIN[key]))


@rule("erp.crash")
def crashing_rule(draft, ctx):
    return [1 / 0]


@rule("erp.ej_prefix")
def ej_prefix(draft, ctx):
    if not draft.engagement.startswith("EJ2026"):
        yield error("engagement", "EJ hors exercice 2026")


def rules_plugin(*rules):
    return SimpleNamespace(decompte_rules=hookimpl(lambda: list(rules)))


def test_builtin_rules_run_once_through_the_hooks(plugged, draft):
    core = plugged()
    with pytest.raises(ValidationRefused) as refused:
        core.workflow.deposit(session(core, "titulaire"), draft(A4, "PDM 2026/é"))
    ids = [f.rule_id for f in refused.value.findings]
    assert ids.count("number.format") == 1


def test_a_crashing_rule_is_a_blocking_finding_not_a_crash(plugged, draft):
    core = plugged({"erp": rules_plugin(crashing_rule, ej_prefix)})
    titulaire = session(core, "titulaire")
    findings = core.workflow.check(titulaire, draft(A4, "PDM-T-1", engagement="EJ2025000001"))
    crash = [f for f in findings if f.rule_id == "erp.crash"]
    assert len(crash) == 1 and crash[0].severity == "error"
    assert crash[0].message.startswith(
        "La règle erp.crash du plugin erp a échoué : ZeroDivisionError (incident "
    )
    assert "division by zero" not in crash[0].message  # the exception's text: log only
    assert "désactivez-le" in crash[0].hint
    assert any(f.rule_id == "erp.ej_prefix" for f in findings)  # the next rule still ran
    with pytest.raises(ValidationRefused):
        core.workflow.deposit(titulaire, draft(A4, "PDM-T-1"))
    problem = core.plugins.problems[0]
    assert (problem.plugin, problem.hook) == ("erp", "decompte_rules")


def test_a_rules_hook_that_raises_blocks_with_its_name(plugged, draft):
    def broken():
        raise ImportError("module de règles absent")

    core = plugged({"erp": SimpleNamespace(decompte_rules=hookimpl(broken))})
    findings = core.workflow.check(session(core, "titulaire"), draft(A4, "PDM-T-2"))
    (message,) = [f.message for f in findings if f.rule_id == "plugin.erp"]
    assert message.startswith(
        "Le hook decompte_rules du plugin erp a échoué : ImportError (incident "
    )


def test_disabling_the_faulty_plugin_lets_the_deposit_through(plugged, draft):
    core = plugged({"erp": rules_plugin(crashing_rule)}, Config(disabled_plugins=("erp",)))
    receipt = core.workflow.deposit(session(core, "titulaire"), draft(A4, "PDM-T-3"))
    assert receipt.piece.state == "MISE_A_DISPOSITION_MOE"


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def decompte_piece_deposited(self, piece, view):
        self.events.append(
            ("deposited", piece.number, view.structure(piece.supplier_structure_id).name)
        )

    @hookimpl
    def decompte_state_changed(self, piece, action, from_state, to_state, reason):
        self.events.append(("changed", piece.number, action, from_state, to_state, reason))


def test_listeners_hear_deposits_and_changes_after_commit(plugged, draft):
    recorder = Recorder()
    core = plugged(
        {
            "rec": recorder,
            "boom": SimpleNamespace(decompte_piece_deposited=hookimpl(lambda piece: 1 / 0)),
        }
    )
    piece = core.workflow.deposit(session(core, "titulaire"), draft(A4, "PDM-T-4")).piece
    core.workflow.suspend(session(core, "moe"), piece.id, "Bon de commande manquant")
    assert recorder.events == [
        ("deposited", "PDM-T-4", "BATIMENTS DURAND SA"),
        (
            "changed",
            "PDM-T-4",
            "suspend",
            "MISE_A_DISPOSITION_MOE",
            "SUSPENDUE",
            "Bon de commande manquant",
        ),
    ]
    assert core.workflow.piece(piece.id).state == "SUSPENDUE"
    assert core.plugins.problems[0].plugin == "boom"


RETENUE = Cadre(
    "C1_RESTITUTION_RETENUE_GARANTIE_FOURNISSEUR",
    "C1",
    "Demande de restitution de la retenue de garantie",
    "Retenue de garantie",
    ActorRole.FOURNISSEUR,
    ActorRole.MOA,
    "FIN",
    final=True,
)


def test_a_plugin_cadre_is_deposited_like_a_builtin_one(plugged, draft):
    core = plugged({"rg": SimpleNamespace(decompte_cadres=hookimpl(lambda: [RETENUE]))})
    receipt = core.workflow.deposit(session(core, "titulaire"), draft("C1", "RG-2026-01"))
    assert receipt.piece.cadre == RETENUE.code
    assert receipt.piece.state == "MISE_A_DISPOSITION_MOA"
    assert receipt.message.startswith(
        "La retenue de garantie numéro RG-2026-01 a été déposée, elle est en cours"
    )


def take_command(ctx):
    return ctx.actions.take(int(ctx.args["piece"])).state


def commands_plugin():
    return SimpleNamespace(
        decompte_commands=hookimpl(
            lambda: [
                Command(
                    "prendre",
                    "Prendre en compte",
                    take_command,
                    (Argument("piece", required=True),),
                ),
                Command("casse", "Toujours en erreur", lambda ctx: {}["absent"]),
                Command(
                    "lire",
                    "Lire une pièce",
                    lambda ctx: ctx.view.piece(int(ctx.args["piece"])),
                    (Argument("piece", required=True),),
                ),
            ]
        )
    )


def test_commands_act_through_the_workflow_as_the_current_user(plugged):
    core = plugged({"cmd": commands_plugin()})
    moe, titulaire = session(core, "moe"), session(core, "titulaire")
    piece = core.queries.find_piece(moe, "PDM-2026-05")
    with pytest.raises(NotAuthorised):  # the contractor does not hold the piece
        core.plugins.run_command("prendre", core, titulaire, {"piece": str(piece.id)})
    assert core.workflow.piece(piece.id).state == "MISE_A_DISPOSITION_MOE"
    state = core.plugins.run_command("prendre", core, moe, {"piece": str(piece.id)})
    assert state == "PRISE_EN_COMPTE_MOE"


def test_a_command_reads_only_what_its_user_may_see(plugged):
    core = plugged({"cmd": commands_plugin()})
    other = core.queries.find_piece(session(core, "moe"), "LEF-2026-11")
    cotraitant = core.org.open_session(core.org.user("anne.martin@charpentes-martin.fr"))
    with pytest.raises(Exception, match="introuvable"):
        core.plugins.run_command("lire", core, cotraitant, {"piece": str(other.id)})
    assert (
        core.plugins.run_command(
            "lire", core, session(core, "moe"), {"piece": str(other.id)}
        ).number
        == "LEF-2026-11"
    )


def test_a_crashing_command_is_reported_with_its_plugin(plugged):
    core = plugged({"cmd": commands_plugin()})
    with pytest.raises(PluginFailed) as failed:
        core.plugins.run_command("casse", core, session(core, "moe"))
    assert str(failed.value).startswith(
        "cmd: La commande casse du plugin cmd a échoué : KeyError (incident "
    )
    assert failed.value.exit_code == 1


def test_plugins_get_no_public_handle_on_the_store():
    from decompte.sdk.pluginapi import PluginView, UserActions

    assert {n for n in dir(PluginView) if not n.startswith("_")} == {
        "cadre",
        "history",
        "piece",
        "search",
        "session",
        "structure",
        "synthese",
    }
    assert {n for n in dir(UserActions) if not n.startswith("_")} == {
        "complete",
        "deposit",
        "refuse",
        "session",
        "suspend",
        "take",
        "validate",
    }
