"""User accounts: registration, activation by the mailed code, passwords, and the login
that locks an account for 15 minutes after five failures. Part of `Organisation` (org.py).

Secrets: the activation code is stored hashed with its issue time (`passwords.hash_code`),
valid 60 minutes (the portal's delay), and void after five wrong tries; for an account not
yet active, `failed_logins` counts those tries (it cannot log in, so it has no login
failures to count). Self-registration never returns the code: it goes to the login address
through the notifier (`sdk.notify`: plugins, else the local outbox). Only a manager creating
an account for a colleague of their structure gets it back, to hand over by a safe channel.

Login: an unknown login, a wrong password, an inactive or a locked account get the same
error after the same hashing work (a dummy hash for a missing account), so neither the
message nor the time tells whether an account exists. A blank password (nothing but spaces
or invisible characters) is refused before anything is looked up and is not counted.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import passwords
from .errors import Conflict, NotAuthorised, NotFound, UsageError
from .field_limits import check_field
from .model import MemberRole, User
from .notify import Delivery, Notification, Notifier, outbox_for
from .org_base import OrgBase
from .session import Session
from .store import rows as R
from .store.schema import attachment_requests, memberships, users

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
REISSUE_HINT = "demandez un nouveau code : decompte user reissue IDENTIFIANT"

#: One label of a domain name: letters or digits, hyphens inside.
_LABEL = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_LOCAL_FORBIDDEN = set('<>()[]\\,;:"')


def login_refused() -> NotAuthorised:
    """The one refusal of a login, whatever the cause (see the module docstring)."""
    return NotAuthorised(
        "Identifiant ou mot de passe incorrect",
        field="password",
        hint=f"vérifiez l'adresse de connexion et le mot de passe ; après {MAX_FAILED_LOGINS} "
        f"échecs un compte est verrouillé {LOCKOUT.seconds // 60} minutes ; un compte nouveau "
        "s'active d'abord avec le code reçu par courriel",
    )


def email_address(field: str, value: str) -> str:
    """`value` checked as an e-mail address (no space, one @, a domain with a dot), its
    domain in lower case; a named usage error otherwise."""
    value = check_field(field, value.strip())
    hint = "saisissez une adresse du type nom@domaine.fr"
    local, at, domain = value.rpartition("@")
    problem = ""
    if not at or "@" in local:
        problem = "il faut un et un seul @"
    elif any(c.isspace() or unicodedata.category(c).startswith("Z") for c in value):
        problem = "pas d'espace dans une adresse"
    elif not local or local[0] == "." or local[-1] == "." or ".." in local:
        problem = "partie avant le @ vide ou mal formée"
    elif _LOCAL_FORBIDDEN & set(local):
        problem = "caractère interdit avant le @"
    elif "." not in domain or not all(_LABEL.fullmatch(x) for x in domain.split(".")):
        problem = "domaine mal formé (il faut un point : domaine.fr)"
    if problem:
        raise UsageError(f"Adresse électronique invalide : {problem}", field=field, hint=hint)
    return f"{local}@{domain.lower()}"


def login_key(login: str) -> str:
    """A login as it is stored and looked up: NFKC (a full-width letter is the letter), no
    surrounding space, lower case."""
    return unicodedata.normalize("NFKC", login).strip().lower()


def _name(field: str, value: str) -> str:
    value = check_field(field, value.strip())
    if not value:
        raise UsageError("Champ obligatoire", field=field, hint="saisissez le nom et le prénom")
    return value


class Accounts(OrgBase):
    notifier: Notifier | None = None  # set by Core; else the outbox beside the store's files

    # -- registration -------------------------------------------------------------------------
    def register_user(
        self,
        login: str,
        email: str,
        last_name: str,
        first_name: str,
    ) -> tuple[User, str]:
        """Create an inactive account; returns it with its activation code in clear, the only
        time it exists in clear. For the administrator's path and scripts that hand the code
        over themselves: a person registering an address uses `sign_up`, which sends it."""
        return self._register(login, email, last_name, first_name, None)

    def sign_up(
        self, login: str, email: str, last_name: str, first_name: str
    ) -> tuple[User, Delivery]:
        """Self-registration: create the account and send its code to the login address."""
        user, code = self._register(login, email, last_name, first_name, None)
        return user, self._send_code(user.login, code)

    def create_account_for(
        self, session: Session, login: str, email: str, last_name: str, first_name: str
    ) -> tuple[User, str]:
        """A manager (GP or GS) creates the account of a colleague, attached to the
        session's structure as a simple user; returns the code to hand over."""
        return self._register(login, email, last_name, first_name, session)

    def _register(
        self, login: str, email: str, last_name: str, first_name: str, by: Session | None
    ) -> tuple[User, str]:
        login = email_address("login", login_key(login))
        email = email_address("email", email) if email.strip() else login
        last_name, first_name = _name("last_name", last_name), _name("first_name", first_name)
        code = passwords.activation_code()
        now = self.clock()
        try:
            with self.store.write() as conn:
                if by is not None:
                    self._require_manager(by, by.structure.id, conn)
                uid = conn.execute(
                    insert(users).values(
                        login=login,
                        email=email,
                        last_name=last_name,
                        first_name=first_name,
                        active=False,
                        activation_code=passwords.hash_code(code, now),
                        failed_logins=0,
                    )
                ).inserted_primary_key[0]
                if by is not None:
                    _attach(conn, uid, by, now)
        except IntegrityError:
            raise Conflict(
                f"Un compte {login} existe déjà",
                field="login",
                hint="connectez-vous, ou activez-le avec son code",
            ) from None
        return User(uid, login, email, last_name, first_name, False), code

    # -- activation codes ---------------------------------------------------------------------
    def resend_code(self, login: str) -> Delivery | None:
        """A new code for an account not yet active, sent to its login address; None (and
        nothing sent) when there is no such account."""
        key = login_key(login)
        with self.store.read() as conn:
            row = conn.execute(select(users).where(users.c.login == key)).first()
        if row is None or row.active:
            return None
        return self._send_code(row.login, self._new_code(row.id))

    def reissue_code(self, session: Session, login: str) -> str:
        """A manager of the account's structure gives it a new code (the old one is void)."""
        self._require_manager(session, session.structure.id)
        target = self.user(login)
        if target.active:
            raise Conflict("Ce compte est déjà activé", field="login", hint="il peut se connecter")
        with self.store.read() as conn:
            attached = conn.execute(
                select(memberships.c.user_id).where(
                    memberships.c.user_id == target.id,
                    memberships.c.structure_id == session.structure.id,
                )
            ).first()
        if attached is None:
            raise NotAuthorised(
                f"{target.login} n'est pas rattaché à {session.structure.name}",
                field="login",
                hint="seul un gestionnaire de sa structure peut lui remettre un code ; "
                "sinon : decompte user reissue IDENTIFIANT (sans --as) l'envoie à son adresse",
            )
        return self._new_code(target.id)

    def _new_code(self, user_id: int) -> str:
        code = passwords.activation_code()
        with self.store.write() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == user_id, users.c.active.is_(False))
                .values(activation_code=passwords.hash_code(code, self.clock()), failed_logins=0)
            )
        return code

    def _send_code(self, login: str, code: str) -> Delivery:
        notifier = self.notifier or Notifier(outbox_for(self.store.files.root), clock=self.clock)
        minutes = int(passwords.CODE_VALIDITY.total_seconds() // 60)
        try:
            return self._deliver(notifier, login, code, minutes)
        except NotAuthorised as failed:
            with self.store.write() as conn:  # a code nobody received must not stay valid
                conn.execute(
                    update(users)
                    .where(users.c.login == login, users.c.active.is_(False))
                    .values(activation_code="")
                )
            failed.message = f"Compte {login} enregistré mais inactif. {failed.message}"
            failed.hint += " ; puis : decompte user reissue IDENTIFIANT"
            raise

    @staticmethod
    def _deliver(notifier: Notifier, login: str, code: str, minutes: int) -> Delivery:
        return notifier.send(
            Notification(
                "activation_code",
                login,
                "Decompte : votre code d'activation",
                f"Bonjour,\n\nUn compte Decompte attend d'être activé pour l'adresse {login}.\n"
                f"Votre code d'activation : {code}\n\n"
                f"Il est valable {minutes} minutes et {MAX_CODE_ATTEMPTS} essais. Pour activer "
                f"le compte et choisir votre mot de passe :\n"
                f"    decompte user activate {login} --code {code}\n\n"
                "Si vous n'avez rien demandé, ignorez ce message : sans ce code, le compte "
                "reste inactif.\n",
            )
        )

    def activate(self, login: str, code: str, password: str) -> User:
        """Activate with the code and choose the password. Each try spends one of the five
        before the code is checked (parallel tries cannot exceed them); the fifth wrong
        code voids it."""
        passwords.check_new_password(password)
        if not passwords.normalise_code(code):
            raise UsageError(
                "Code d'activation vide", field="code", hint="recopiez le code reçu par courriel"
            )
        key, now = login_key(login), self.clock()
        with self.store.write() as conn:
            row = conn.execute(select(users).where(users.c.login == key).with_for_update()).first()
            if row is not None:
                tries = _spend_code_try(conn, row, now)
        if row is None:
            raise NotAuthorised(
                "Code d'activation incorrect",
                field="code",
                hint="vérifiez l'adresse de connexion et le code reçu par courriel",
            )
        if not passwords.verify_code(code, row.activation_code):
            left = MAX_CODE_ATTEMPTS - tries
            if left <= 0:
                with self.store.write() as conn:
                    conn.execute(
                        update(users)
                        .where(users.c.id == row.id, users.c.activation_code == row.activation_code)
                        .values(activation_code="")
                    )
            raise NotAuthorised(
                "Code d'activation incorrect",
                field="code",
                hint=f"{left} essai(s) avant l'invalidation du code"
                if left > 0
                else f"après {MAX_CODE_ATTEMPTS} essais le code est invalidé ; {REISSUE_HINT}",
            )
        new_hash = passwords.hash_password(password)
        with self.store.write() as conn:
            done = conn.execute(
                update(users)
                .where(
                    users.c.id == row.id,
                    users.c.active.is_(False),
                    users.c.activation_code == row.activation_code,
                )
                .values(
                    active=True,
                    activation_code="",
                    password_hash=new_hash,
                    failed_logins=0,
                    locked_until=None,
                )
            ).rowcount
        if not done:
            raise Conflict(
                "Le code d'activation a changé entre-temps", field="code", hint=REISSUE_HINT
            )
        return self.user(key)

    # -- passwords and login ------------------------------------------------------------------
    def set_password(self, user_id: int, password: str) -> None:
        passwords.check_new_password(password)
        with self.store.write() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    password_hash=passwords.hash_password(password),
                    active=True,
                    activation_code="",
                    failed_logins=0,
                    locked_until=None,
                )
            )

    def user(self, login: str) -> User:
        with self.store.read() as conn:
            row = conn.execute(select(users).where(users.c.login == login_key(login))).first()
        if row is None:
            raise NotFound(f"Utilisateur {login} inconnu", field="login")
        return R.user(row)

    def authenticate(self, login: str, password: str) -> User:
        """Check a password; five failures lock the account for 15 minutes.

        The password is checked outside any transaction (scrypt takes a noticeable moment):
        a login holds no lock, and failures are counted in a short write afterwards."""
        if passwords.is_blank(password):
            raise UsageError(
                "Mot de passe vide", field="password", hint="saisissez votre mot de passe"
            )
        now = self.clock()
        with self.store.read() as conn:
            row = conn.execute(select(users).where(users.c.login == login_key(login))).first()
        if row is None or not row.active or not row.password_hash:
            passwords.spend_like_a_check(password)
            raise login_refused()
        valid, rehash = passwords.check_password(password, row.password_hash)
        if _locked(row.locked_until, now):
            raise login_refused()  # the same work was spent; a try while locked is not counted
        rehashed = passwords.hash_password(password) if valid and rehash else None
        if valid and not (row.failed_logins or row.locked_until or rehashed):
            return R.user(row)
        with self.store.write() as conn:
            current = conn.execute(
                select(users.c.failed_logins, users.c.locked_until)
                .where(users.c.id == row.id)
                .with_for_update()
            ).one()
            if _locked(current.locked_until, now):  # locked by a try made meanwhile
                raise login_refused()
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
            raise login_refused()
        return R.user(row)


