"""Key helpers for the app's tests: type, tab to a field, choose in a Select, wait."""

from __future__ import annotations

import asyncio
from typing import Any

from decompte.sdk.demo import DEMO_PASSWORD as PASSWORD

from support import LOGINS as USERS


async def settle(pilot: Any, rounds: int = 400) -> None:
    """Wait until the app's thread workers are done and the screen has caught up."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if not any(w.is_running and w._thread_worker for w in app.workers):
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


async def type_text(pilot: Any, text: str) -> None:
    """Type characters as a fast typist does: key events in a row, one wait at the end."""
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    await pilot.pause()


async def quick_login(pilot: Any, who: str) -> None:
    """Log in without typing (snapshots of later screens): the same core call."""
    app = pilot.app
    await settle(pilot)
    identities = await asyncio.to_thread(app.backend.login, USERS.get(who, who), PASSWORD)
    app.logged_in(identities)
    await settle(pilot)


async def login(pilot: Any, who: str, password: str = PASSWORD) -> None:
    await settle(pilot)
    await type_text(pilot, USERS.get(who, who))
    await pilot.press("tab")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)


async def press_fast(pilot: Any, key: str) -> None:
    """One key event without Pilot's idle wait (forms with many fields stay quick)."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(pilot.app)
    pilot.app._driver.send_message(event)
    await pilot.pause()


async def open_piece(pilot: Any, who: str, number: str, *, quick: bool = False) -> None:
    """Log in as `who` (typing, or `quick`ly for snapshots) and open the piece `number` from
    the Synthèse."""
    await (quick_login(pilot, who) if quick else login(pilot, who))
    await cursor_to(pilot, "synthese-table", number)
    await pilot.press("enter")
    await settle(pilot)


async def tab_to(pilot: Any, widget_id: str, limit: int = 80) -> None:
    """Press Tab until the widget `widget_id` has the focus (keys only, like a clerk)."""
    for _ in range(limit):
        focused = pilot.app.focused
        if focused is not None and focused.id == widget_id:
            return
        await press_fast(pilot, "tab")
    raise AssertionError(f"#{widget_id} never got the focus (now: {pilot.app.focused})")


async def focus(pilot: Any, widget_id: str) -> None:
    """Put the focus on a field directly (snapshots only: the flows use `tab_to`)."""
    pilot.app.screen.query_one(f"#{widget_id}").focus()
    await pilot.pause()


async def choose(pilot: Any, select_id: str, text: str, *, direct: bool = False) -> None:
    """Open a Select with Enter, type to search, Enter to choose."""
    await (focus(pilot, select_id) if direct else tab_to(pilot, select_id))
    await pilot.press("enter")
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def cursor_to(pilot: Any, table_id: str, number: str, limit: int = 200) -> None:
    """Move the cursor of a piece table down to the row of `number`."""
    table = pilot.app.screen.query_one(f"#{table_id}")
    for _ in range(limit):
        row = table.current_row
        if row is not None and row.number == number:
            return
        await press_fast(pilot, "down")
        await settle(pilot, rounds=20)
    raise AssertionError(f"{number} not found in #{table_id}")


def screen_text(app: Any) -> str:
    """What the terminal shows right now, as plain text (the screenshot's content)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


async def from_palette(pilot: Any, typed: str, listed: str, *then: str) -> None:
    """ctrl+p, type `typed`, wait until the palette lists `listed`, then press `then`."""
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_text(pilot, typed)
    await wait_until(pilot, lambda: listed in screen_text(pilot.app))
    for key in then:
        await pilot.press(key)
        await settle(pilot)


async def wait_until(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    """Pause until `condition()` holds (debounced searches and checks), then settle."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition never met")
        await pilot.pause(0.05)
    await settle(pilot)


def quiet(app: Any) -> bool:
    """No debounced check or search pending anywhere on screen."""
    for screen in app.screen_stack:
        for node in screen.walk_children(with_self=True):
            if getattr(node, "checking", False) or getattr(node, "searching", False):
                return False
    return True


def greeter_plugin() -> object:
    """A plugin with one palette command that takes a required argument."""
    from types import SimpleNamespace

    from decompte.sdk import hookimpl
    from decompte.sdk.pluginapi import Argument, Command, CommandContext

    def greet(ctx: CommandContext) -> str:
        return f"Bonjour {ctx.args['nom']}, vous agissez pour {ctx.session.structure.name}"

    command = Command(
        "saluer", "Saluer quelqu'un", greet, (Argument("nom", "à qui dire bonjour", True),)
    )
    return SimpleNamespace(decompte_commands=hookimpl(lambda: [command]))


def load_plugins_with(monkeypatch: Any, **extra: object) -> None:
    """Every Core the app builds loads these plugins besides the bundled ones."""
    from decompte.sdk.plugins import PluginHost

    load = PluginHost.load.__func__  # type: ignore[attr-defined]

    def patched(cls: type, config: Any = None, **kw: Any) -> Any:
        return load(cls, config, **{**kw, "extra": extra})

    monkeypatch.setattr(PluginHost, "load", classmethod(patched))
