"""The streaming, read-only source of an export's rows.

The source reads pieces in chunks (keyset paging on the piece id) inside one read
transaction, so memory stays flat whatever the volume and the export is a consistent
snapshot. Database modules are imported only when a source is iterated.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, closing
from datetime import date, datetime
from decimal import Decimal
from itertools import count, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import UsageError
from .export_helpers import Memo
from .export_records import ROLE_COLUMNS, ExportFilter, ExportRow, Party
from .model import VatLine

if TYPE_CHECKING:
    from .store import Store

T = TypeVar("T")


class ExportSource:
    """Pieces of the filter's structures, read in chunks; iterate it once or many times.

    Pieces come in the order they were recorded (deposit order), streamed `chunk` at a time
    with their VAT lines (a second stream merged on the piece id) and their parties, all in
    one read transaction. With `count`, `total` is set (same snapshot)
    when iteration starts. Without `vat_lines`, rows come with `vat_lines=()`.
    """

    def __init__(
        self,
        store: Store,
        flt: ExportFilter,
        *,
        chunk: int = 1000,
        count: bool = False,
        vat_lines: bool = True,
    ) -> None:
        if not flt.structure_ids:
            raise UsageError("Aucune structure à exporter", field="structure")
        if flt.role is not None and flt.role not in ROLE_COLUMNS:
            raise UsageError(
                f"Rôle inconnu : {flt.role}",
                field="role",
                hint="rôles : " + ", ".join(ROLE_COLUMNS),
            )
        self.store = store
        self.filter = flt
        self.chunk = chunk
        self.count = count
        self.vat_lines = vat_lines
        self.total: int | None = None

    def __iter__(self) -> Iterator[ExportRow]:
        from sqlalchemy import and_, func, select

        from .store.schema import dossiers, marches, piece_vat_lines, pieces

        p, v = pieces.c, piece_vat_lines.c
        where = and_(*self._conditions(p))
        query = (
            select(
                *(getattr(p, name) for name in _HEAD),
                marches.c.number,
                dossiers.c.number,
                *(getattr(p, name) for name in _BODY),
            )
            .join_from(pieces, marches, marches.c.id == p.marche_id)
            .join(dossiers, dossiers.c.id == p.dossier_id)
            .where(where)
            .order_by(p.id)  # the order of recording (the VAT stream merges on it)
        )
        vat_query = (  # the chunk's VAT lines in the same order: merged, not looked up
            select(v.piece_id, v.rate, v.base, v.amount)
            .join_from(piece_vat_lines, pieces, p.id == v.piece_id)
            .where(where)
            .order_by(v.piece_id, v.position)
        )
        parties, rates = _PartyCache(), Memo(Decimal)  # VAT rates: a handful per export
        with self.store.read() as conn, ExitStack() as streams:  # streams close first
            if self.count:
                self.total = conn.execute(
                    select(func.count()).select_from(pieces).where(where)
                ).scalar_one()
            decode = _Decoder(conn.dialect.name == "sqlite")
            chunks = streams.enter_context(closing(_raw_chunks(conn, query, self.chunk)))
            vat_rows = _raw_rows(conn, vat_query, self.chunk) if self.vat_lines else None
            if vat_rows is not None:
                streams.enter_context(closing(vat_rows))
            vat = groupby(vat_rows or (), key=itemgetter(0))
            pending = next(vat, None)
            for chunk in chunks:
                parties.load(conn, {sid for r in chunk for sid in r[_PARTY_SLICE] if sid})
                for r in chunk:
                    if pending is None or pending[0] != r[0]:
                        yield _row(r, decode, parties, ())
                        continue
                    lines = tuple(
                        VatLine(rates[rate], D(base) * C, D(amount) * C)
                        for _, rate, base, amount in pending[1]
                    )
                    pending = next(vat, None)
                    yield _row(r, decode, parties, lines)

    def _conditions(self, p: Any) -> list[Any]:
        from sqlalchemy import or_

        flt = self.filter
        ids = list(flt.structure_ids or ())
        if flt.role is None:
            cond = [or_(*(getattr(p, col).in_(ids) for col in ROLE_COLUMNS.values()))]
        else:
            cond = [getattr(p, ROLE_COLUMNS[flt.role]).in_(ids)]
        if flt.issued_from:
            cond.append(p.issue_date >= flt.issued_from)
        if flt.issued_to:
            cond.append(p.issue_date <= flt.issued_to)
        return cond


#: Selected in ExportRow's order: 16 plain fields, 6 amounts (cents), 5 plain, 5 party ids.
_HEAD = ("id", "number", "cadre")
_BODY = (
    "issue_date", "due_date", "deposited_at", "currency", "vat_type", "exemption_motive",
    "payment_mode", "engagement", "service_code", "iban", "bic",
    "total_ht", "total_vat", "total_ttc", "discount_ttc", "prepaid", "amount_due",
    "state", "state_date", "certificate", "file_name", "file_sha256",
    "depositor_structure_id", "supplier_structure_id", "recipient_structure_id",
    "moe_structure_id", "moa_structure_id",
)  # fmt: skip
_PARTY_SLICE = slice(27, 32)


D, C = Decimal, Decimal("0.01")  # money is stored in cents: D(cents) * C, two decimals kept


class _PartyCache(dict[int, Party]):
    def load(self, conn: Any, ids: set[int]) -> None:
        missing = ids - self.keys()
        if not missing:
            return
        from sqlalchemy import select

        from .store.schema import structures

        s = structures.c
        for r in conn.execute(
            select(s.id, s.identifier, s.identifier_type, s.name, s.country).where(
                s.id.in_(missing)
            )
        ):
            self[r.id] = Party(r.id, r.identifier, r.identifier_type, r.name, r.country)


def _raw_chunks(
    conn: Any, statement: Any, size: int
) -> Generator[list[tuple[Any, ...]], None, None]:
    """The statement's rows as the driver returns them, `size` at a time, on the
    connection's transaction (a server-side cursor on PostgreSQL, so memory stays flat).

    SQLAlchemy's result processing costs more than the rest of the export, so the rows skip
    it (`_Decoder` does the little that is needed). The statement is rendered with its
    values inline: they are only structure ids and dates, which SQLAlchemy renders safely.
    """
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"decompte_export_{next(_CURSOR_NAMES)}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


_CURSOR_NAMES = count(1)


def _raw_rows(conn: Any, statement: Any, size: int) -> Generator[tuple[Any, ...], None, None]:
    for rows in _raw_chunks(conn, statement, size):
        yield from rows


class _Decoder:
    """Dates as the driver gives them to `date` / `datetime`: SQLite stores ISO text,
    PostgreSQL drivers return the types already."""

    def __init__(self, dates_as_text: bool) -> None:
        if dates_as_text:
            # a few hundred distinct days over a whole export
            self.day: Callable[[Any], Any] = Memo(date.fromisoformat).__getitem__
            self.instant: Callable[[Any], Any] = datetime.fromisoformat
        else:
            self.day = self.instant = _same


def _same(value: T) -> T:
    return value


def _row(
    r: tuple[Any, ...], decode: _Decoder, parties: _PartyCache, vat_lines: tuple[VatLine, ...]
) -> ExportRow:
    get, day, due = parties.get, decode.day, r[6]
    return _new_tuple(ExportRow, (
        *r[:5], day(r[5]), due and day(due), decode.instant(r[7]), *r[8:16],
        D(r[16]) * C, D(r[17]) * C, D(r[18]) * C, D(r[19]) * C, D(r[20]) * C, D(r[21]) * C,
        r[22], day(r[23]), r[24], r[25], r[26] or "",
        parties[r[27]], parties[r[28]], get(r[29]), get(r[30]), get(r[31]), vat_lines,
    ))  # fmt: skip


_new_tuple = tuple.__new__  # ExportRow(*values) without the generated __new__: 4x faster
