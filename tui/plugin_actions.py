"""What plugins add to the app: their palette commands and their exporters (the bundled FEC,
CSV and pivot XML ones included), run as the acting user in thread workers. The plugin host
checks the arguments and the user's rights, and turns a plugin's crash into an error."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .workers import notify_error

if TYPE_CHECKING:
    from decompte.sdk.export import Exporter
    from decompte.sdk.pluginapi import Command
    from decompte.sdk.plugins import PluginHost

    from .app import DecompteApp
    from .screens.export_dialog import ExportChoice

Entry = tuple[str, Callable[[], Any], str]


def palette_entries(app: DecompteApp) -> list[Entry]:
    """« Commande : … » and « Exporter : … » lines of the palette, once someone is logged in."""
    host = _host(app)
    if host is None or app.identity is None:
        return []
    entries: list[Entry] = [
        (
            f"Commande : {command.help or command.name}",
            partial(start_command, app, command),
            f"plugin · decompte {command.name}",
        )
        for command in host.palette_commands()
    ]
    for name, exporter in sorted(host.exporters().items()):
        entries.append(
            (
                f"Exporter : {exporter.label or name}",
                partial(start_export, app, name, exporter),
                f"decompte export {name} · {', '.join(exporter.formats)}",
            )
        )
    return entries


def _host(app: DecompteApp) -> PluginHost | None:
    core = app.backend.core
    if core is None:
        return None
    from decompte.sdk.errors import UsageError
    from decompte.sdk.plugins import host_of

    try:
        return host_of(core)
    except UsageError:  # a core built without plugins: nothing to add to the palette
        return None


# -- commands ---------------------------------------------------------------------------------
def start_command(app: DecompteApp, command: Command) -> None:
    if not command.arguments:
        _run_command(app, command.name, {})
        return
    from .screens.command_args import CommandArgs

    def chosen(values: dict[str, str] | None) -> None:
        if values is not None:
            _run_command(app, command.name, values)

    app.push_screen(CommandArgs(command), chosen)


def _run_command(app: DecompteApp, name: str, args: dict[str, str]) -> None:
    session = app.session

    def run() -> None:
        try:
            core = app.backend.wait()
            from decompte.sdk.plugins import host_of

            result = host_of(core).run_command(name, core, session, args)
        except Exception as exc:
            notify_error(app, exc, f"Commande {name}")
            return
        app.call_from_thread(app.notify, _result_text(result), title=name, timeout=10)

    app.run_worker(run, thread=True, group="plugin-command", exit_on_error=False)


def _result_text(result: Any) -> str:
    if result is None or result == [] or result == {}:
        return "Commande exécutée (rien à afficher)"
    if isinstance(result, str):
        return result
    if isinstance(result, list):
        shown = [json.dumps(item, ensure_ascii=False, default=str) for item in result[:10]]
        more = f"\n… et {len(result) - 10} autre(s)" if len(result) > 10 else ""
        return "\n".join(shown) + more
    return json.dumps(result, ensure_ascii=False, default=str)


# -- exports ----------------------------------------------------------------------------------
def start_export(app: DecompteApp, name: str, exporter: Exporter) -> None:
    from .screens.export_dialog import ExportDialog

    dialog = ExportDialog(
        "",
        f"plugin-{name}",
        title=f"Exporter : {exporter.label or name}",
        description=(
            f"Les pièces de {app.session.structure.name} "
            f"(format {', '.join(exporter.formats)}). Dans un dossier, l'export nomme "
            "lui-même son fichier."
        ),
        options=tuple(option.name for option in exporter.options),
    )

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None:
            _run_export(app, name, choice)

    app.push_screen(dialog, chosen)


def _run_export(app: DecompteApp, name: str, choice: ExportChoice) -> None:
    session = app.session
    app.notify(f"Export {name} en cours…", timeout=3)

    def run() -> None:
        try:
            from decompte.sdk.export import run_export

            result = run_export(
                app.backend.wait(),
                session,
                name,
                choice.path,
                choice.options,
                overwrite=choice.overwrite,
            )
        except Exception as exc:
            notify_error(app, exc, f"Export {name}")
            return
        app.call_from_thread(
            app.notify,
            f"{result.rows} pièce(s) exportée(s) dans {result.path}",
            title=f"Export {name}",
            timeout=10,
        )

    app.run_worker(run, thread=True, group="plugin-export", exit_on_error=False)
