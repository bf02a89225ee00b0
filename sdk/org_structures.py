"""Structures and what they own: the fiche structure, the portal's structure search, the
active flag and routing mode, services, bank details. Part of `Organisation` (org.py)."""

from __future__ import annotations

import re

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .access import Verb
from .errors import Conflict, NotFound, UsageError
from .field_limits import LIMITS, check_choice, check_field
from .identifiers import check_bic, check_iban, check_siret, compact
from .model import Address, BankAccount, IdentifierType, RoutingMode, Service, Structure
from .org_base import OrgBase
from .session import Session
from .store import rows as R
from .store.schema import bank_accounts, services, structures
from .text_safety import printable, refuse_unsafe
from .textkeys import key, like_pattern, literal_prefix
from .vocabulary import IDENTIFIER_TYPE_LABELS, ROUTING_MODE_LABELS

#: The most structures one search returns.
MAX_SEARCH = 1000
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)


def _text(field: str, value: str, limit_key: str, label: str, *, required: bool = False) -> str:
    """A one-line text of the fiche structure, its surrounding spaces removed, or a named
    usage error; its search key (upper case, ligatures unfolded) must fit the same width."""
    value = check_field(
        field, value, limit_key=limit_key, label=label, strip=True, required=required
    )
    limit = LIMITS[limit_key]
    if len(key(value)) > limit:
        raise UsageError(
            f"{label} : trop long une fois mis en majuscules ({len(key(value))} caractères "
            f"pour {limit} au plus)",
            field=field,
            hint=f"raccourcissez à {limit} caractères",
        )
    return value


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
        identifier_type = check_choice(
            "type",
            identifier_type,
            IdentifierType,
            labels=IDENTIFIER_TYPE_LABELS,
            label="Type d'identifiant",
        )
        routing_mode = check_choice(
            "routing",
            routing_mode,
            RoutingMode,
            labels=ROUTING_MODE_LABELS,
            label="Mode d'acheminement",
        )
        identifier = check_field(
            "identifier", identifier, label="Identifiant", strip=True, required=True
        )
        if identifier_type is IdentifierType.SIRET:
            identifier = compact(identifier)
            problem = check_siret(identifier)
            if problem:
                raise UsageError(
                    problem,
                    field="identifier",
                    hint="saisissez les 14 chiffres du SIRET de la structure",
                )
        name = _text("name", name, "name", "Raison sociale", required=True)
        label = _text("label", label, "label", "Libellé") or name
        line1 = _text("address", address.line1, "line1", "Adresse")
        postcode = _text("postcode", address.postcode, "postcode", "Code postal")
        city = _text("city", address.city, "city", "Ville")
        country = check_field("country", address.country, label="Pays", strip=True).upper()
        if not _COUNTRY.fullmatch(country):
            raise UsageError(
                f"Pays : code ISO à 2 lettres attendu, « {printable(country)} » reçu",
                field="country",
                hint="saisissez par exemple FR",
            )
        try:
            return conn.execute(
                insert(structures).values(
                    identifier=identifier,
                    identifier_type=str(identifier_type),
                    name=name,
                    name_key=key(name),
                    label=label,
                    line1=line1,
                    postcode=postcode,
                    city=city,
                    city_key=key(city),
                    country=country,
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
        ident = refuse_unsafe("identifier", identifier).strip().replace(" ", "")
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
        if not 1 <= limit <= MAX_SEARCH:
            raise UsageError(
                f"Nombre de résultats hors limites : {limit}",
                field="limit",
                hint=f"de 1 à {MAX_SEARCH}",
            )
        for field, value in (
            ("identifier", identifier),
            ("name", name),
            ("label", label),
            ("postcode", postcode),
            ("city", city),
            ("type", identifier_type),
        ):
            refuse_unsafe(field, value)
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
        mode = check_choice(
            "routing", mode, RoutingMode, labels=ROUTING_MODE_LABELS, label="Mode d'acheminement"
        )
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
        code = check_field(
            "code",
            code,
            limit_key="service_code",
            label="Code du service",
            strip=True,
            required=True,
        ).upper()
        label = _text("label", label, "service_label", "Libellé du service")
        self._require_manager(session, structure_id)
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
        # Unsafe characters are refused before `compact` drops separators (and with them
        # control characters that count as white space).
        iban = check_field(
            "iban", compact(refuse_unsafe("iban", iban)), label="IBAN", required=True
        )
        bic = check_field("bic", compact(refuse_unsafe("bic", bic)), label="BIC")
        label = _text("label", label, "bank_label", "Libellé du compte")
        self._require_manager(session, structure_id)
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
