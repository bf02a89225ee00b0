"""The plugin host: loads bundled plugins and entry points (group ``decompte``) with pluggy,
checks their settings, and serves the engine through the `Extensions` protocol.

Each plugin is called on its own: one that raises is reported (`problems`, with its name and
the hook) and the others go on. Collection hooks (cadres, states, transitions, rules, exporters,
commands) are called once and cached, so a deposit only runs the rules themselves.

Why it is long (~590 lines): one host serves every hook (settings, cadres, states,
transitions, rules, findings, events, exporters, commands), each collection a short method
around the same guard; it could lose its CLI helpers (`format_plugins`, `add_cli_commands`)
to `cli/plugin_commands.py`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from .cadres import Cadre
from .config import Config
from .errors import DecompteError, NotFound, UsageError
from .export import Exporter
from .findings import Finding, Severity
from .hookspecs import EVENT_HOOKS, PROJECT, DecompteSpecs
from .incidents import failure_text
from .pluginapi import Command, CommandContext, PluginView, UserActions, check_settings
from .states import STATES, State
from .text_safety import printable
from .transitions import BUILTIN_TRANSITIONS, TRANSITIONS, Transition, row_problem

if TYPE_CHECKING:
    import argparse

    from .core import Core
    from .model import PieceDraft
    from .session import Session

log = logging.getLogger("decompte.plugins")
GROUP = "decompte"
MAX_PROBLEMS = 200


class PluginFailed(DecompteError):
    """A plugin raised while the user waited for it (a command, an export)."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class PluginProblem:
    plugin: str
    hook: str
    message: str

    def __str__(self) -> str:
        return f"{self.plugin} ({self.hook}) : {self.message}"


@dataclass
class PluginInfo:
    """One line of ``decompte plugins``."""

    name: str
    version: str
    source: str
    status: str = "chargé"  # chargé, désactivé, erreur
    hooks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Outcome:
    """What `PluginHost.guard` saw: the problem reported, if the plugin raised."""

    problem: PluginProblem | None = None


Impl = Any  # pluggy.HookImpl, whose import path is private


