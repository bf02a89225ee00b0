"""Decompte's terminal app: the works-invoicing clerk's workstation (Textual).

`main()` is what the `decompte` console script calls when no command is given. The module
imports Textual and the app's own modules only: the store (SQLAlchemy) is opened in a thread
worker after the first frame.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from . import keymap as K
from .backend import Backend, Identity
from .commands import DecompteCommands
from .safe_text import plain
from .theming import DEFAULT_THEME, load_themes
from .workers import describe_error

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from decompte.sdk.config import Config
    from decompte.sdk.core import Core
    from decompte.sdk.session import Session


#: The deadline sweep's default interval in the app (`[ui] sweep_minutes`; 0: never).
DEFAULT_SWEEP_MINUTES = 15
#: The changes a sweep's notice lists (then « … et N autre(s) »).
SWEEP_LINES_SHOWN = 5
#: Its first run after the first login, in seconds (sooner when the interval is shorter).
FIRST_SWEEP_AFTER = 5.0


class DecompteApp(App[int]):
    """The app: a login screen, then the « Factures de travaux » space."""

    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    TITLE = "Decompte"
    SUB_TITLE = "Factures de travaux"
    BINDINGS: ClassVar[list[Binding]] = K.bindings("app")
    COMMANDS: ClassVar[set[Any]] = {DecompteCommands}
    COMMAND_PALETTE_DISPLAY = "^P"

    #: "opening", "ready" or "failed": the login screen watches it.
    store_state: reactive[str] = reactive("opening", init=False)
    store_message: reactive[str] = reactive("Ouverture de la base…", init=False)
    identity: reactive[Identity | None] = reactive(None, init=False, always_update=True)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification (screens and workers call this one) quotes stored values at
        times: shown literally and neutralised, never read as markup."""
        super().notify(
            plain(message, multiline=True),
            title=plain(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def __init__(
        self,
        db_target: str,
        *,
        config: Config | None = None,
        demo: bool = False,
        theme: str | None = None,
        clock: Callable[[], datetime] | None = None,
        cursor_blink: bool | None = None,
        bench: bool = False,
    ) -> None:
        super().__init__()
        if config is None:
            from decompte.sdk.config import Config

            config = Config()
        self.config = config
        self.ui: dict[str, Any] = dict(config.ui or {})
        self.clock = clock or datetime.now
        self.demo = demo
        self.backend = Backend(db_target, config, self.clock, demo=demo)
        self.identities: list[Identity] = []
        self.drafts: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.requested_theme = theme or self.ui.get("theme") or DEFAULT_THEME
        self.cursor_blink = (
            bool(self.ui.get("cursor_blink", False)) if cursor_blink is None else cursor_blink
        )
        self.animation_level = "full" if self.ui.get("animations", False) else "none"
        self.bench = bench
        self.sweeps_started = False
        self.theme_labels: dict[str, str] = {}
        self._theme_problems = self._load_themes()

    # -- start --------------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.bench:
            self._bench_mark("mount")
        for problem in self._theme_problems:
            self.notify(problem, title="Thèmes", severity="warning", timeout=8)
        keymap, problems = K.load_keymap(self.ui)
        if keymap:
            self.set_keymap(keymap)
        for problem in problems:
            self.notify(problem, title="Configuration", severity="warning", timeout=8)
        from .screens.login import LoginScreen

        self.push_screen(LoginScreen())
        # The store (SQLAlchemy) opens once the first frame is out: importing it in a thread
        # while the screen paints would slow the paint down (they share the GIL).
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        if self.bench:
            self._bench_mark("first-frame")
        self.open_store()

    def _load_themes(self) -> list[str]:
        """Register the theme files and pick one, before the first CSS pass (switching
        theme later parses the CSS again)."""
        themes, problems = load_themes()
        for theme, label in themes:
            self.register_theme(theme)
            self.theme_labels[theme.name] = label
        wanted = str(self.requested_theme)
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            problems.append(
                f"Thème inconnu : {wanted} — thèmes : " + ", ".join(sorted(self.theme_labels))
            )
            if DEFAULT_THEME in self.available_themes:
                self.theme = DEFAULT_THEME
        return problems

    def _bench_mark(self, what: str) -> None:
        path = os.environ.get("DECOMPTE_BENCH_FILE")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(f"{what} {time.time():.6f}\n")

    @work(thread=True, exclusive=True, exit_on_error=False, group="store")
    def open_store(self) -> None:
        def progress(text: str) -> None:
            self.call_from_thread(setattr, self, "store_message", text)

        try:
            self.backend.open(progress)
        except Exception as exc:
            self.call_from_thread(self._store_failed, exc)
        else:
            self.call_from_thread(self._store_ready)

    def _store_ready(self) -> None:
        self.store_message = "Base prête" + (" (démonstration)" if self.demo else "")
        self.store_state = "ready"

    def _store_failed(self, exc: BaseException) -> None:
        self.store_message = f"Base inaccessible : {describe_error(exc)}"
        self.store_state = "failed"
        self.notify(self.store_message, title="Base", severity="error", timeout=15)

    @property
    def core(self) -> Core:
        core = self.backend.core
        if core is None:
            raise RuntimeError("base non ouverte")
        return core

    @property
    def session(self) -> Session:
        if self.identity is None:
            raise RuntimeError("personne n'est connecté")
        return self.identity.session

    # -- the deadline sweep on a timer --------------------------------------------------------
    def _start_sweeps(self) -> None:
        """From the first login on: the sweep shortly after, then every `[ui] sweep_minutes`
        (15 by default; 0 never). The CLI's `decompte sweep` (cron) does the same work: both
        may run, the second finds nothing left to change."""
        minutes = float(self.ui.get("sweep_minutes", DEFAULT_SWEEP_MINUTES))
        if self.sweeps_started or minutes <= 0:
            return
        self.sweeps_started = True
        every = minutes * 60
        self.set_timer(min(FIRST_SWEEP_AFTER, every), self.sweep_deadlines)
        self.set_interval(every, self.sweep_deadlines)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sweep")
    def sweep_deadlines(self) -> None:
        """Run the sweep in a thread; a failure is a notice, what changed refreshes the lists."""
        try:
            changes = self.backend.sweep()
        except Exception as exc:
            with contextlib.suppress(RuntimeError):  # the app may be closing
                self.call_from_thread(
                    self.notify,
                    f"Balayage des délais impossible : {describe_error(exc)}",
                    title="Délais",
                    severity="warning",
                    timeout=8,
                )
            return
        if changes:
            lines = [c.describe() for c in changes]
            with contextlib.suppress(RuntimeError):
                self.call_from_thread(self._swept, lines)

    def _swept(self, lines: list[str]) -> None:
        from .screens.main import MainScreen

        shown = "\n".join(lines[:SWEEP_LINES_SHOWN])
        more = len(lines) - SWEEP_LINES_SHOWN
        self.notify(
            f"{len(lines)} changement(s)\n{shown}"
            + (f"\n… et {more} autre(s)" if more > 0 else ""),
            title="Délais",
            timeout=8,
        )
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.data_changed()

    # -- identity -----------------------------------------------------------------------------
    def logged_in(self, identities: list[Identity]) -> None:
        """Called by the login screen once the core accepted the password."""
        from .screens.main import MainScreen

        self.identities = identities
        self.identity = identities[0]
        self.switch_screen(MainScreen())
        self._start_sweeps()
        if self.bench:
            self.call_after_refresh(self._bench_mark, "main-screen")

    def switch_identity(self, identity: Identity) -> None:
        if identity == self.identity:
            return
        self.identity = identity
        self.notify(f"Vous agissez pour {identity.describe()}", title="Structure", timeout=4)

    def next_identity(self) -> None:
        if len(self.identities) < 2 or self.identity is None:
            self.notify(
                "Vous n'êtes rattaché qu'à une structure, dans un seul rôle",
                title="Structure",
                timeout=4,
            )
            return
        i = self.identities.index(self.identity) if self.identity in self.identities else -1
        self.switch_identity(self.identities[(i + 1) % len(self.identities)])

    def logout(self) -> None:
        from .screens.login import LoginScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.identity = None
        self.identities = []
        self.switch_screen(LoginScreen())

    # -- keys and help ------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursor unless the config asks for it ([ui] cursor_blink = true)."""
        widget = event.widget  # an Input or a TextArea (imported later: it is heavy)
        blink = getattr(widget, "cursor_blink", None)
        if blink is not None and blink != self.cursor_blink:
            widget.cursor_blink = self.cursor_blink  # type: ignore[attr-defined]

    def on_unmount(self) -> None:
        self.backend.close()

    # -- pieces, dossiers, marchés from anywhere (palette, tables) ----------------------------
    def open_piece(self, piece_id: int) -> None:
        from .screens.piece import PieceScreen

        self.push_screen(PieceScreen(piece_id))

    def open_dossier(self, dossier_id: int) -> None:
        from .screens.dossier import DossierScreen

        self.push_screen(DossierScreen(dossier_id))

    def open_marche(self, number: str) -> None:
        from .screens.marche import MarcheScreen

        self.push_screen(MarcheScreen(number))

    def deposit_after(self, piece_id: int) -> None:
        """« Déposer la pièce suivante du dossier »: the Déposer tab, from this piece."""
        from .screens.main import MainScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, MainScreen):
            self.pop_screen()
        if isinstance(self.screen, MainScreen):
            self.screen.deposit_after(piece_id)


def main(
    db_target: str,
    *,
    demo: bool,
    theme: str | None,
    mouse: bool,
    config: Config,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Run the app on `db_target` (a fresh demo store there when `demo`), on `clock` (the
    system's unless `--today` set a day); exit code."""
    bench = bool(os.environ.get("DECOMPTE_BENCH_FILE"))
    app = DecompteApp(db_target, config=config, demo=demo, theme=theme, bench=bench, clock=clock)
    if bench:
        app._bench_mark("app-created")
    result = app.run(mouse=mouse)
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)
