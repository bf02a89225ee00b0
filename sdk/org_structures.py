"""Structures and what they own: the fiche structure, the portal's structure search, the
active flag and routing mode, services, bank details. Part of `Organisation` (org.py)."""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .access import Verb
from .errors import Conflict, NotFound, UsageError
from .identifiers import check_bic, check_iban, check_siret, compact
from .model import Address, BankAccount, IdentifierType, RoutingMode, Service, Structure
from .org_base import OrgBase
from .session import Session
from .store import rows as R
from .store.schema import bank_accounts, services, structures
from .textkeys import key, like_pattern, literal_prefix


class Structures(OrgBase):
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