class PluginHost:
    """Loaded plugins and what they contribute. Implements `sdk.extensions.Extensions`."""

    def __init__(
        self,
        config: Config | None = None,
        on_problem: Callable[[PluginProblem], None] | None = None,
    ) -> None:
        self.config = config or Config()
        self.on_problem = on_problem
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(DecompteSpecs)
        self.infos: dict[str, PluginInfo] = {}
        self.problems: list[PluginProblem] = []
        self._impls: dict[str, dict[str, Impl]] = {}  # plugin -> hook -> impl, in load order
        self._settings: dict[str, dict[str, Any]] = {}
        self._cache: dict[str, Any] = {}
        self._view: PluginView | None = None
        self._closed = False

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        config: Config | None = None,
        *,
        bundled: bool = True,
        entry_points: bool = True,
        extra: Mapping[str, object] | None = None,
        on_problem: Callable[[PluginProblem], None] | None = None,
    ) -> PluginHost:
        """Bundled plugins first (our own distribution's entry points), then third-party entry
        points, each by name, then `extra` (tests, scripts)."""
        host = cls(config, on_problem)
        ours, theirs = _entry_points()
        if bundled:
            for ep in ours:
                host.add(ep.name, ep, source=f"intégré ({ep.value})")
        if entry_points:
            for ep in theirs:
                dist = ep.dist
                host.add(
                    ep.name,
                    ep,
                    version=dist.version if dist else "?",
                    source=f"paquet {dist.name if dist else '?'}",
                )
        for name, plugin in (extra or {}).items():
            host.add(name, plugin, source="ajouté par le programme")
        for name in host.config.plugin_settings:
            if name not in host.infos:
                host._problem(
                    name,
                    "configuration",
                    f"table [plugin.{name}] : aucun plugin de ce nom n'est installé",
                )
        return host

    def add(self, name: str, plugin: object, *, source: str, version: str | None = None) -> bool:
        """Register one plugin (an object, a module path or an entry point)."""
        info = PluginInfo(name, version or _own_version(), source)
        if name in self.infos:
            self._problem(name, "chargement", f"nom déjà pris par {self.infos[name].source}")
            return False
        self.infos[name] = info
        if name in self.config.disabled_plugins:
            info.status = "désactivé"
            return False
        try:
            obj = _resolve(plugin)
            self.pm.register(obj, name=name)
        except Exception as exc:  # import error, bad hook signature, duplicate object…
            # Loading runs the plugin's own code before any data is read: its message (an unknown
            # hook, a missing module) speaks of that code and helps its author.
            return self._fail(info, "chargement", printable(f"{type(exc).__name__}: {exc}"))
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(name=name)
            return self._fail(info, "chargement", str(exc))
        if where := _file_of(obj):
            info.source += f" — {where}"
        impls = {
            caller.name: impl
            for caller in self.pm.get_hookcallers(obj) or ()
            for impl in caller.get_hookimpls()
            if impl.plugin is obj
        }
        self._impls[name] = impls
        info.hooks = sorted(impls)
        raw = dict(self.config.plugin_settings.get(name, {}))
        problems: list[str] = []
        if "decompte_settings" in impls:
            with self.guard(name, "decompte_settings", "La déclaration des réglages") as outcome:
                raw, problems = check_settings(name, impls["decompte_settings"].function(), raw)
            if outcome.problem:
                problems = [outcome.problem.message]
        if problems:
            self._unload(name)
            return self._fail(info, "configuration", "; ".join(problems))
        self._settings[name] = raw
        self._cache.clear()
        return True

    def _fail(self, info: PluginInfo, hook: str, message: str) -> bool:
        info.status = "erreur"
        info.problems.append(message)
        self._problem(info.name, hook, message)
        return False

    def _unload(self, name: str) -> None:
        self.pm.unregister(name=name)
        self._impls.pop(name, None)

    def attach(self, core: Core) -> None:
        """Give event listeners a read-only view of this core."""
        self._view = PluginView(core)

    # -- reporting ---------------------------------------------------------------------------
    def _problem(self, plugin: str, hook: str, message: str) -> PluginProblem:
        problem = PluginProblem(plugin, hook, message)
        if problem not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
            log.warning("%s", problem)
            if self.on_problem is not None:
                self.on_problem(problem)
        return problem

    @contextmanager
    def guard(
        self, plugin: str, hook: str, what: str, *, reraise: bool = False
    ) -> Iterator[Outcome]:
        """Contain a plugin's exception and report it as "<what> du plugin X a échoué".

        With `reraise` (the user waits for the result), raise PluginFailed instead, and let
        the core's own refusals (`DecompteError`: not authorised, bad usage…) through.
        """
        outcome = Outcome()
        try:
            yield outcome
        except Exception as exc:
            if reraise and isinstance(exc, DecompteError):
                raise
            message = f"{what} du plugin {plugin} a échoué : {failure_text(exc)}"
            outcome.problem = self._problem(plugin, hook, message)
            if reraise:
                raise PluginFailed(
                    message, field=plugin, hint="signalez l'anomalie à l'auteur du plugin"
                ) from exc

    def _calls(self, hook: str) -> Iterator[tuple[str, Impl]]:
        for name, impls in list(self._impls.items()):
            if hook in impls:
                yield name, impls[hook]

    def _invoke(self, name: str, impl: Impl, args: Mapping[str, Any]) -> Any:
        values = {**args, "settings": self._settings.get(name, {})}
        return impl.function(*(values.get(a) for a in impl.argnames))

    def _collect(
        self, hook: str, failed: list[PluginProblem] | None = None
    ) -> list[tuple[str, Any]]:
        """(plugin, item) for every item the plugins return from a collection hook."""
        found: list[tuple[str, Any]] = []
        for name, impl in self._calls(hook):
            with self.guard(name, hook, f"Le hook {hook}") as outcome:
                found += [(name, item) for item in self._invoke(name, impl, {}) or ()]
            if outcome.problem and failed is not None:
                failed.append(outcome.problem)
        return found

    def settings(self, name: str) -> dict[str, Any]:
        return self._settings.get(name, {})

    # -- domain tables -----------------------------------------------------------------------
    def cadres(self) -> list[Cadre]:
        if "cadres" not in self._cache:
            table: dict[str, Cadre] = {}
            for name, cadre in self._collect("decompte_cadres"):
                if not isinstance(cadre, Cadre):
                    self._problem(name, "decompte_cadres", f"{cadre!r} n'est pas un Cadre")
                elif cadre.code in table:
                    self._problem(name, "decompte_cadres", f"cadre {cadre.code} déjà défini")
                else:
                    table[cadre.code] = cadre
            self._cache["cadres"] = list(table.values())
        return list(self._cache["cadres"])

    def states(self) -> list[State]:
        if "states" not in self._cache:
            found: dict[str, State] = {}
            owners: dict[str, str] = {}
            for name, state in self._collect("decompte_states"):
                if not isinstance(state, State):
                    self._problem(name, "decompte_states", f"{state!r} n'est pas un State")
                    continue
                known = found.get(state.code) or STATES.get(state.code)
                if known is not None and known != state:
                    self._problem(name, "decompte_states", f"état {state.code} déjà défini")
                else:
                    found[state.code] = state
                    owners.setdefault(state.code, name)
            self._cache["states"] = list(found.values())
            self._cache["state_owners"] = owners
        return list(self._cache["states"])

    def transitions(self) -> list[Transition]:
        """The plugins' transition rows that hold up: known action, states (built-in or a
        plugin's), guards and motive; a bad or repeated row is reported and left out. A plugin
        state that no row leads to is reported too (it could never be reached)."""
        if "transitions" not in self._cache:
            known = {**STATES, **{s.code: s for s in self.states()}}
            rows: list[Transition] = []
            for name, row in self._collect("decompte_transitions"):
                problem = row_problem(row, known)
                if not problem and (row in rows or row in BUILTIN_TRANSITIONS):
                    problem = f"transition {row.source or 'dépôt'} → {row.target} déjà définie"
                if problem:
                    self._problem(name, "decompte_transitions", problem)
                else:
                    rows.append(row)
            reached = {r.target for r in (*BUILTIN_TRANSITIONS, *rows)}
            for code, name in self._cache["state_owners"].items():
                if code not in STATES and code not in reached:
                    self._problem(
                        name,
                        "decompte_transitions",
                        f"état {code} : aucune transition n'y mène (decompte_transitions)",
                    )
            self._cache["transitions"] = rows
        return list(self._cache["transitions"])

    def install_states(self) -> list[State]:
        """Add the plugins' states and transitions to the engine's tables (`STATES`,
        `TRANSITIONS`); returns the states that were new. Installing again adds nothing."""
        new = [s for s in self.states() if s.code not in STATES]
        STATES.update((s.code, s) for s in new)
        for row in self.transitions():
            if row not in TRANSITIONS:
                TRANSITIONS.add(row)
        return new

    # -- rules (Extensions protocol) ---------------------------------------------------------
    def rules(self) -> list[tuple[str, str, Callable[..., Any]]]:
        """(plugin, rule id, rule) in load order: the built-in rules first."""
        if "rules" not in self._cache:
            failed: list[PluginProblem] = []
            self._cache["rules"] = [
                (name, getattr(fn, "rule_id", getattr(fn, "__name__", "règle")), fn)
                for name, fn in self._collect("decompte_rules", failed)
            ]
            self._cache["rules_failed"] = [
                Finding(f"plugin.{p.plugin}", Severity.ERROR, "", p.message, _rule_hint(p.plugin))
                for p in failed
            ]
        return self._cache["rules"]

    def extra_findings(self, draft: PieceDraft, context: Any) -> list[Finding]:
        """Findings of every rule of every plugin; a crash is a blocking finding."""
        findings: list[Finding] = []
        for plugin, rule_id, fn in self.rules():
            try:
                found = []
                for f in fn(draft, context):
                    if not isinstance(f, Finding):
                        raise TypeError(f"{type(f).__name__} renvoyé au lieu d'un Finding")
                    found.append(f if f.rule_id else dataclasses.replace(f, rule_id=rule_id))
                findings += found
            except Exception as exc:
                message = f"La règle {rule_id} du plugin {plugin} a échoué : {failure_text(exc)}"
                self._problem(plugin, "decompte_rules", message)
                findings.append(Finding(rule_id, Severity.ERROR, "", message, _rule_hint(plugin)))
        return findings + self._cache["rules_failed"]

    # -- events (Extensions protocol) --------------------------------------------------------
    def emit(self, event: str, payload: Mapping[str, Any]) -> None:
        hook = EVENT_HOOKS.get(event)
        if hook is None or self._closed:
            return
        args = {**payload, "view": self._view}
        for name, impl in self._calls(hook):
            with self.guard(name, hook, f"Le hook {hook}"):
                self._invoke(name, impl, args)

    # -- messages to people (sdk.notify.Courier) ---------------------------------------------
    def notify(self, kind: str, recipient: str, subject: str, body: str) -> list[str]:
        """Offer a message to the plugins implementing `decompte_notify`; the names of those
        that took it (returned True). A failure is reported without its text: the body holds
        a secret that an exception message may repeat."""
        taken: list[str] = []
        args = {"kind": kind, "recipient": recipient, "subject": subject, "body": body}
        for name, impl in self._calls("decompte_notify"):
            try:
                if self._invoke(name, impl, args) is True:
                    taken.append(name)
            except Exception as exc:
                message = (
                    f"L'envoi d'un message par le plugin {name} a échoué : {type(exc).__name__}"
                )
                self._problem(name, "decompte_notify", message)
        return taken

    # -- exporters ---------------------------------------------------------------------------
    def _exporters(self) -> dict[str, tuple[str, Exporter]]:
        if "exporters" not in self._cache:
            table: dict[str, tuple[str, Exporter]] = {}
            for name, exporter in self._collect("decompte_exporters"):
                key = getattr(exporter, "name", "")
                if (
                    not key
                    or not getattr(exporter, "formats", ())
                    or not callable(getattr(exporter, "write", None))
                ):
                    self._problem(
                        name,
                        "decompte_exporters",
                        f"{exporter!r} : il faut un nom, des formats et write()",
                    )
                elif key in table:
                    self._problem(
                        name,
                        "decompte_exporters",
                        f"export {key} déjà défini par le plugin {table[key][0]}",
                    )
                else:
                    table[key] = (name, exporter)
            self._cache["exporters"] = table
        return self._cache["exporters"]

    def exporters(self) -> dict[str, Exporter]:
        return {key: exporter for key, (_, exporter) in self._exporters().items()}

    def exporter(self, name: str) -> Exporter:
        return self._exporter_entry(name)[1]

    def exporter_plugin(self, name: str) -> str:
        return self._exporter_entry(name)[0]

    def _exporter_entry(self, name: str) -> tuple[str, Exporter]:
        try:
            return self._exporters()[name]
        except KeyError:
            raise NotFound(
                f"Export {name} inconnu",
                field="export",
                hint="exports : " + (", ".join(self._exporters()) or "aucun"),
            ) from None

    # -- commands ----------------------------------------------------------------------------
    def _commands(self) -> dict[str, tuple[str, Command]]:
        if "commands" not in self._cache:
            table: dict[str, tuple[str, Command]] = {}
            for name, command in self._collect("decompte_commands"):
                if not isinstance(command, Command):
                    self._problem(name, "decompte_commands", f"{command!r} n'est pas un Command")
                elif command.name in table:
                    self._problem(
                        name, "decompte_commands", f"commande {command.name} déjà définie"
                    )
                else:
                    table[command.name] = (name, command)
            self._cache["commands"] = table
        return self._cache["commands"]

    def cli_commands(self) -> list[Command]:
        return [c for _, c in self._commands().values() if c.cli]

    def palette_commands(self) -> list[Command]:
        return [c for _, c in self._commands().values() if c.palette]

    def run_command(
        self, name: str, core: Core, session: Session, args: Mapping[str, Any] | None = None
    ) -> Any:
        """Run a plugin command as `session`; a crash becomes PluginFailed."""
        try:
            plugin, command = self._commands()[name]
        except KeyError:
            raise NotFound(f"Commande {name} inconnue", field="command") from None
        given = dict(args or {})
        values = {a.name: given.get(a.name, a.default) for a in command.arguments}
        missing = [a.name for a in command.arguments if a.required and values[a.name] is None]
        if missing:
            raise UsageError(f"Argument obligatoire manquant : {missing[0]}", field=missing[0])
        ctx = CommandContext(
            session,
            PluginView(core, session),
            UserActions(core, session),
            self.settings(plugin),
            values,
        )
        with self.guard(plugin, "decompte_commands", f"La commande {name}", reraise=True):
            return command.run(ctx)

    # -- description and shutdown ------------------------------------------------------------
    def describe(self) -> list[dict[str, Any]]:
        """What ``decompte plugins`` shows: name, version, status, hooks, source, problems."""
        return [info.as_dict() for info in self.infos.values()]

    def close(self) -> None:
        """Call `decompte_shutdown` once (plugins flush their queues)."""
        if self._closed:
            return
        self._closed = True
        for name, impl in self._calls("decompte_shutdown"):
            with self.guard(name, "decompte_shutdown", "L'arrêt"):
                self._invoke(name, impl, {})


