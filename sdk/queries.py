"""Read side: Synthèse, Rechercher, piece history, dossier chain, stock, fiscal list, archives.

Every query asks the access policy (`access.Access`) first: the works space in consultation
mode at least, an active structure, an unlocked account; then it is scoped to what the
session's structures may see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from . import states as S
from .access import Verb, visible
from .cadres import CadreTable
from .config import Config
from .deadlines import Deadline, action_deadline, payment_deadline
from .documents import CertificateData
from .errors import NotFound, UsageError
from .model import ActorRole, Event, Piece
from .org import Organisation
from .piece_rows import load_piece
from .session import Session
from .store import Store
from .store import rows as R
from .store.schema import (
    attachments,
    dossiers,
    events,
    files,
    marches,
    pieces,
    structures,
    users,
)
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


class Queries:
    def __init__(
        self,
        store: Store,
        org: Organisation,
        cadres: CadreTable,
        config: Config,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.org = org
        self.cadres = cadres
        self.config = config
        self.clock = clock

    def my_structures(self, session: Session) -> list[int]:
        """The user's structures whose pieces the policy lets the session list (the acting
        one first; one without the works space, or inactive, is left out)."""
        with self.store.read() as conn:
            return self.org.access.usable_structures(conn, session, Verb.LIST_PIECES)

    def _scope(self, session: Session, ids: Sequence[int] | None) -> list[int]:
        with self.store.read() as conn:
            return self.org.access.scope(conn, session, Verb.LIST_PIECES, ids)

    def _require(self, session: Session, verb: Verb) -> None:
        with self.store.read() as conn:
            self.org.access.require(conn, session, verb)

    # -- Synthèse -----------------------------------------------------------------------------
    def synthese(self, session: Session, flt: SyntheseFilter | None = None) -> Page:
        """Pieces waiting for the structure(s): to process, suspended or refused."""
        flt = flt or SyntheseFilter()
        today = self.clock().date()
        where: list[ColumnElement[bool]] = [
            P.holder_structure_id.in_(self._scope(session, flt.structure_ids))
        ]
        if flt.hide_refused_older:
            limit = today - timedelta(days=self.config.deadlines.refused_hidden_after_days)
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
            rows = [self._row(r, today) for r in conn.execute(query)]
            total = conn.execute(count).scalar_one()
        return Page(rows, total, offset, limit)

    def _row(self, r: Any, today: date) -> PieceRow:
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
            deposited_at=r.deposited_at,
            state=r.state,
            state_label=S.label(r.state),
            state_date=r.state_date,
            engagement=r.engagement,
            holder_role=r.holder_role,
            downloaded=bool(r.downloaded),
            version=r.version,
            deadline=action_deadline(
                r.state, r.holder_role, r.holder_since, today, self.config.deadlines
            ),
        )

    # -- one piece, its history, its dossier ------------------------------------------------------
    def piece(self, session: Session, piece_id: int) -> Piece:
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_PIECE)
            row = conn.execute(select(pieces).where(P.id == piece_id)).first()
            if row is None:
                raise NotFound(
                    f"Pièce {piece_id} introuvable",
                    field="piece",
                    hint="vérifiez le numéro ou la structure pour laquelle vous agissez",
                )
            self.org.access.require_target(conn, session, Verb.READ_PIECE, row)
            return load_piece(conn, row.id)

    def attachments(self, session: Session, piece_id: int) -> list[dict[str, Any]]:
        """Name, type, designation and size of a visible piece's attachments."""
        self.piece(session, piece_id)
        a = attachments.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(a.name, a.kind, a.designation, a.size)
                .where(a.piece_id == piece_id)
                .order_by(a.id)
            )
            return [dict(r._mapping) for r in rows]

    def find_piece(self, session: Session, number: str) -> Piece:
        """A piece by its number, among those the acting structure may see."""
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_PIECE)
            rows = conn.execute(select(pieces).where(P.number == number.strip())).all()
            mine = [r for r in rows if visible(conn, session.structure.id, r)]
            if not mine:
                raise NotFound(f"Pièce n° {number} introuvable", field="piece")
            return load_piece(conn, mine[-1].id)

    def history(self, session: Session, piece_id: int) -> list[Event]:
        self.piece(session, piece_id)
        e = events.c
        with self.store.read() as conn:
            return [
                Event(
                    r.id,
                    r.piece_id,
                    r.dossier_id,
                    r.at,
                    r.user_id,
                    r.user_login,
                    r.structure_id,
                    r.acting_role,
                    r.action,
                    r.from_state,
                    r.to_state,
                    r.reason,
                )
                for r in conn.execute(select(events).where(e.piece_id == piece_id).order_by(e.id))
            ]

    def dossier(self, session: Session, dossier_id: int) -> dict[str, Any]:
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_DOSSIER)
            d = conn.execute(select(dossiers).where(dossiers.c.id == dossier_id)).first()
            chain = conn.execute(
                select(pieces).where(P.dossier_id == dossier_id).order_by(P.id)
            ).all()
            if d is None:
                raise NotFound(f"Dossier {dossier_id} introuvable", field="dossier")
            self.org.access.require_target(conn, session, Verb.READ_DOSSIER, chain)
            marche = conn.execute(
                select(marches.c.number).where(marches.c.id == d.marche_id)
            ).scalar()
            items = [load_piece(conn, r.id) for r in chain]
        today = self.clock().date()
        return {
            "id": d.id,
            "number": d.number,
            "marche_number": marche,
            "phase": d.phase,
            "status": d.status,
            "created_at": d.created_at,
            "closed_at": d.closed_at,
            "payment_deadline": payment_deadline(d.moe_available_on, today, self.config.deadlines),
            "pieces": items,
        }

    def dossier_by_number(self, session: Session, number: str) -> dict[str, Any]:
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_DOSSIER)
            ids = list(
                conn.execute(
                    select(dossiers.c.id).where(dossiers.c.number == number.strip())
                ).scalars()
            )
        for dossier_id in ids:
            try:
                return self.dossier(session, dossier_id)
            except NotFound:
                continue
        raise NotFound(f"Dossier de facturation n° {number} introuvable", field="dossier")

    def certificate(self, session: Session, piece_id: int) -> CertificateData:
        """What the deposit certificate of a piece states (visible pieces only)."""
        piece = self.piece(session, piece_id)
        cadre = self.cadres.get(piece.cadre)
        with self.store.read() as conn:
            names = {
                r.id: f"{r.identifier} - {r.name}"
                for r in conn.execute(
                    select(structures.c.id, structures.c.identifier, structures.c.name).where(
                        structures.c.id.in_(
                            {
                                piece.depositor_structure_id,
                                piece.supplier_structure_id,
                                piece.recipient_structure_id,
                            }
                        )
                    )
                )
            }
            depositor = conn.execute(
                select(users.c.first_name, users.c.last_name).where(
                    users.c.id == piece.depositor_user_id
                )
            ).first()
            size = conn.execute(
                select(files.c.size).where(files.c.sha256 == piece.file_sha256)
            ).scalar()
        return CertificateData(
            number=piece.certificate,
            deposited_at=piece.deposited_at,
            depositor=f"{depositor.first_name} {depositor.last_name}" if depositor else "",
            depositor_structure=names.get(piece.depositor_structure_id, ""),
            cadre_code=cadre.short if cadre else piece.cadre,
            cadre_label=cadre.label if cadre else piece.cadre,
            piece_type=(cadre.document if cadre else ""),
            piece_number=piece.number,
            dossier_number=piece.dossier_number,
            marche_number=piece.marche_number,
            supplier=names.get(piece.supplier_structure_id, ""),
            recipient=names.get(piece.recipient_structure_id or 0, ""),
            total_ht=piece.total_ht,
            total_vat=piece.total_vat,
            total_ttc=piece.total_ttc,
            currency=piece.currency,
            file_name=piece.file_name,
            file_sha256=piece.file_sha256,
            file_format=piece.file_format,
            file_size=size,
        )

    def deadline(self, piece: Piece) -> Deadline | None:
        return action_deadline(
            piece.state,
            piece.holder_role,
            piece.holder_since,
            self.clock().date(),
            self.config.deadlines,
        )

    # -- Tableau de bord, Liste fiscale, Archives ---------------------------------------------
    def stock(self, session: Session, structure_ids: Sequence[int] | None = None) -> dict[str, Any]:
        """Counts of held pieces by state and by age band, with the overdue count."""
        scope = self._scope(session, structure_ids)
        today = self.clock().date()
        bands = {"0-7 j": 0, "8-15 j": 0, "16-30 j": 0, "> 30 j": 0}
        by_state: dict[str, int] = {}
        overdue = 0
        query = (
            select(P.state, P.holder_role, P.holder_since, func.count())
            .where(P.holder_structure_id.in_(scope))
            .group_by(P.state, P.holder_role, P.holder_since)
        )
        with self.store.read() as conn:
            for state_code, role, since, n in conn.execute(query):
                by_state[state_code] = by_state.get(state_code, 0) + n
                age = (today - since).days if since else 0
                band = (
                    "0-7 j"
                    if age <= 7
                    else "8-15 j"
                    if age <= 15
                    else ("16-30 j" if age <= 30 else "> 30 j")
                )
                bands[band] += n
                deadline = action_deadline(state_code, role, since, today, self.config.deadlines)
                if deadline and deadline.overdue:
                    overdue += n
        return {
            "by_state": dict(sorted(by_state.items(), key=lambda kv: -kv[1])),
            "by_age": bands,
            "overdue": overdue,
            "total": sum(by_state.values()),
        }

    def fiscal_list(
        self, session: Session, start: date, end: date, *, offset: int = 0, limit: int = 200
    ) -> Page:
        """Pieces deposited by the acting structure between two dates (inclusive)."""
        self._require(session, Verb.LIST_PIECES)
        where = [
            P.depositor_structure_id == session.structure.id,
            P.deposited_at >= datetime.combine(start, datetime.min.time()),
            P.deposited_at < datetime.combine(end + timedelta(days=1), datetime.min.time()),
        ]
        return self._page(where, "deposited_at", False, offset, limit)

    def archives(self, session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
        """Finished billing files (paid chain complete, or refused at first piece)."""
        self._require(session, Verb.LIST_PIECES)
        me = session.structure.id
        party = or_(
            P.supplier_structure_id == me,
            P.moe_structure_id == me,
            P.moa_structure_id == me,
            P.depositor_structure_id == me,
            P.holder_structure_id == me,
        )
        query = (
            select(dossiers, marches.c.number.label("marche_number"))
            .join_from(dossiers, marches, dossiers.c.marche_id == marches.c.id)
            .where(
                dossiers.c.status != "EN_COURS",
                dossiers.c.id.in_(select(P.dossier_id).where(party)),
            )
            .order_by(dossiers.c.closed_at.desc())
            .limit(limit)
        )
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


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
            P.downloaded,
            P.version,
            marches.c.number.label("marche_number"),
            dossiers.c.number.label("dossier_number"),
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
