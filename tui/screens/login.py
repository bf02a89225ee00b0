"""Login: identifier + password; the core checks them and locks an account after five
failures. The store opens in the background while the clerk types."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList

from decompte.sdk.vocabulary import ROLE_LABELS

from .. import keymap as K
from ..safe_text import Label, Static, option
from ..widgets.keybar import KeyBar
from ..workers import describe_error

if TYPE_CHECKING:
    from ..app import DecompteApp

DEMO_ROLES = {
    "titulaire": f"{ROLE_LABELS['FOURNISSEUR']} (titulaire)",
    "moe": ROLE_LABELS["MOE"],
    "moa": ROLE_LABELS["MOA"],
    "sf": ROLE_LABELS["SERVICE_FINANCIER"],
    "cotraitant": ROLE_LABELS["COTRAITANT"],
    "soustraitant": ROLE_LABELS["SOUSTRAITANT"],
    "soustraitant2": f"{ROLE_LABELS['SOUSTRAITANT']} (gymnase)",
    "deux_structures": f"{ROLE_LABELS['MOE']} et {ROLE_LABELS['COTRAITANT']} (deux structures)",
}


class LoginScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("login")
    AUTO_FOCUS = "#login-id"

    @property
    def dapp(self) -> DecompteApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Center(id="login-center"), Vertical(id="login-box"):
            yield Static("Decompte — Factures de travaux", id="login-title")
            yield Static("Connexion à l'espace « Factures de travaux »", classes="muted")
            with Horizontal(classes="form-row"):
                yield Label("Identifiant", classes="form-label")
                yield Input(
                    placeholder="adresse électronique de connexion", id="login-id", compact=True
                )
            with Horizontal(classes="form-row"):
                yield Label("Mot de passe", classes="form-label")
                yield Input(
                    placeholder="mot de passe", password=True, id="login-password", compact=True
                )
            with Horizontal(id="login-actions"):
                yield Button("Se connecter", id="login-submit", variant="primary", compact=True)
                yield Static("", id="login-busy", classes="muted")
            yield Static("", id="login-error")
            yield Static("", id="login-store", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.dapp, "store_message", self._store_message)
        self.watch(self.dapp, "store_state", self._store_state)

    def _store_message(self, message: str) -> None:
        target = self.dapp.backend.db_target
        shown = target if "://" in target else Path(target).name
        self.query_one("#login-store", Static).update(f"{message} · {shown}")

    def _busy(self, busy: bool) -> None:
        self.query_one("#login-busy", Static).update("Patientez…" if busy else "")

    def _store_state(self, state: str) -> None:
        backend = self.dapp.backend
        if state == "ready" and backend.demo_users and not self.query("#demo-users"):
            # the demo accounts, mounted only in demo mode (a lighter first frame otherwise)
            title = Label("", id="demo-title", classes="section")
            users = OptionList(id="demo-users")
            self.query_one("#login-box").mount_all([title, users])
            order = list(DEMO_ROLES)
            users.add_options(
                option(f"{DEMO_ROLES.get(key, key)} — {login}", id=key)
                for key, login in sorted(
                    backend.demo_users.items(),
                    key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]),
                )
            )
            users.highlighted = 0
            title.update(f"Comptes de démonstration (mot de passe : {backend.demo_password})")

    @on(OptionList.OptionSelected, "#demo-users")
    def _demo_user(self, event: OptionList.OptionSelected) -> None:
        backend = self.dapp.backend
        login = backend.demo_users.get(event.option.id or "", "")
        self.query_one("#login-id", Input).value = login
        self.query_one("#login-password", Input).value = backend.demo_password
        self.query_one("#login-submit", Button).focus()

    @on(Input.Submitted, "#login-id")
    def _next_field(self) -> None:
        self.query_one("#login-password", Input).focus()

    @on(Input.Submitted, "#login-password")
    @on(Button.Pressed, "#login-submit")
    def action_submit(self) -> None:
        login = self.query_one("#login-id", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        error = self.query_one("#login-error", Static)
        if not login:
            error.update("Saisissez votre identifiant de connexion")
            self.query_one("#login-id", Input).focus()
            return
        if not password:
            error.update("Saisissez votre mot de passe")
            self.query_one("#login-password", Input).focus()
            return
        error.update("Vérification…")
        self.query_one("#login-submit", Button).disabled = True
        self._busy(True)
        self.authenticate(login, password)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def authenticate(self, login: str, password: str) -> None:
        try:
            identities = self.dapp.backend.login(login, password)
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc)
        else:
            self.app.call_from_thread(self.dapp.logged_in, identities)

    def _refused(self, exc: BaseException) -> None:
        self.query_one("#login-submit", Button).disabled = False
        self._busy(False)
        self.query_one("#login-error", Static).update(describe_error(exc))
        password = self.query_one("#login-password", Input)
        password.value = ""
        if getattr(exc, "field", "") == "login":
            self.query_one("#login-id", Input).focus()
        else:
            password.focus()
