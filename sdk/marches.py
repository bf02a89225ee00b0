"""Contract register: marchés, their actors, EJ numbers; the "fiche identité du marché".

What a user declares or reads here asks the access policy (`access.Access`): the identity
card is read by the structures on it (actors and validators, which include the structure that
declared it, since a marché is declared by one of its actors), with the works space open.
`by_number`, `by_id` and `identity` are the engine's own unchecked lookups (routing, forms).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from .access import Access, Verb, unseen_marche
from .cadres import CadreTable
from .errors import Conflict, NotAuthorised, NotFound, UsageError
from .field_limits import check_choice, check_field
from .model import ActorRole, Marche, MarcheActor, Structure
from .session import Session
from .store import Store
from .store import rows as R
from .store.schema import marche_actors, marche_engagements, marches, structures
from .text_safety import refuse_unsafe
from .vocabulary import ROLE_LABELS


@dataclass(frozen=True, slots=True)
class IdentityLine:
    """One line of the fiche identité: who deposits which cadres, with which identifiers."""

    role: ActorRole
    structure: Structure
    service_code: str
    cadres: tuple[str, ...]
    validator: Structure | None


class Register:
    def __init__(self, store: Store, cadres: CadreTable, access: Access) -> None:
        self.store = store
        self.cadres = cadres
        self.access = access

    def create(
        self,
        session: Session,
        number: str,
        object_: str,
        actors: Iterable[MarcheActor],
        engagements: Iterable[str] = (),
    ) -> Marche:
        number = check_field(
            "number",
            number,
            limit_key="marche_number",
            label="Numéro de marché",
            strip=True,
            required=True,
        )
        object_ = check_field(
            "object", object_, limit_key="marche_object", label="Objet du marché", strip=True
        )
        actors = [_clean_actor(a) for a in actors]
        engagements = _clean_engagements(engagements)
        _check_actors(actors)
        with self.store.read() as conn:
            self.access.require(conn, session, Verb.DECLARE_MARCHE)
        if session.structure.id not in {a.structure_id for a in actors}:
            raise NotAuthorised(
                "Votre structure doit être un acteur du marché",
                field="structure",
                hint="le marché est déclaré par la MOA, la MOE ou le titulaire",
            )
        titulaire = next(a for a in actors if a.role is ActorRole.FOURNISSEUR)
        try:
            with self.store.write() as conn:
                mid = conn.execute(
                    insert(marches).values(number=number, object=object_)
                ).inserted_primary_key[0]
                for actor in actors:
                    validator = actor.validator_structure_id
                    if (
                        actor.role in (ActorRole.SOUSTRAITANT, ActorRole.COTRAITANT)
                        and not validator
                    ):
                        validator = titulaire.structure_id
                    conn.execute(
                        insert(marche_actors).values(
                            marche_id=mid,
                            structure_id=actor.structure_id,
                            role=str(actor.role),
                            service_code=actor.service_code,
                            direct_payment=actor.direct_payment,
                            validator_structure_id=validator,
                        )
                    )
                for ej in engagements:
                    conn.execute(insert(marche_engagements).values(marche_id=mid, number=ej))
        except IntegrityError:
            raise Conflict(f"Le marché {number} existe déjà", field="number") from None
        return self.by_number(number)

    def by_number(self, number: str) -> Marche:
        refuse_unsafe("marche", number)
        with self.store.read() as conn:
            mid = conn.execute(
                select(marches.c.id).where(marches.c.number == number.strip())
            ).scalar()
            if mid is None:
                raise unseen_marche(number)
            return load(conn, mid)

    def card(self, session: Session, number: str) -> tuple[Marche, list[IdentityLine]]:
        """The fiche identité of a marché the session's structure is on (else not found)."""
        with self.store.read() as conn:
            self.access.require(conn, session, Verb.READ_MARCHE)
        marche = self.by_number(number)
        with self.store.read() as conn:
            self.access.require_target(conn, session, Verb.READ_MARCHE, marche)
        return marche, self.identity(marche)

    def mine(self, session: Session) -> list[Marche]:
        """The marchés the session's structure is an actor of."""
        with self.store.read() as conn:
            self.access.require(conn, session, Verb.LIST_MARCHES)
        return self.for_structure(session.structure.id)

    def by_id(self, marche_id: int) -> Marche:
        with self.store.read() as conn:
            return load(conn, marche_id)

    def for_structure(self, structure_id: int) -> list[Marche]:
        with self.store.read() as conn:
            ids = conn.execute(
                select(marche_actors.c.marche_id)
                .distinct()
                .where(marche_actors.c.structure_id == structure_id)
            ).scalars()
            return sorted((load(conn, i) for i in list(ids)), key=lambda m: m.number)

    def roles_of(self, structure_id: int) -> set[ActorRole]:
        """The roles a structure holds on any marché (one query, no marché loaded)."""
        a = marche_actors.c
        with self.store.read() as conn:
            rows = conn.execute(select(a.role).distinct().where(a.structure_id == structure_id))
            known = {m.value for m in ActorRole}
            return {ActorRole(r) for r in rows.scalars() if r in known}

    def choices_for(
        self, structure_id: int, *, role: str = "", limit: int = 500
    ) -> list[tuple[str, str]]:
        """(number, object) of the marchés where the structure acts (in `role`), newest
        number first: a pick list that loads no marché."""
        a, m = marche_actors.c, marches.c
        query = (
            select(m.number, m.object)
            .join_from(marches, marche_actors, a.marche_id == m.id)
            .where(a.structure_id == structure_id)
            .distinct()
            .order_by(m.number.desc())
            .limit(limit)
        )
        if role:
            query = query.where(a.role == role)
        with self.store.read() as conn:
            return [(r.number, r.object) for r in conn.execute(query)]

    def identity(self, marche: Marche) -> list[IdentityLine]:
        with self.store.read() as conn:
            by_id = {
                r.id: R.structure(r)
                for r in conn.execute(
                    select(structures).where(
                        structures.c.id.in_(
                            {a.structure_id for a in marche.actors}
                            | {
                                a.validator_structure_id
                                for a in marche.actors
                                if a.validator_structure_id
                            }
                        )
                    )
                )
            }
        lines = []
        for actor in marche.actors:
            cadres = tuple(c.short for c in self.cadres if c.depositor is actor.role)
            validator = (
                by_id.get(actor.validator_structure_id) if actor.validator_structure_id else None
            )
            lines.append(
                IdentityLine(
                    actor.role, by_id[actor.structure_id], actor.service_code, cadres, validator
                )
            )
        return lines


