"""Loading, describing, disabling and configuring plugins; every hook reaches the host."""

from __future__ import annotations

import argparse
from decimal import Decimal
from types import SimpleNamespace

import pytest

from decompte.sdk import (
    ActorRole,
    Argument,
    Cadre,
    Command,
    Setting,
    Stage,
    State,
    error,
    hookimpl,
    rule,
)
from decompte.sdk.cadres import BUILTIN_CADRES
from decompte.sdk.config import Config
from decompte.sdk.plugins import PluginHost, add_cli_commands, format_plugins
from decompte.sdk.rules import BUILTIN_RULES
from decompte.sdk.states import STATES


def load(extra=None, **config):
    return PluginHost.load(Config(**config), entry_points=False, extra=extra)


def by_name(host: PluginHost) -> dict[str, dict]:
    return {row["name"]: row for row in host.describe()}


class ExtraCadre:
    @hookimpl
    def decompte_cadres(self):
        return [
            Cadre(
                "X1_ATTESTATION_FOURNISSEUR",
                "X1",
                "Attestation",
                "Attestation",
                ActorRole.FOURNISSEUR,
                ActorRole.MOA,
                "EN_COURS",
                final=True,
            )
        ]


def test_bundled_plugins_are_listed_with_version_hooks_and_origin():
    host = load()
    rows = by_name(host)
    assert list(rows) == ["cadres", "csv", "fec", "pivot", "rules", "webhooks"]
    assert rows["rules"]["hooks"] == ["decompte_rules"]
    assert rows["cadres"]["hooks"] == ["decompte_cadres"]
    assert rows["fec"]["hooks"] == ["decompte_exporters"]
    assert "decompte_state_changed" in rows["webhooks"]["hooks"]
    for row in rows.values():
        assert row["status"] == "chargé" and row["version"] == "0.1.0"
        assert row["source"].startswith("intégré (decompte.plugins.")
        assert row["source"].endswith(".py")
    assert host.problems == []
    text = format_plugins(host.describe())
    assert "fec  0.1.0  [chargé]" in text and "hooks : exporters" in text


def test_builtin_rules_and_cadres_come_through_the_hooks():
    host = load()
    assert [fn for _, _, fn in host.rules()] == list(BUILTIN_RULES)
    assert {p for p, _, _ in host.rules()} == {"rules"}
    assert host.cadres() == list(BUILTIN_CADRES)
    assert sorted(host.exporters()) == ["csv", "fec", "pivot"]


def test_a_disabled_plugin_contributes_nothing():
    host = load(disabled_plugins=("fec", "rules"))
    rows = by_name(host)
    assert rows["fec"]["status"] == rows["rules"]["status"] == "désactivé"
    assert "fec" not in host.exporters()
    assert host.rules() == []
    assert rows["csv"]["status"] == "chargé"


def test_plugin_cadres_are_added_and_duplicates_reported():
    host = load({"extra": ExtraCadre(), "again": ExtraCadre()})
    codes = [c.code for c in host.cadres()]
    assert codes.count("X1_ATTESTATION_FOURNISSEUR") == 1
    assert codes[: len(BUILTIN_CADRES)] == [c.code for c in BUILTIN_CADRES]
    assert [(p.plugin, p.hook) for p in host.problems] == [("again", "decompte_cadres")]
    assert "déjà défini" in host.problems[0].message


def test_plugin_states_are_checked_and_installed():
    new = State("TRANSMISE_ERP_TEST", "Transmise à l'ERP", Stage.TAKEN)
    clash = State("SUSPENDUE", "Autre chose", Stage.ENDED)
    plugin = SimpleNamespace(decompte_states=hookimpl(lambda: [new, clash]))
    host = load({"erp": plugin})
    assert host.states() == [new]
    assert "état SUSPENDUE déjà défini" in host.problems[0].message
    try:
        assert host.install_states() == [new]
        assert STATES["TRANSMISE_ERP_TEST"] is new
        assert host.install_states() == []
    finally:
        STATES.pop("TRANSMISE_ERP_TEST", None)


def test_a_plugin_that_cannot_be_imported_is_reported_and_the_others_load():
    host = load({"broken": "plugins_that_do_not_exist.module"})
    rows = by_name(host)
    assert rows["broken"]["status"] == "erreur"
    assert "ModuleNotFoundError" in rows["broken"]["problems"][0]
    assert rows["fec"]["status"] == "chargé"
    assert host.problems[0].plugin == "broken" and host.problems[0].hook == "chargement"


def test_an_unknown_hook_or_a_wrong_signature_is_refused_at_load():
    typo = SimpleNamespace(decompte_piece_deposit=hookimpl(lambda piece: None))
    wrong = SimpleNamespace(decompte_cadres=hookimpl(lambda cadre_table: []))
    host = load({"typo": typo, "wrong": wrong})
    rows = by_name(host)
    assert rows["typo"]["status"] == rows["wrong"]["status"] == "erreur"
    assert "decompte_piece_deposit" in rows["typo"]["problems"][0]
    assert "cadre_table" in rows["wrong"]["problems"][0]
    assert host.cadres() == list(BUILTIN_CADRES)


