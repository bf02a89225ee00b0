"""User accounts: registration, activation by the mailed code, passwords, and the login
that locks an account for 15 minutes after five failures. Part of `Organisation` (org.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from . import passwords
from .errors import Conflict, NotAuthorised, NotFound, UsageError
from .model import User
from .org_base import OrgBase
from .store import rows as R
from .store.schema import users

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class Accounts(OrgBase):
    # -- user accounts ------------------------------------------------------------------------
    def register_user(
        self,
        login: str,
        email: str,
        last_name: str,
        first_name: str,
    ) -> tuple[User, str]:
        """Create an inactive account; returns it with the activation code to send by mail."""
        login = login.strip().lower()
        if "@" not in login:
            raise UsageError(
                "L'identifiant de connexion doit être une adresse électronique",
                field="login",
                hint="saisissez une adresse du type nom@domaine.fr",
            )
        for field_name, value in (("last_name", last_name), ("first_name", first_name)):
            if not value.strip():
                raise UsageError("Champ obligatoire", field=field_name)
        code = passwords.activation_code()
        try:
            with self.store.write() as conn:
                uid = conn.execute(
                    insert(users).values(
                        login=login,
                        email=email.strip() or login,
                        last_name=last_name.strip(),
                        first_name=first_name.strip(),
                        active=False,
                        activation_code=code,
                    )
                ).inserted_primary_key[0]
        except IntegrityError:
            raise Conflict(
                f"Un compte {login} existe déjà",
                field="login",
                hint="connectez-vous ou réinitialisez votre mot de passe",
            ) from None
        return User(uid, login, email or login, last_name, first_name, False), code

    def activate(self, login: str, code: str, password: str) -> User:
        if problem := passwords.policy_problem(password):
            raise UsageError(
                problem, field="password", hint="au moins 12 caractères dont 3 groupes sur 4"
            )
        with self.store.write() as conn:
            row = conn.execute(select(users).where(users.c.login == login.lower())).first()
            if row is None:
                raise NotAuthorised(f"Compte {login} inconnu", field="login")
            if row.active:
                raise Conflict("Ce compte est déjà activé", field="login")
            if not code or code != row.activation_code:
                raise NotAuthorised(
                    "Code d'activation incorrect",
                    field="code",
                    hint="recopiez le code reçu par courriel",
                )
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(
                    active=True, activation_code="", password_hash=passwords.hash_password(password)
                )
            )
        return self.user(login)

    def set_password(self, user_id: int, password: str) -> None:
        if problem := passwords.policy_problem(password):
            raise UsageError(problem, field="password")
        with self.store.write() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    password_hash=passwords.hash_password(password), active=True, activation_code=""
                )
            )

    def user(self, login: str) -> User:
        with self.store.read() as conn:
            row = conn.execute(select(users).where(users.c.login == login.strip().lower())).first()
        if row is None:
            raise NotFound(f"Utilisateur {login} inconnu", field="login")
        return R.user(row)

    def authenticate(self, login: str, password: str) -> User:
        """Check a password; five failures lock the account for 15 minutes.

        The password is checked outside any transaction (scrypt takes a noticeable moment):
        a login holds no lock, and failures are counted in a short write afterwards."""
        now = self.clock()
        with self.store.read() as conn:
            row = conn.execute(select(users).where(users.c.login == login.strip().lower())).first()
        if row is None:
            raise NotAuthorised(
                f"Utilisateur {login} inconnu",
                field="login",
                hint="vérifiez l'identifiant de connexion",
            )
        if not row.active:
            raise NotAuthorised(
                "Compte non activé",
                field="login",
                hint="activez le compte avec le code reçu par courriel",
            )
        _raise_if_locked(row.locked_until, now)
        valid = passwords.verify_password(password, row.password_hash)
        rehashed = (
            passwords.hash_password(password)
            if valid and passwords.needs_rehash(row.password_hash)
            else None
        )
        if valid and not (row.failed_logins or row.locked_until or rehashed):
            return R.user(row)
        with self.store.write() as conn:
            current = conn.execute(
                select(users.c.failed_logins, users.c.locked_until)
                .where(users.c.id == row.id)
                .with_for_update()
            ).one()
            _raise_if_locked(current.locked_until, now)  # locked by a try made meanwhile
            failed = 0 if valid else current.failed_logins + 1
            locked = now + LOCKOUT if failed >= MAX_FAILED_LOGINS else None
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(failed_logins=0 if locked else failed, locked_until=locked)
            )
            if rehashed:  # unless the password was changed meanwhile
                conn.execute(
                    update(users)
                    .where(users.c.id == row.id, users.c.password_hash == row.password_hash)
                    .values(password_hash=rehashed)
                )
        if not valid:
            left = MAX_FAILED_LOGINS - failed
            raise NotAuthorised(
                "Mot de passe incorrect",
                field="password",
                hint=f"{left} essai(s) avant verrouillage"
                if left > 0
                else "compte verrouillé 15 minutes",
            )
        return R.user(row)


def _raise_if_locked(locked_until: datetime | None, now: datetime) -> None:
    if locked_until and locked_until > now:
        raise NotAuthorised(
            "Compte verrouillé après trop d'échecs",
            field="password",
            hint=f"réessayez après {locked_until:%H:%M}",
        )
