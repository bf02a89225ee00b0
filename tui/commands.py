"""The command palette (ctrl+p): the tabs, the identity, the themes, the plugins' commands
and exporters, and « aller à » a piece, a billing file or a marché by its number."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from .safe_text import plain

if TYPE_CHECKING:
    from .app import DecompteApp

TABS = (
    ("synthese", "Synthèse", "les pièces à traiter pour votre structure"),
    ("rechercher", "Rechercher", "une pièce par rôle, structure, cadre, période, état…"),
    ("deposer", "Déposer", "une pièce initiale ou la suivante d'un dossier"),
    ("tableau", "Tableau de bord", "le stock par état et par ancienneté"),
    ("fiscale", "Liste fiscale", "les pièces déposées sur une période"),
    ("archives", "Archives", "les dossiers de facturation terminés"),
)
_PREFIX = re.compile(r"^\s*(pi[eè]ce|dossier|march[ée])\s*(n[°o]\s*)?", re.IGNORECASE)


def _kind_and_number(query: str) -> tuple[str | None, str]:
    match = _PREFIX.match(query)
    if not match:
        return None, query.strip()
    word = match.group(1).lower()
    kind = "piece" if word.startswith("pi") else "dossier" if word == "dossier" else "marche"
    return kind, query[match.end() :].strip()


class DecompteCommands(Provider):
    """Static commands plus « aller à » by number once someone is logged in."""

    @property
    def _app(self) -> DecompteApp:
        return self.app  # type: ignore[return-value]

    def _static(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self._app
        commands: list[tuple[str, Callable[[], Any], str]] = []
        if app.identity is not None:
            for name, label, help_text in TABS:
                commands.append((f"Aller à : {label}", partial(app_goto, app, name), help_text))
            commands.append(
                (
                    "Changer de structure / de rôle",
                    app.next_identity,
                    "agir pour une autre de vos structures (F8)",
                )
            )
            commands.append(("Se déconnecter", app.logout, "revenir à l'écran de connexion"))
            from .plugin_actions import palette_entries  # not on the first frame's path

            commands += palette_entries(app)
        for name, label in sorted(app.theme_labels.items()):
            commands.append(
                (f"Thème : {label}", partial(setattr, app, "theme", name), f'[ui] theme = "{name}"')
            )
        commands.append(("Aide : raccourcis clavier", app.action_help, "F1"))
        commands.append(("Quitter", app.exit, "ctrl+q"))
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._static():
            yield DiscoveryHit(Content(plain(text)), callback, text=text, help=plain(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._static():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, _shown(matcher, text), callback, text=text, help=plain(help_text))
        app = self._app
        if app.identity is None:
            return
        kind, number = _kind_and_number(query)
        if not number or " " in number.strip():
            return
        for target, label in (
            ("piece", "Ouvrir la pièce n°"),
            ("dossier", "Ouvrir le dossier n°"),
            ("marche", "Ouvrir le marché n°"),
        ):
            if kind is not None and kind != target:
                continue
            text = f"{label} {number}"
            yield Hit(
                1.0 if kind else 0.9,
                Content(plain(text)),
                partial(go_to_number, app, target, number),
                help="recherche par numéro exact",
            )


def _shown(matcher: Any, text: str) -> Content:
    """The command as listed, matches highlighted. Textual's highlighter reads markup, and
    plugins name their commands: text that could be markup or hold unsafe characters is
    listed literally, without highlight."""
    if "[" in text or plain(text) != text:
        return Content(plain(text))
    return matcher.highlight(text)


def app_goto(app: DecompteApp, tab: str) -> None:
    from .screens.main import MainScreen

    while len(app.screen_stack) > 2 and not isinstance(app.screen, MainScreen):
        app.pop_screen()
    if isinstance(app.screen, MainScreen):
        app.screen.action_goto(tab)


def go_to_number(app: DecompteApp, kind: str, number: str) -> None:
    _resolve(app, kind, number)


def _resolve(app: DecompteApp, kind: str, number: str) -> None:
    session = app.session

    def find() -> None:
        try:
            core = app.backend.wait()
            if kind == "piece":
                piece = core.queries.find_piece(session, number)
                app.call_from_thread(app.open_piece, piece.id)
            elif kind == "dossier":
                dossier = core.queries.dossier_by_number(session, number)
                app.call_from_thread(app.open_dossier, dossier["id"])
            else:
                # The screen reads the card through the policy and says why it cannot
                # show it; nothing is looked up here that would tell whether it exists.
                app.call_from_thread(app.open_marche, number)
        except Exception as exc:
            from .workers import notify_error

            notify_error(app, exc, "Aller à")

    app.run_worker(find, thread=True, exclusive=True, group="goto", exit_on_error=False)