def _spend_code_try(conn: Connection, row: Row[Any], now: datetime) -> int:
    """Refuse an active account, a void or expired code; else count one more try."""
    if row.active:
        raise Conflict("Ce compte est déjà activé", field="login", hint="connectez-vous")
    issued = passwords.code_issued_at(row.activation_code)
    tries: int = row.failed_logins or 0
    if issued is None or tries >= MAX_CODE_ATTEMPTS:
        raise NotAuthorised(
            "Aucun code d'activation valable pour ce compte (invalidé après "
            f"{MAX_CODE_ATTEMPTS} essais incorrects, ou remplacé)",
            field="code",
            hint=REISSUE_HINT,
        )
    if now > issued + passwords.CODE_VALIDITY:
        minutes = int(passwords.CODE_VALIDITY.total_seconds() // 60)
        raise NotAuthorised(
            f"Code d'activation expiré : il est valable {minutes} minutes après son envoi",
            field="code",
            hint=REISSUE_HINT,
        )
    conn.execute(
        update(users).where(users.c.id == row.id).values(failed_logins=users.c.failed_logins + 1)
    )
    return tries + 1


def _attach(conn: Connection, user_id: int, by: Session, now: datetime) -> None:
    """The new account joins the manager's structure as a simple user (request accepted)."""
    conn.execute(
        insert(memberships).values(
            user_id=user_id, structure_id=by.structure.id, role=str(MemberRole.USER)
        )
    )
    conn.execute(
        insert(attachment_requests).values(
            user_id=user_id,
            structure_id=by.structure.id,
            status="ACCEPTEE",
            created_at=now,
            decided_by=by.user.id,
            decided_at=now,
        )
    )


def _locked(locked_until: datetime | None, now: datetime) -> bool:
    return bool(locked_until and locked_until > now)
