"""Organisation: structures, services, bank details, user accounts, attachments, roles, spaces."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import passwords
from .access import Access, Verb
from .errors import Conflict, NotAuthorised, NotFound, UsageError
from .identifiers import check_bic, check_iban, check_siret, compact
from .model import (
    SPACE_WORKS,
    Address,
    BankAccount,
    IdentifierType,
    MemberRole,
    Membership,
    RoutingMode,
    Service,
    Structure,
    User,
)
from .session import Session
from .store import Store
from .store import rows as R
from .store.schema import (
    attachment_requests,
    bank_accounts,
    memberships,
    services,
    space_subscriptions,
    structure_spaces,
    structures,
    users,
)
from .textkeys import key, like_pattern, literal_prefix

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SPACES = (
    "ACTIVITES_GESTIONNAIRE",
    "MON_COMPTE",
    "FACTURES_EMISES",
    "SOLLICITATIONS_EMISES",
    SPACE_WORKS,
    "FACTURES_A_VALIDER",
    "ENGAGEMENTS",
    "SUIVI_DES_FLUX",
)
SPACE_MODES = ("CONSULTATION", "MODIFICATION")


class Organisation:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.access = Access(clock)

    # -- structures -------------------------------------------------------------------------
    def _insert_structure(
        self,
        conn: Connection,
        *,
        identifier: str,
        identifier_type: str,
        name: str,
        label: str,
        address: Address,
        public: bool,
        routing_mode: RoutingMode,
        active: bool = True,
    ) -> int:
        if identifier_type == IdentifierType.SIRET:
            identifier = compact(identifier)
            problem = check_siret(identifier)
            if problem:
                raise UsageError(
                    problem,
                    field="identifier",
                    hint="saisissez les 14 chiffres du SIRET de la structure",
                )
        if not name.strip():
            raise UsageError(
                "La raison sociale est obligatoire",
                field="name",
                hint="saisissez la raison sociale de la structure",
            )
        try:
            return conn.execute(
                insert(structures).values(
                    identifier=identifier,
                    identifier_type=str(identifier_type),
                    name=name.strip(),
                    name_key=key(name),
                    label=label.strip() or name.strip(),
                    line1=address.line1,
                    postcode=address.postcode,
                    city=address.city,
                    city_key=key(address.city),
                    country=address.country,
                    active=active,
                    public=public,
                    routing_mode=str(routing_mode),
                )
            ).inserted_primary_key[0]
        except IntegrityError:
            raise Conflict(
                f"Une structure d'identifiant {identifier} existe déjà",
                field="identifier",
                hint="demandez un rattachement à la structure existante",
            ) from None

    def structure(self, structure_id: int) -> Structure:
        with self.store.read() as conn:
            row = conn.execute(select(structures).where(structures.c.id == structure_id)).first()
        if row is None:
            raise NotFound(f"Structure {structure_id} introuvable", field="structure")
        return R.structure(row)

    def structure_by_identifier(self, identifier: str) -> Structure:
        ident = identifier.strip().replace(" ", "")
        with self.store.read() as conn:
            found = conn.execute(select(structures).where(structures.c.identifier == ident)).all()
        if not found:
            raise NotFound(
                f"Aucune structure d'identifiant {ident}",
                field="structure",
                hint="vérifiez l'identifiant ou cherchez par raison sociale",
            )
        return R.structure(found[0])

    def search_structures(
        self,
        *,
        identifier: str = "",
        name: str = "",
        label: str = "",
        postcode: str = "",
        city: str = "",
        identifier_type: str = "",
        active: bool | None = None,
        public: bool | None = None,
        limit: int = 50,
    ) -> list[Structure]:
        """The portal's structure search; `*` is a wildcard, a plain value matches a prefix."""
        s = structures.c
        where = []
        for column, value in (
            (s.identifier, identifier.replace(" ", "")),
            (s.name_key, name),
            (s.postcode, postcode),
            (s.city_key, city),
        ):
            if value:
                pattern = (
                    like_pattern(value)
                    if column is not s.identifier
                    else (value.replace("*", "%") + ("" if "*" in value else "%"))
                )
                prefix = literal_prefix(pattern)
                if prefix:  # range condition so that the index is used
                    where += [column >= prefix, column < prefix + "\uffff"]
                where.append(column.like(pattern, escape="\\"))
        if label:
            where.append(func.upper(s.label).like(like_pattern(label), escape="\\"))
        if identifier_type:
            where.append(s.identifier_type == identifier_type)
        if active is not None:
            where.append(s.active == active)
        if public is not None:
            where.append(s.public == public)
        # The page's ids first (index-only for identifier, name and postcode+city searches),
        # then the 50 rows: sorting whole rows of a big town fetched every one of them.
        ids = select(s.id).where(and_(*where)).order_by(s.name_key, s.id).limit(limit)
        query = select(structures).where(s.id.in_(ids.correlate(None))).order_by(s.name_key, s.id)
        with self.store.read() as conn:
            return [R.structure(r) for r in conn.execute(query)]

    def structure_card(self, session: Session, identifier: str) -> Structure:
        """The fiche structure, for a structure the policy lets the session see."""
        with self.store.read() as conn:
            self.access.require(conn, session, Verb.READ_STRUCTURE)
        found = self.structure_by_identifier(identifier)
        with self.store.read() as conn:
            self.access.require_target(conn, session, Verb.READ_STRUCTURE, found)
        return found

    def set_structure_active(self, session: Session, structure_id: int, active: bool) -> None:
        """A manager (GP or GS) deactivates the structure, or reactivates it (seed 002)."""
        verb = Verb.REACTIVATE_STRUCTURE if active else Verb.MANAGE_STRUCTURE
        with self.store.write() as conn:
            self.access.require(conn, session, verb, structure_id)
            conn.execute(
                update(structures).where(structures.c.id == structure_id).values(active=active)
            )

    def set_routing_mode(self, session: Session, structure_id: int, mode: RoutingMode) -> None:
        self._require_manager(session, structure_id)
        with self.store.write() as conn:
            conn.execute(
                update(structures)
                .where(structures.c.id == structure_id)
                .values(routing_mode=str(mode))
            )

    # -- services and bank details -----------------------------------------------------------
    def add_service(
        self,
        session: Session,
        structure_id: int,
        code: str,
        label: str = "",
        *,
        ej_required: bool = False,
    ) -> Service:
        self._require_manager(session, structure_id)
        code = code.strip().upper()
        if not code:
            raise UsageError("Le code du service est obligatoire", field="code")
        if code == "FACTURES_PUBLIQUES":
            raise UsageError(
                "FACTURES_PUBLIQUES est un pseudo-service réservé",
                field="code",
                hint="choisissez un autre code de service",
            )
        try:
            with self.store.write() as conn:
                sid = conn.execute(
                    insert(services).values(
                        structure_id=structure_id,
                        code=code,
                        label=label or code,
                        active=True,
                        ej_required=ej_required,
                    )
                ).inserted_primary_key[0]
        except IntegrityError:
            raise Conflict(f"Le service {code} existe déjà", field="code") from None
        return Service(sid, structure_id, code, label or code, True, ej_required)

    def services(self, structure_id: int) -> list[Service]:
        with self.store.read() as conn:
            rows = conn.execute(
                select(services)
                .where(services.c.structure_id == structure_id)
                .order_by(services.c.code)
            )
            return [R.service(r) for r in rows]

    def add_bank_account(
        self, session: Session, structure_id: int, iban: str, bic: str = "", label: str = ""
    ) -> BankAccount:
        self._require_manager(session, structure_id)
        iban, bic = compact(iban), compact(bic)
        if problem := check_iban(iban):
            raise UsageError(problem, field="iban", hint="recopiez l'IBAN depuis votre RIB")
        if bic and (problem := check_bic(bic)):
            raise UsageError(problem, field="bic", hint="le BIC compte 8 ou 11 caractères")
        with self.store.write() as conn:
            bid = conn.execute(
                insert(bank_accounts).values(
                    structure_id=structure_id,
                    iban=iban,
                    bic=bic,
                    label=label or iban[-4:],
                )
            ).inserted_primary_key[0]
        return BankAccount(bid, structure_id, label or iban[-4:], iban, bic)

    def bank_details(self, session: Session) -> list[BankAccount]:
        """The acting structure's bank details, as the policy allows them to be read."""
        with self.store.read() as conn:
            self.access.require(conn, session, Verb.READ_BANK, session.structure.id)
        return self.bank_accounts(session.structure.id)

    def bank_accounts(self, structure_id: int) -> list[BankAccount]:
        """Every bank account of a structure, unchecked: for the deposit's own defaults."""
        with self.store.read() as conn:
            rows = conn.execute(
                select(bank_accounts).where(bank_accounts.c.structure_id == structure_id)
            )
            return [BankAccount(r.id, r.structure_id, r.label, r.iban, r.bic) for r in rows]

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

    # -- attachments and roles -----------------------------------------------------------------
    def create_structure(
        self,
        user: User,
        *,
        identifier: str,
        name: str,
        identifier_type: str = IdentifierType.SIRET,
        label: str = "",
        address: Address | None = None,
        public: bool = False,
        routing_mode: RoutingMode = RoutingMode.NONE,
    ) -> Structure:
        """Create a structure that does not exist yet: its creator becomes its principal
        manager and the structure gets the works space (seed 002)."""
        with self.store.write() as conn:
            sid = self._insert_structure(
                conn,
                identifier=identifier,
                identifier_type=identifier_type,
                name=name,
                label=label,
                address=address or Address(),
                public=public,
                routing_mode=routing_mode,
            )
            conn.execute(
                insert(memberships).values(
                    user_id=user.id, structure_id=sid, role=str(MemberRole.GP)
                )
            )
            conn.execute(
                insert(attachment_requests).values(
                    user_id=user.id,
                    structure_id=sid,
                    status="ACCEPTEE",
                    created_at=self.clock(),
                    decided_by=user.id,
                    decided_at=self.clock(),
                )
            )
            conn.execute(
                insert(structure_spaces).values(
                    structure_id=sid, space=SPACE_WORKS, mode="MODIFICATION"
                )
            )
        return self.structure(sid)

    def request_attachment(self, user: User, structure_id: int) -> int:
        with self.store.write() as conn:
            if self._membership(conn, user.id, structure_id):
                raise Conflict("Vous êtes déjà rattaché à cette structure", field="structure")
            pending = conn.execute(
                select(attachment_requests.c.id).where(
                    attachment_requests.c.user_id == user.id,
                    attachment_requests.c.structure_id == structure_id,
                    attachment_requests.c.status == "EN_ATTENTE",
                )
            ).scalar()
            if pending:
                raise Conflict(
                    "Une demande de rattachement est déjà en attente",
                    field="structure",
                    hint="attendez la décision du gestionnaire",
                )
            return conn.execute(
                insert(attachment_requests).values(
                    user_id=user.id,
                    structure_id=structure_id,
                    status="EN_ATTENTE",
                    created_at=self.clock(),
                )
            ).inserted_primary_key[0]

    def pending_requests(self, session: Session) -> list[dict[str, object]]:
        self._require_manager(session, session.structure.id)
        a, u = attachment_requests.c, users.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(a.id, u.login, u.last_name, u.first_name, a.created_at)
                .join_from(attachment_requests, users, a.user_id == u.id)
                .where(a.structure_id == session.structure.id, a.status == "EN_ATTENTE")
            )
            return [dict(r._mapping) for r in rows]

    def decide_attachment(
        self, session: Session, request_id: int, accept: bool, role: MemberRole = MemberRole.USER
    ) -> None:
        a = attachment_requests.c
        with self.store.write() as conn:
            req = conn.execute(select(attachment_requests).where(a.id == request_id)).first()
            if req is None:
                raise NotFound(f"Demande de rattachement {request_id} introuvable", field="request")
            self._require_manager(session, req.structure_id, conn=conn)
            if req.status != "EN_ATTENTE":
                raise Conflict("Cette demande a déjà été traitée", field="request")
            if role is MemberRole.GP:
                raise UsageError(
                    "Le rôle de gestionnaire principal se transfère",
                    field="role",
                    hint="utilisez le transfert du rôle GP",
                )
            conn.execute(
                update(attachment_requests)
                .where(a.id == request_id)
                .values(
                    status="ACCEPTEE" if accept else "REFUSEE",
                    decided_by=session.user.id,
                    decided_at=self.clock(),
                )
            )
            if accept:
                conn.execute(
                    insert(memberships).values(
                        user_id=req.user_id, structure_id=req.structure_id, role=str(role)
                    )
                )

    def memberships(self, user_id: int) -> list[Membership]:
        with self.store.read() as conn:
            rows = conn.execute(select(memberships).where(memberships.c.user_id == user_id))
            return [Membership(r.user_id, r.structure_id, MemberRole(r.role)) for r in rows]

    def members(self, structure_id: int) -> list[tuple[User, MemberRole]]:
        m = memberships.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(users, m.role)
                .join_from(users, memberships, m.user_id == users.c.id)
                .where(m.structure_id == structure_id)
            )
            return [(R.user(r), MemberRole(r.role)) for r in rows]

    def set_role(self, session: Session, user_id: int, role: MemberRole) -> None:
        """GP/GS change a member's role; only the GP may hand over the GP role."""
        sid = session.structure.id
        self._require_manager(session, sid)
        if role is MemberRole.GP:
            return self.transfer_gp(session, user_id)
        with self.store.write() as conn:
            current = self._membership(conn, user_id, sid)
            if current is None:
                raise NotFound("Cet utilisateur n'est pas rattaché à la structure", field="user")
            if current is MemberRole.GP:
                raise NotAuthorised(
                    "Le gestionnaire principal ne peut pas être rétrogradé",
                    field="role",
                    hint="transférez d'abord le rôle GP",
                )
            conn.execute(
                update(memberships)
                .where(memberships.c.user_id == user_id, memberships.c.structure_id == sid)
                .values(role=str(role))
            )
        return None

    def transfer_gp(self, session: Session, to_user_id: int) -> None:
        sid = session.structure.id
        with self.store.write() as conn:
            self.access.require(conn, session, Verb.MANAGE_STRUCTURE, sid)
            if self._membership(conn, session.user.id, sid) is not MemberRole.GP:
                raise NotAuthorised(
                    "Seul le gestionnaire principal peut transférer son rôle", field="role"
                )
            if self._membership(conn, to_user_id, sid) is None:
                raise NotFound(
                    "Le destinataire du rôle n'est pas rattaché à la structure", field="user"
                )
            m = memberships.c
            conn.execute(
                update(memberships)
                .where(m.user_id == session.user.id, m.structure_id == sid)
                .values(role=str(MemberRole.GS))
            )
            conn.execute(
                update(memberships)
                .where(m.user_id == to_user_id, m.structure_id == sid)
                .values(role=str(MemberRole.GP))
            )

    # -- spaces -------------------------------------------------------------------------------
    def open_space(self, session: Session, space: str, mode: str = "MODIFICATION") -> None:
        if space not in SPACES:
            raise UsageError(
                f"Espace inconnu : {space}", field="space", hint="espaces : " + ", ".join(SPACES)
            )
        if mode not in SPACE_MODES:
            raise UsageError(
                f"Mode inconnu : {mode}", field="mode", hint="CONSULTATION ou MODIFICATION"
            )
        sid = session.structure.id
        self._require_manager(session, sid)
        with self.store.write() as conn:
            sp = structure_spaces.c
            exists = conn.execute(
                select(sp.mode).where(sp.structure_id == sid, sp.space == space)
            ).first()
            if exists:
                conn.execute(
                    update(structure_spaces)
                    .where(sp.structure_id == sid, sp.space == space)
                    .values(mode=mode)
                )
            else:
                conn.execute(
                    insert(structure_spaces).values(structure_id=sid, space=space, mode=mode)
                )

    def request_space(self, session: Session, space: str = SPACE_WORKS) -> str:
        """A simple user asks to subscribe; managers are subscribed at once."""
        status = "ACCEPTEE" if session.is_manager else "EN_ATTENTE"
        ss = space_subscriptions.c
        with self.store.write() as conn:
            conn.execute(
                space_subscriptions.delete().where(
                    ss.user_id == session.user.id,
                    ss.structure_id == session.structure.id,
                    ss.space == space,
                )
            )
            conn.execute(
                insert(space_subscriptions).values(
                    user_id=session.user.id,
                    structure_id=session.structure.id,
                    space=space,
                    status=status,
                    decided_by=session.user.id if session.is_manager else None,
                )
            )
        return status

    def decide_space(self, session: Session, user_id: int, space: str, accept: bool) -> None:
        self._require_manager(session, session.structure.id)
        ss = space_subscriptions.c
        with self.store.write() as conn:
            done = conn.execute(
                update(space_subscriptions)
                .where(
                    ss.user_id == user_id,
                    ss.structure_id == session.structure.id,
                    ss.space == space,
                    ss.status == "EN_ATTENTE",
                )
                .values(status="ACCEPTEE" if accept else "REFUSEE", decided_by=session.user.id)
            )
            if done.rowcount == 0:
                raise NotFound("Aucune demande d'abonnement en attente", field="space")

    # -- sessions -----------------------------------------------------------------------------
    def open_session(
        self, user: User, structure_identifier: str = "", *, inactive_ok: bool = False
    ) -> Session:
        """Pick the acting structure (by identifier, or the only one the user has).

        An inactive structure opens no session, except with `inactive_ok` (a manager coming
        to reactivate it: the policy still refuses every other verb)."""
        links = self.memberships(user.id)
        if not links:
            raise NotAuthorised(
                f"{user.login} n'est rattaché à aucune structure",
                field="structure",
                hint="demandez un rattachement",
            )
        if structure_identifier:
            target = self.structure_by_identifier(structure_identifier)
            chosen = next((m for m in links if m.structure_id == target.id), None)
            if chosen is None:
                raise NotAuthorised(
                    f"{user.login} n'est pas rattaché à {target.name}",
                    field="structure",
                    hint="choisissez une structure de vos rattachements",
                )
        elif len(links) == 1:
            chosen = links[0]
        else:
            raise UsageError(
                "Plusieurs structures possibles",
                field="structure",
                hint="précisez la structure avec --for IDENTIFIANT",
            )
        structure = self.structure(chosen.structure_id)
        if not structure.active and not inactive_ok:
            raise NotAuthorised(
                f"La structure {structure.name} est inactive",
                field="structure",
                hint="un gestionnaire doit la réactiver",
            )
        return Session(user, structure, chosen.role)

    def _membership(self, conn: Connection, user_id: int, structure_id: int) -> MemberRole | None:
        role = conn.execute(
            select(memberships.c.role).where(
                memberships.c.user_id == user_id, memberships.c.structure_id == structure_id
            )
        ).scalar()
        return MemberRole(role) if role else None

    def _require_manager(
        self, session: Session, structure_id: int, conn: Connection | None = None
    ) -> None:
        if conn is None:
            with self.store.read() as own:
                self.access.require(own, session, Verb.MANAGE_STRUCTURE, structure_id)
        else:
            self.access.require(conn, session, Verb.MANAGE_STRUCTURE, structure_id)


def _raise_if_locked(locked_until: datetime | None, now: datetime) -> None:
    if locked_until and locked_until > now:
        raise NotAuthorised(
            "Compte verrouillé après trop d'échecs",
            field="password",
            hint=f"réessayez après {locked_until:%H:%M}",
        )