# -- helpers for the CLI and the TUI -----------------------------------------------------------


def host_of(core: Core) -> PluginHost:
    host = getattr(core, "plugins", None) or getattr(core.workflow, "extensions", None)
    if not isinstance(host, PluginHost):
        raise UsageError(
            "Aucun plugin n'est chargé",
            field="plugins",
            hint="construisez le cœur avec un PluginHost",
        )
    return host


def format_plugins(rows: list[dict[str, Any]]) -> str:
    """A plain table of `PluginHost.describe()` for the terminal."""
    lines = []
    for r in rows:
        hooks = ", ".join(h.removeprefix("decompte_") for h in r["hooks"]) or "—"
        lines.append(
            f"{r['name']}  {r['version']}  [{r['status']}]\n"
            f"    hooks : {hooks}\n    source : {r['source']}"
        )
        lines += [f"    problème : {p}" for p in r["problems"]]
    return "\n".join(lines)


def add_cli_commands(
    subparsers: argparse._SubParsersAction[Any],
    host: PluginHost,
    func: Callable[..., Any] | None = None,
) -> list[str]:
    """Add each plugin CLI command as a sub-command with its ``--arguments``.

    The parsed namespace carries `plugin_command` (the name to give `run_command`) and, when
    given, `func` (the CLI's dispatcher). Returns the names added.
    """
    added = []
    for command in host.cli_commands():
        try:
            parser = subparsers.add_parser(
                command.name, help=command.help, description=command.help
            )
        except Exception:  # argparse refuses a name the CLI already has
            plugin = host._commands()[command.name][0]
            host._problem(
                plugin,
                "decompte_commands",
                f"commande {command.name} : ce nom est déjà celui d'une commande de decompte",
            )
            continue
        for arg in command.arguments:
            parser.add_argument(
                f"--{arg.name.replace('_', '-')}",
                dest=arg.name,
                required=arg.required,
                default=arg.default,
                help=arg.help,
            )
        parser.set_defaults(plugin_command=command.name)
        if func is not None:
            parser.set_defaults(func=func)
        added.append(command.name)
    return added


