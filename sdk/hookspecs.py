"""The plugin contract: pluggy hook specifications, one per extension point.

A plugin is a module (or an object) whose functions carry `@hookimpl` and are named after a
hook below. It is found through the entry-point group ``decompte`` (bundled plugins in
``plugins/`` are registered the same way) and can be disabled in the configuration::

    [plugins]
    disabled = ["webhooks"]

Every hook may take, besides the arguments listed, ``settings``: the plugin's own table
``[plugin.<name>]`` of the configuration, checked against what `decompte_settings` declares
and completed with its defaults. A plugin declares only the arguments it uses.

The host calls each plugin separately: a plugin that raises is reported with its name and
the hook, and the action goes on without it. Collection hooks are called once, when plugins
are loaded; event hooks after each transaction. Nothing a hook receives can write to the
store: plugins read through `PluginView` and act through `UserActions`, i.e. through the
workflow, as the current user. The page ``docs/hooks.md`` gives an example for each hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .cadres import Cadre
    from .deadlines import Deadline
    from .export import Exporter
    from .model import Piece
    from .pluginapi import Command, PluginView, Setting
    from .rules import Rule
    from .states import State
    from .transitions import Transition

PROJECT = "decompte"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Settings = Mapping[str, Any]


class DecompteSpecs:
    """Hook specifications. Plugins implement the functions, without `self`."""

    # -- configuration ---------------------------------------------------------------------
    @hookspec
    def decompte_settings(self) -> Iterable[Setting]:
        """Declare the keys of the plugin's table ``[plugin.<name>]``.

        Called once, first, when the plugin is loaded. Return `Setting` rows (name, type,
        default, help, choices, required, secret). Unknown keys, wrong types and missing
        required keys are reported and the plugin stays unloaded; every other hook then
        receives the checked table, defaults filled in, as ``settings``.

        Example::

            @hookimpl
            def decompte_settings():
                return [Setting("url", str, required=True, help="adresse de l'ERP")]
        """

    # -- domain tables -----------------------------------------------------------------------
    @hookspec
    def decompte_cadres(self, settings: Settings) -> Iterable[Cadre]:
        """Add rows to the cadre table (who deposits which document, for whom, after what).

        Called once at load time. Return `Cadre` rows; a code already defined by an earlier
        plugin (the built-in cadres come first) is reported and ignored. The engine reads the
        table only, so a new cadre needs no code: its `depositor`, `next_role`, `follows` and
        flags drive the workflow.

        Example::

            @hookimpl
            def decompte_cadres():
                return [Cadre("X1_ATTESTATION_FOURNISSEUR", "X1", "Attestation déposée par un "
                              "fournisseur", "Attestation", ActorRole.FOURNISSEUR,
                              ActorRole.MOA, "EN_COURS", final=True)]
        """

    @hookspec
    def decompte_states(self, settings: Settings) -> Iterable[State]:
        """Add piece states (état courant), for a cadre or a connector that needs them.

        Called once at load time. Return `State` rows (code, French label, stage). The
        transitions of the table from a stage (`Stage.AT_RECIPIENT`: take into account,
        refuse, suspend, deposit the next piece; `Stage.ENDED`: none…) apply to a new state
        of that stage; `decompte_transitions` adds the rows that lead to it and those that
        leave it. A state no row leads to is reported. A code that already exists with
        another definition is reported and ignored.

        Example::

            @hookimpl
            def decompte_states():
                return [State("TRANSMISE_ERP", "Transmise à l'ERP", Stage.TAKEN)]

            @hookimpl  # and the row that leads to it
            def decompte_transitions():
                return [Transition("MISE_A_DISPOSITION_MOA", Action.TAKE, "TRANSMISE_ERP",
                                   "MOA")]
        """

    @hookspec
    def decompte_transitions(self, settings: Settings) -> Iterable[Transition]:
        """Add rows to the transition table: where an action leads from a state.

        Called once at load time. Return `Transition` rows: `source` (a state code, a
        `Stage` value for every state of that stage, or "" for a deposit), `action`
        (`Action`), `target` (a state code, built-in or from `decompte_states`), and when
        needed `role` (the holder role it applies to), `cadre` (only pieces of that cadre),
        `actor`, `holder` (who holds the piece next), `guard` (names of `GUARDS`),
        `closes` (dossier status). A row of the piece's state comes before a row of its
        stage, a row of its cadre before a row of any cadre. A row with an unknown state,
        action, guard or motive is reported and ignored; ``decompte states --json`` prints
        the table.

        Example::

            @hookimpl
            def decompte_transitions():
                return [Transition("", Action.DEPOSIT, "RG_A_INSTRUIRE", "MOA",
                                   cadre="C1_RESTITUTION_RG", holder=NextHolder.ROUTE)]
        """

    # -- validation --------------------------------------------------------------------------
    @hookspec
    def decompte_rules(self, settings: Settings) -> Iterable[Rule]:
        """Add validation rules run on every draft piece before its deposit.

        Called once at load time. Return rules: functions ``(draft, ctx) -> Iterable[Finding]``
        made with ``@rule("rule.id")`` and the `error` / `warning` / `info` helpers. Errors
        block the deposit, warnings need a confirmation. A rule that raises yields one
        blocking finding "La règle X du plugin Y a échoué" instead of a crash. The built-in
        rules come through this hook too (bundled plugin ``rules``).

        Example::

            @hookimpl
            def decompte_rules():
                @rule("ej.format")
                def ej_format(draft, ctx):
                    if draft.engagement and not draft.engagement.startswith("EJ"):
                        yield error("engagement", "L'EJ doit commencer par EJ")
                return [ej_format]
        """

    # -- exports -----------------------------------------------------------------------------
    @hookspec
    def decompte_exporters(self, settings: Settings) -> Iterable[Exporter]:
        """Add exporters, used by ``decompte export NAME`` and the export screens.

        Called once at load time. Return `Exporter` objects: a `name`, its `formats`, its
        `options` (`ExportOption` rows) and ``write(rows, out, fmt, options, context)`` that
        streams `ExportRow` records to a binary stream and returns the number of pieces
        written. Two exporters with one name: the second is reported and ignored.

        Example::

            @hookimpl
            def decompte_exporters():
                return [MyErpExporter()]
        """

    # -- events ------------------------------------------------------------------------------
    @hookspec
    def decompte_piece_deposited(
        self, piece: Piece, view: PluginView | None, settings: Settings
    ) -> None:
        """React to a deposit, after its transaction is committed.

        ``piece`` is the new piece (read-only record); ``view`` reads the store (None when
        the host is not attached to a core). The return value is ignored; an exception is
        reported and the deposit stands.

        Example::

            @hookimpl
            def decompte_piece_deposited(piece):
                print(f"{piece.number} déposée ({piece.total_ttc} € TTC)")
        """

    @hookspec
    def decompte_state_changed(
        self,
        piece: Piece,
        action: str,
        from_state: str,
        to_state: str,
        reason: str,
        view: PluginView | None,
        settings: Settings,
    ) -> None:
        """React to a change of state (take into account, refuse, suspend, complete, validate).

        Called after the transaction with the piece as it now is, the action code, the state
        before and after, and the comment typed by the user.

        Example::

            @hookimpl
            def decompte_state_changed(piece, to_state, reason):
                if to_state.startswith("REFUSEE"):
                    alert(piece.number, reason)
        """

    @hookspec
    def decompte_deadline_crossed(
        self, piece: Piece, deadline: str | Deadline, view: PluginView | None, settings: Settings
    ) -> None:
        """React to a deadline passed by a piece, once per crossing, during the deadline
        sweep: "validation" (the validator let the delay pass and the piece moved on to its
        recipient), or a `Deadline` of kind "action" (its holder let the delay pass) or
        "paiement" (the dossier's payment delay ran out).

        Example::

            @hookimpl
            def decompte_deadline_crossed(piece, deadline):
                log.warning("%s : délai %s dépassé", piece.number, deadline)
        """

    # -- messages to people ------------------------------------------------------------------
    @hookspec
    def decompte_notify(
        self, kind: str, recipient: str, subject: str, body: str, settings: Settings
    ) -> bool | None:
        """Deliver a message to a person: today ``kind`` "activation_code", the code of an
        account sent to its login address (``recipient``) when someone registers it.

        Return True when the plugin took the message in charge (sent, queued); any other
        value lets the next plugin try. When no plugin takes it, the core writes it to its
        private local outbox (one ``.eml`` file, mode 0600). An exception is reported by
        plugin name and exception type only (the body holds a secret) and the next plugin
        is tried. Never log or print the body.

        Example::

            @hookimpl
            def decompte_notify(recipient, subject, body, settings):
                smtp_send(settings["relay"], recipient, subject, body)
                return True
        """

    # -- commands ----------------------------------------------------------------------------
    @hookspec
    def decompte_commands(self, settings: Settings) -> Iterable[Command]:
        """Add commands to the TUI command palette and to the CLI (``decompte NAME``).

        Called once at load time. Return `Command` rows: a name, a French help line, its
        `Argument` list and ``run(ctx)``. ``ctx`` carries the session, a read-only `view`
        and `actions` that go through the workflow as the current user; what ``run`` returns
        (text or JSON-able data) is shown to the user.

        Example::

            @hookimpl
            def decompte_commands():
                return [Command("a-traiter", "Compter les pièces à traiter",
                                lambda ctx: f"{ctx.view.synthese().total} pièce(s)")]
        """

    # -- lifecycle ---------------------------------------------------------------------------
    @hookspec
    def decompte_shutdown(self, settings: Settings) -> None:
        """Release resources when the application stops: flush queues, close connections.

        Example::

            @hookimpl
            def decompte_shutdown():
                sender.flush(timeout=5)
        """


HOOK_NAMES: tuple[str, ...] = tuple(n for n in vars(DecompteSpecs) if n.startswith("decompte_"))
COLLECTION_HOOKS = (
    "decompte_cadres",
    "decompte_states",
    "decompte_transitions",
    "decompte_rules",
    "decompte_exporters",
    "decompte_commands",
)
EVENT_HOOKS = {
    "piece_deposited": "decompte_piece_deposited",
    "state_changed": "decompte_state_changed",
    "deadline_crossed": "decompte_deadline_crossed",
}
