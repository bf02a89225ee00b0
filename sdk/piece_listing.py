"""The piece lists: Synthèse (what waits for the structure), Rechercher (the portal's
search by role and criteria) and the Liste fiscale, one page of rows at a time. Part of
`Queries` (queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from . import states as S
from .access import Verb
from .deadlines import Deadline, TacitCountdown, action_deadline, add_days
from .errors import UsageError
from .late_payment import PiecePayment, piece_payment
from .model import ActorRole
from .read_scope import ReadScope
from .session import Session
from .store import rows as R
from .store.schema import dossiers, marches, pieces, structures
from .tacit import waiting_countdown
from .textkeys import like_pattern, literal_prefix

P = pieces.c
SUPPLIER = structures.alias("supplier")
RECIPIENT = structures.alias("recipient")
MOE = structures.alias("moe")
MOA = structures.alias("moa")


@dataclass(frozen=True, slots=True)
class PieceRow:
    """One line of the Synthèse / Rechercher tables."""

    id: int
    number: str
    cadre: str
    marche_number: str
    dossier_number: str
    total_ht: Any
    recipient: str
    supplier: str
    moe: str
    moa: str
    deposited_at: datetime
    state: str
    state_label: str
    state_date: date
    engagement: str
    holder_role: str
    downloaded: bool
    version: int
    deadline: Deadline | None
    tacit: TacitCountdown | None = None  # the owner side is silent: tacit procedure's window
    payment: PiecePayment | None = None  # the payment deadline it carries, if any

    @property
    def days_left(self) -> int | None:
        return self.deadline.days_left if self.deadline else None


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[PieceRow]
    total: int
    offset: int
    limit: int


SORTS: dict[str, Any] = {
    "number": P.number,
    "marche": marches.c.number,
    "total_ht": P.total_ht,
    "recipient": RECIPIENT.c.name,
    "supplier": SUPPLIER.c.name,
    "moe": MOE.c.name,
    "moa": MOA.c.name,
    "deposited_at": P.deposited_at,
    "state": P.state,
    "state_date": P.state_date,
    "engagement": P.engagement,
    "days_left": P.holder_since,
}


@dataclass
class SyntheseFilter:
    structure_ids: Sequence[int] | None = None  # None: the acting structure
    hide_refused_older: bool = True
    hide_downloaded: bool = False
    sort: str = "state_date"
    descending: bool = True
    offset: int = 0
    limit: int = 50


@dataclass
class SearchCriteria:
    role: str = ActorRole.FOURNISSEUR
    structure_ids: Sequence[int] | None = None  # None: every structure of the user
    document: str = ""
    recipient: str = ""
    cadre: str = ""
    service_code: str = ""
    issued_from: date | None = None
    issued_to: date | None = None
    state: str = ""
    dossier_number: str = ""
    siren: str = ""
    number: str = ""
    marche_number: str = ""
    sort: str = "deposited_at"
    descending: bool = True
    offset: int = 0
    limit: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


#: The joins the sort column needs, for the query that picks a page's piece ids.
SORT_JOINS: dict[str, tuple[Any, Any]] = {
    "marche": (marches, marches.c.id == P.marche_id),
    "recipient": (RECIPIENT, RECIPIENT.c.id == P.recipient_structure_id),
    "supplier": (SUPPLIER, SUPPLIER.c.id == P.supplier_structure_id),
    "moe": (MOE, MOE.c.id == P.moe_structure_id),
    "moa": (MOA, MOA.c.id == P.moa_structure_id),
}

ROLE_COLUMNS = {
    ActorRole.FOURNISSEUR: P.supplier_structure_id,
    ActorRole.COTRAITANT: P.supplier_structure_id,
    ActorRole.SOUSTRAITANT: P.supplier_structure_id,
    ActorRole.MOE: P.moe_structure_id,
    ActorRole.MOA: P.moa_structure_id,
    ActorRole.SERVICE_FINANCIER: P.next_structure_id,
}


class PieceListing(ReadScope):
    # -- Synthèse -----------------------------------------------------------------------------
    def synthese(self, session: Session, flt: SyntheseFilter | None = None) -> Page:
        """Pieces waiting for the structure(s): to process, suspended or refused."""
        flt = flt or SyntheseFilter()
        today = self.clock().date()
        where: list[ColumnElement[bool]] = [
            P.holder_structure_id.in_(self._scope(session, flt.structure_ids))
        ]
        if flt.hide_refused_older:
            limit = add_days(today, -self.config.deadlines.refused_hidden_after_days)
            where.append(or_(P.state.not_in(S.refused_codes()), P.state_date >= limit))
        if flt.hide_downloaded:
            where.append(P.downloaded.is_(False))
        return self._page(where, flt.sort, flt.descending, flt.offset, flt.limit)

    # -- Rechercher ---------------------------------------------------------------------------
    def search(self, session: Session, criteria: SearchCriteria) -> Page:
        c = criteria
        try:
            role = ActorRole(str(c.role).upper())
        except ValueError:
            raise UsageError(
                f"Rôle inconnu : {c.role}", field="role", hint="FOURNISSEUR, MOE ou MOA"
            ) from None
        scope = (
            self.my_structures(session)
            if c.structure_ids is None
            else self._scope(session, c.structure_ids)
        )
        role_column: ColumnElement[Any] = ROLE_COLUMNS[role]
        if _selective(c):
            # A filter that matches few pieces must drive the query; without this the planner
            # may walk the role index instead, i.e. every piece of a busy structure. `+ 0`
            # keeps the role term out of index selection on any backend.
            role_column = role_column + 0
        where: list[ColumnElement[bool]] = [role_column.in_(scope)]
        if c.document:
            codes = [x.code for x in self.cadres if x.document.lower() == c.document.lower()]
            where.append(P.cadre.in_(codes))
        if c.cadre:
            cadre = self.cadres.get(c.cadre)
            if cadre is None:
                raise UsageError(
                    f"Cadre inconnu : {c.cadre}",
                    field="cadre",
                    hint="exemple : A4 ou A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
                )
            where.append(P.cadre == cadre.code)
        if c.recipient:
            where.append(P.recipient_structure_id.in_(_structure_ids_like(c.recipient)))
        if c.siren:
            where.append(P.supplier_structure_id.in_(_structure_ids_like(c.siren)))
        if c.service_code:
            where.append(P.service_code == c.service_code.upper())
        if c.issued_from:
            where.append(P.issue_date >= c.issued_from)
        if c.issued_to:
            where.append(P.issue_date <= c.issued_to)
        if c.issued_from and c.issued_to and c.issued_from > c.issued_to:
            raise UsageError(
                "La période est inversée",
                field="issued_from",
                hint="la date de début doit précéder la date de fin",
            )
        if c.state:
            if c.state not in S.STATES:
                raise UsageError(
                    f"État inconnu : {c.state}",
                    field="state",
                    hint="voir `decompte states` pour la liste",
                )
            where.append(P.state == c.state)
        if c.dossier_number:
            where.append(
                P.dossier_id.in_(select(dossiers.c.id).where(dossiers.c.number == c.dossier_number))
            )
        if c.number:
            where.append(P.number == c.number)
        if c.marche_number:
            where.append(
                P.marche_id.in_(select(marches.c.id).where(marches.c.number == c.marche_number))
            )
        return self._page(where, c.sort, c.descending, c.offset, c.limit)

    def _page(
        self, where: list[ColumnElement[bool]], sort: str, descending: bool, offset: int, limit: int
    ) -> Page:
        if sort not in SORTS:
            raise UsageError(
                f"Tri inconnu : {sort}", field="sort", hint="colonnes : " + ", ".join(SORTS)
            )
        if limit < 1 or limit > 1000 or offset < 0:
            raise UsageError(
                "Pagination invalide", field="limit", hint="entre 1 et 1000 lignes par page"
            )
        order = SORTS[sort].desc() if descending else SORTS[sort].asc()
        # Two steps: the page's ids first, with only the join the sort column needs (an index
        # scan for the default sorts), then the six joins of the list for those rows only.
        # Joining every matching row before the sort and the offset made deep pages and
        # other sorts cost one lookup per joined table and per skipped row.
        keys = select(P.id).select_from(pieces)
        if sort in SORT_JOINS:
            keys = keys.outerjoin(*SORT_JOINS[sort])
        keys = (
            keys.where(and_(*where))
            .order_by(order, P.id.desc())
            .offset(offset)
            .limit(limit)
            .correlate(None)
        )
        query = _list_select().where(P.id.in_(keys)).order_by(order, P.id.desc())
        count = select(func.count()).select_from(pieces).where(and_(*where))
        today = self.clock().date()
        with self.store.read() as conn:
            rows = R.readable(
                conn.execute(query).all(), lambda r: self._row(r, today, conn), "Pièce"
            )
            total = conn.execute(count).scalar_one()
        return Page(rows, total, offset, limit)

    def _row(self, r: Any, today: date, conn: Connection) -> PieceRow:
        return PieceRow(
            id=r.id,
            number=r.number,
            cadre=r.cadre,
            marche_number=r.marche_number,
            dossier_number=r.dossier_number,
            total_ht=R.from_cents(r.total_ht),
            recipient=r.recipient_name or "",
            supplier=r.supplier_name or "",
            moe=r.moe_name or "",
            moa=r.moa_name or "",
            deposited_at=R.required(r.deposited_at, "deposited_at"),
            state=r.state,
            state_label=S.label(r.state),
            state_date=R.required(r.state_date, "state_date"),
            engagement=r.engagement,
            holder_role=r.holder_role,
            downloaded=bool(r.downloaded),
            version=r.version,
            deadline=action_deadline(
                r.state, r.holder_role, r.holder_since, today, self.config.deadlines
            ),
            tacit=waiting_countdown(conn, r, self.cadres, self.config.deadlines, today),
            payment=piece_payment(
                r.state,
                r.state_date,
                R.from_cents(r.amount_due),
                r.moe_available_on,
                today,
                self.config.deadlines,
                self.config.late_payment,
            ),
        )

    # -- Liste fiscale -------------------------------------------------------------------------
    def fiscal_list(
        self, session: Session, start: date, end: date, *, offset: int = 0, limit: int = 200
    ) -> Page:
        """Pieces deposited by the acting structure between two dates (inclusive)."""
        self._require(session, Verb.LIST_PIECES)
        where = [
            P.depositor_structure_id == session.structure.id,
            P.deposited_at >= datetime.combine(start, datetime.min.time()),
            P.deposited_at < datetime.combine(add_days(end, 1), datetime.min.time()),
        ]
        return self._page(where, "deposited_at", False, offset, limit)


def _list_select() -> Select[Any]:
    return (
        select(
            P.id,
            P.number,
            P.cadre,
            P.total_ht,
            P.deposited_at,
            P.state,
            P.state_date,
            P.engagement,
            P.holder_role,
            P.holder_since,
            P.previous_id,
            P.downloaded,
            P.version,
            P.amount_due,
            marches.c.number.label("marche_number"),
            dossiers.c.number.label("dossier_number"),
            dossiers.c.moe_available_on,
            SUPPLIER.c.name.label("supplier_name"),
            RECIPIENT.c.name.label("recipient_name"),
            MOE.c.name.label("moe_name"),
            MOA.c.name.label("moa_name"),
        )
        .select_from(pieces)
        .join(marches, marches.c.id == P.marche_id)
        .join(dossiers, dossiers.c.id == P.dossier_id)
        .join(SUPPLIER, SUPPLIER.c.id == P.supplier_structure_id)
        .outerjoin(RECIPIENT, RECIPIENT.c.id == P.recipient_structure_id)
        .outerjoin(MOE, MOE.c.id == P.moe_structure_id)
        .outerjoin(MOA, MOA.c.id == P.moa_structure_id)
    )


def _selective(c: SearchCriteria) -> bool:
    """Whether a criterion matches few pieces whatever the role: a dossier, a piece or marché
    number, a SIREN/SIRET of at least 4 leading digits."""
    if c.dossier_number or c.number or c.marche_number:
        return True
    value = c.siren.strip().replace(" ", "")
    return value.replace("*", "").isdigit() and len(literal_prefix(value.replace("*", "%"))) >= 4


def _structure_ids_like(text: str) -> Select[Any]:
    """Structures whose identifier starts with, or whose name matches, `text` (`*` wildcard)."""
    value = text.strip().replace(" ", "")
    s = structures.c
    if value.replace("*", "").isdigit():
        pattern = value.replace("*", "%") + ("" if "*" in value else "%")
        prefix = literal_prefix(pattern)
        return select(s.id).where(
            s.identifier >= prefix, s.identifier < prefix + "\uffff", s.identifier.like(pattern)
        )
    pattern = like_pattern(text)
    prefix = literal_prefix(pattern)
    cond: list[ColumnElement[bool]] = [s.name_key.like(pattern, escape="\\")]
    if prefix:
        cond += [s.name_key >= prefix, s.name_key < prefix + "\uffff"]
    return select(s.id).where(*cond)