def _entry_points() -> tuple[list[metadata.EntryPoint], list[metadata.EntryPoint]]:
    """Our distribution's entry points (the bundled plugins) and every other distribution's,
    each by name. Bundled plugins are never imported by a package name."""
    try:
        ours = sorted(
            metadata.distribution(PROJECT).entry_points.select(group=GROUP), key=lambda e: e.name
        )
    except metadata.PackageNotFoundError:  # a checkout that was not installed
        ours = []
    own = {(ep.name, ep.value) for ep in ours}
    theirs = [ep for ep in metadata.entry_points(group=GROUP) if (ep.name, ep.value) not in own]
    return ours, sorted(theirs, key=lambda ep: ep.name)


def _resolve(plugin: object) -> object:
    if isinstance(plugin, str):  # "package.module" or "package.module:attribute"
        module, _, attribute = plugin.partition(":")
        plugin = importlib.import_module(module)
        if attribute:
            plugin = getattr(plugin, attribute)
    elif isinstance(plugin, metadata.EntryPoint):
        plugin = plugin.load()
    return plugin() if isinstance(plugin, type) else plugin


def _rule_hint(plugin: str) -> str:
    return (
        f"signalez l'anomalie à l'auteur du plugin {plugin}, ou désactivez-le "
        "([plugins] disabled) ; le dépôt reste bloqué"
    )


def _file_of(obj: object) -> str | None:
    """Where a plugin's code lives: its module file, or its class's module file."""
    if isinstance(obj, ModuleType):
        return getattr(obj, "__file__", None)
    if type(obj).__module__ in ("builtins", "types"):
        return None
    return getattr(sys.modules.get(type(obj).__module__), "__file__", None)


@functools.cache
def _own_version() -> str:
    try:
        return metadata.version("decompte")
    except metadata.PackageNotFoundError:
        from . import __version__

        return __version__