class Configured:
    def __init__(self):
        self.seen = None

    @hookimpl
    def decompte_settings(self):
        return [
            Setting("url", str, required=True, help="adresse"),
            Setting("retries", int, 3),
            Setting("ceiling", Decimal, Decimal("100")),
            Setting("mode", str, "a", choices=("a", "b")),
        ]

    @hookimpl
    def decompte_commands(self, settings):
        self.seen = dict(settings)
        return []


def test_settings_are_checked_and_given_to_hooks_with_their_defaults():
    plugin = Configured()
    host = load({"erp": plugin}, plugin_settings={"erp": {"url": "https://x", "ceiling": "12,5"}})
    host.cli_commands()
    assert plugin.seen == {
        "url": "https://x",
        "retries": 3,
        "ceiling": Decimal("12.5"),
        "mode": "a",
    }
    assert host.settings("erp") == plugin.seen


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, "plugin.erp.url : clé obligatoire absente"),
        ({"url": "x", "retries": "trois"}, "plugin.erp.retries : valeur attendue : un entier"),
        ({"url": "x", "retries": 2.5}, "plugin.erp.retries : valeur attendue : un entier"),
        ({"url": "x", "ceiling": 1.5}, "plugin.erp.ceiling : valeur attendue : un nombre décimal"),
        ({"url": "x", "mode": "c"}, "plugin.erp.mode : valeur 'c' non admise"),
        ({"url": "x", "colour": "red"}, "plugin.erp.colour : clé inconnue"),
    ],
)
def test_a_bad_settings_table_keeps_the_plugin_out_with_a_clear_message(table, expected):
    host = load({"erp": Configured()}, plugin_settings={"erp": table})
    row = by_name(host)["erp"]
    assert row["status"] == "erreur"
    assert expected in row["problems"][0]
    assert host.problems[0].hook == "configuration"


def test_a_settings_table_for_no_plugin_is_reported():
    host = load(plugin_settings={"nothing": {"a": 1}})
    assert host.problems[0].plugin == "nothing"
    assert "aucun plugin de ce nom" in host.problems[0].message


def test_duplicate_plugin_names_keep_the_first():
    host = load({"fec": ExtraCadre()})
    assert "nom déjà pris" in host.problems[0].message
    assert "fec" in host.exporters()


class Listener:
    def __init__(self):
        self.calls = []

    @hookimpl
    def decompte_state_changed(self, piece, to_state, view):
        self.calls.append((piece, to_state, view))


class Exploding:
    @hookimpl
    def decompte_state_changed(self, piece):
        raise RuntimeError("boom")

    @hookimpl
    def decompte_exporters(self):
        raise ValueError("pas d'export aujourd'hui")


def test_a_crashing_listener_is_reported_and_the_others_still_hear():
    before, after = Listener(), Listener()
    host = load({"before": before, "boom": Exploding(), "after": after})
    host.emit(
        "state_changed",
        {"piece": "P", "action": "take", "from_state": "A", "to_state": "B", "reason": ""},
    )
    assert before.calls == after.calls == [("P", "B", None)]
    problem = host.problems[0]
    assert (problem.plugin, problem.hook) == ("boom", "decompte_state_changed")
    assert problem.message.startswith(
        "Le hook decompte_state_changed du plugin boom a échoué : RuntimeError (incident "
    )
    assert "boom" not in problem.message.split(":", 1)[1]  # its text is in the incident log
    assert sorted(host.exporters()) == ["csv", "fec", "pivot"]
    assert any(p.hook == "decompte_exporters" and "(incident " in p.message for p in host.problems)


def test_unknown_events_and_closed_hosts_are_silent():
    listener = Listener()
    host = load({"l": listener})
    host.emit("something_else", {})
    host.close()
    host.emit("state_changed", {"piece": "P", "to_state": "B"})
    assert listener.calls == []


def test_cli_commands_are_added_to_argparse_and_clashes_reported():
    plugin = SimpleNamespace(
        decompte_commands=hookimpl(
            lambda: [
                Command(
                    "erp-sync",
                    "Synchroniser l'ERP",
                    lambda ctx: "ok",
                    (Argument("since", "depuis", required=True),),
                ),
                Command("deposit", "Un nom déjà pris", lambda ctx: "non"),
                Command("palette-only", "Seulement dans l'application", lambda ctx: "", cli=False),
            ]
        )
    )
    host = load({"erp": plugin})
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("deposit")
    assert add_cli_commands(sub, host, func=print) == ["webhooks-journal", "erp-sync"]
    args = parser.parse_args(["erp-sync", "--since", "2026-01-01"])
    assert (args.plugin_command, args.since, args.func) == ("erp-sync", "2026-01-01", print)
    assert any("deposit" in p.message for p in host.problems)
    assert [c.name for c in host.palette_commands()] == [
        "webhooks-journal",
        "erp-sync",
        "deposit",
        "palette-only",
    ]


def test_rules_from_plugins_run_after_the_builtin_ones():
    @rule("erp.no_comment")
    def no_comment(draft, ctx):
        if draft.comment:
            yield error("comment", "Pas de commentaire")

    host = load({"erp": SimpleNamespace(decompte_rules=hookimpl(lambda: [no_comment]))})
    assert host.rules()[-1] == ("erp", "erp.no_comment", no_comment)
    assert len(host.rules()) == len(BUILTIN_RULES) + 1