def load(conn: Connection, marche_id: int) -> Marche:
    row = conn.execute(select(marches).where(marches.c.id == marche_id)).first()
    if row is None:
        raise NotFound(f"Marché {marche_id} introuvable", field="marche")
    a = marche_actors.c
    actors = tuple(
        R.readable(
            conn.execute(select(marche_actors).where(a.marche_id == marche_id).order_by(a.id)),
            lambda r: MarcheActor(
                r.structure_id,
                ActorRole(r.role),
                r.service_code,
                bool(r.direct_payment),
                r.validator_structure_id,
            ),
            "Acteur de marché",
        )
    )
    ejs = tuple(
        conn.execute(
            select(marche_engagements.c.number).where(marche_engagements.c.marche_id == marche_id)
        ).scalars()
    )
    return Marche(row.id, row.number, row.object, actors, ejs)


def _clean_actor(actor: MarcheActor) -> MarcheActor:
    """The actor with a known role and a storable service code, or a named usage error."""
    role = check_choice("actors", actor.role, ActorRole, labels=ROLE_LABELS, label="Rôle")
    service = check_field(
        "moa-service",
        actor.service_code,
        limit_key="service_code",
        label="Code service de l'acteur",
        strip=True,
    )
    return dataclasses.replace(actor, role=role, service_code=service)


def _clean_engagements(engagements: Iterable[str]) -> list[str]:
    """The marché's EJ numbers, stripped, each once, or a named usage error."""
    cleaned: list[str] = []
    for ej in engagements:
        value = check_field(
            "ej",
            ej,
            limit_key="engagement",
            label="Numéro d'engagement",
            strip=True,
            required=True,
        )
        if value in cleaned:
            raise UsageError(
                f"Numéro d'engagement en double : {value}",
                field="ej",
                hint="indiquez chaque engagement une seule fois",
            )
        cleaned.append(value)
    return cleaned


def _check_actors(actors: list[MarcheActor]) -> None:
    def count(role: ActorRole) -> int:
        return sum(1 for a in actors if a.role is role)

    for role, label in (
        (ActorRole.MOA, "maîtrise d'ouvrage"),
        (ActorRole.FOURNISSEUR, "titulaire (ou mandataire)"),
    ):
        if count(role) != 1:
            raise UsageError(
                f"Le marché doit avoir exactement une {label}"
                if role is ActorRole.MOA
                else f"Le marché doit avoir un seul {label}",
                field="actors",
                hint=f"indiquez la structure {label}",
            )
    if count(ActorRole.MOE) > 1 or count(ActorRole.SERVICE_FINANCIER) > 1:
        raise UsageError("Une seule MOE et un seul service financier par marché", field="actors")
    for actor in actors:
        if actor.role is ActorRole.SOUSTRAITANT and not actor.direct_payment:
            raise UsageError(
                "Seul un sous-traitant admis au paiement direct dépose ses pièces",
                field="actors",
                hint="cochez le paiement direct du sous-traitant",
            )
