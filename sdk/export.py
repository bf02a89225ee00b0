"""Exports: the records exporters receive, the exporter base class, a streaming read-only
source of rows from the store, and `run_export`, which checks who asks and writes the file.

The source reads pieces in chunks (keyset paging on the piece id) inside one read
transaction, so memory stays flat whatever the volume and the export is a consistent
snapshot. Database modules are imported only when a source is iterated.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import count, groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, TypeVar

from .errors import UsageError
from .model import VatLine
from .pluginapi import Setting, check_settings

if TYPE_CHECKING:
    from .cadres import CadreTable
    from .core import Core
    from .model import Structure
    from .plugins import PluginHost
    from .session import Session
    from .store import Store

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
ExportOption = Setting  # an exporter's options are declared like a plugin's settings

#: Which piece column each role filter reads; None means "any party to the piece".
ROLE_COLUMNS = {
    "FOURNISSEUR": "supplier_structure_id",
    "DESTINATAIRE": "recipient_structure_id",
    "MOE": "moe_structure_id",
    "MOA": "moa_structure_id",
    "DEPOSANT": "depositor_structure_id",
}


class Party(NamedTuple):
    """A structure as it appears in an export."""

    id: int
    identifier: str
    identifier_type: str
    name: str
    country: str = "FR"

    @property
    def siren(self) -> str:
        return self.identifier[:9] if self.identifier_type == "SIRET" else ""


class ExportRow(NamedTuple):
    """One piece with its parties and VAT lines. Money is Decimal, dates are dates.

    A named tuple: read-only and cheap to build (an export makes one per piece);
    `row._replace(number=…)` gives a modified copy.
    """

    id: int
    number: str
    cadre: str
    marche_number: str
    dossier_number: str
    issue_date: date
    due_date: date | None
    deposited_at: datetime
    currency: str
    vat_type: str
    exemption_motive: str
    payment_mode: str
    engagement: str
    service_code: str
    iban: str
    bic: str
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    discount_ttc: Decimal
    prepaid: Decimal
    amount_due: Decimal
    state: str
    state_date: date
    certificate: str
    file_name: str
    file_sha256: str
    depositor: Party
    supplier: Party
    recipient: Party | None
    moe: Party | None
    moa: Party | None
    vat_lines: tuple[VatLine, ...] = ()

    @property
    def cadre_short(self) -> str:
        return self.cadre.split("_", 1)[0]


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Which pieces to export: those of `structure_ids` in `role`, issued in a period."""

    structure_ids: Sequence[int] | None = None  # None: the session's structure
    role: str | None = None  # a key of ROLE_COLUMNS, or None for any party
    issued_from: date | None = None
    issued_to: date | None = None


@dataclass(frozen=True)
class ExportContext:
    """What an exporter may know besides the rows: who exports, today, the cadre table."""

    today: date
    structure: Structure | None = None
    login: str = ""
    cadres: CadreTable | None = None
    read_file: Callable[[str], bytes] | None = field(default=None, repr=False)


class Exporter:
    """Base class of exporters. Subclasses set the class attributes and write `write`."""

    name: str = ""
    label: str = ""
    formats: tuple[str, ...] = ()
    options: tuple[ExportOption, ...] = ()
    default_role: str | None = None  # role filter when the user gives none
    needs_total: bool = False  # the rows then carry `total`, counted before the first row
    needs_vat_lines: bool = True  # False: rows come with `vat_lines=()`, read faster

    def file_name(self, fmt: str, options: Mapping[str, Any], context: ExportContext) -> str:
        return f"{self.name}-{context.today:%Y%m%d}.{fmt}"

    def write(
        self,
        rows: Iterable[ExportRow],
        out: BinaryIO,
        fmt: str,
        options: Mapping[str, Any],
        context: ExportContext,
    ) -> int:
        """Stream `rows` to `out` in `fmt`; return the number of pieces written."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ExportResult:
    exporter: str
    format: str
    rows: int
    path: Path | None


# -- helpers for exporters ---------------------------------------------------------------------


def decimal_text(value: Decimal, mark: str = ",") -> str:
    """'1234,50': no thousands separator, never an exponent, the decimals kept as stored."""
    text = str(value)  # four times faster than format(value, "f"), the same for amounts
    if "E" in text:
        text = format(value, "f")  # Decimal("2E+1") and the like
    return text.replace(".", mark) if mark != "." else text


@contextmanager
def text_output(out: BinaryIO, encoding: str) -> Iterator[io.TextIOWrapper]:
    """Text over a binary stream, strict encoding, no newline translation; the stream is
    left open (the wrapper is detached, not closed)."""
    text = io.TextIOWrapper(out, encoding=encoding, errors="strict", newline="")
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def unencodable(values: Mapping[str, str], encoding: str, where: str) -> UsageError:
    """The clear error for a value the output encoding cannot hold."""
    for column, text in values.items():
        try:
            text.encode(encoding)
        except UnicodeEncodeError as exc:
            char = text[exc.start]
            return UsageError(
                f"{where}, colonne {column} : le caractère « {char} » (U+{ord(char):04X}) "
                f"n'existe pas dans l'encodage {encoding}",
                field="encoding",
                hint="choisissez un encodage qui le contient (utf-8-sig par exemple) "
                "ou corrigez la donnée",
            )
    return UsageError(f"{where} : valeur impossible à encoder en {encoding}", field="encoding")


def first_unencodable(lines: Sequence[str], encoding: str) -> int:
    """Index of the first line the encoding cannot hold (one of them is known not to fit):
    an exporter writes the lines before it, whole, then names what stopped it."""
    for n, line in enumerate(lines):
        try:
            line.encode(encoding)
        except UnicodeEncodeError:
            return n
    raise ValueError("every line fits the encoding")


class Memo(dict[K, V]):
    """`compute(key)` once per distinct key, then a C-level dict lookup: an export repeats
    the same few hundred days, parties, states and rates over thousands of rows."""

    def __init__(self, compute: Callable[[K], V], preset: Mapping[K, V] | None = None) -> None:
        super().__init__(preset or {})
        self.compute = compute

    def __missing__(self, key: K) -> V:
        self[key] = value = self.compute(key)
        return value


def option_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["separator=tab", "journal_code=VT"]`` (``--option`` on the command line) to a dict."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"Option mal formée : {pair}",
                field="--option",
                hint="écrivez CLÉ=VALEUR, par exemple separator=tab",
            )
        options[key.strip()] = value.strip()
    return options


def parse_options(exporter: Exporter, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check an exporter's options (strings from the command line or typed values)."""
    values, problems = check_settings(exporter.name, exporter.options, dict(raw or {}))
    if problems:
        allowed = ", ".join(o.name for o in exporter.options) or "aucune"
        message = "; ".join(p.replace(f"plugin.{exporter.name}.", "option ") for p in problems)
        raise UsageError(message, field="options", hint=f"options de {exporter.name} : {allowed}")
    return values


# -- the source ------------------------------------------------------------------------------


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


# -- running an export -----------------------------------------------------------------------


def authorised_filter(
    core: Core, session: Session, flt: ExportFilter, default_role: str | None = None
) -> ExportFilter:
    """The filter restricted to structures the access policy lets the user export."""
    from .access import Verb  # the plugin surface (Exporter) stays free of the database

    with core.store.read() as conn:
        ids = core.org.access.scope(conn, session, Verb.EXPORT, flt.structure_ids or None)
    return ExportFilter(ids, flt.role or default_role, flt.issued_from, flt.issued_to)


def run_export(
    core: Core,
    session: Session,
    name: str,
    out: Path | BinaryIO | None,
    options: Mapping[str, Any] | None = None,
    *,
    fmt: str | None = None,
    filters: ExportFilter | None = None,
    host: PluginHost | None = None,
) -> ExportResult:
    """Export the session's pieces with exporter `name` to a file, a folder or a stream.

    A file is written beside its target and renamed at the end: a failed export leaves
    nothing behind. `options` may hold strings (as typed on the command line).
    """
    from .plugins import host_of

    host = host or host_of(core)
    exporter = host.exporter(name)
    fmt = (fmt or exporter.formats[0]).lower()
    if fmt not in exporter.formats:
        raise UsageError(
            f"Format {fmt} inconnu pour l'export {name}",
            field="format",
            hint="formats : " + ", ".join(exporter.formats),
        )
    values = parse_options(exporter, options)
    flt = authorised_filter(core, session, filters or ExportFilter(), exporter.default_role)
    source = ExportSource(
        core.store, flt, count=exporter.needs_total, vat_lines=exporter.needs_vat_lines
    )
    context = ExportContext(
        core.clock().date(),
        session.structure,
        session.user.login,
        core.cadres,
        core.store.files.read,
    )

    plugin = host.exporter_plugin(name)

    def call(method: Callable[..., T], *args: Any) -> T:
        with host.guard(plugin, "decompte_exporters", f"L'export {name}", reraise=True):
            return method(*args)
        raise AssertionError("unreachable: the guard re-raises")

    if out is not None and not isinstance(out, str | Path):
        return ExportResult(
            name, fmt, call(exporter.write, source, out, fmt, values, context), None
        )
    target = Path(out) if out is not None else Path.cwd()
    if target.is_dir():
        target = target / call(exporter.file_name, fmt, values, context)
    partial = target.with_name(f".{target.name}.partiel")
    try:
        stream = open(partial, "wb")  # noqa: SIM115 - closed below, before the rename
    except OSError as exc:
        raise UsageError(
            f"Impossible d'écrire {target} : {exc.strerror}",
            field="--out",
            hint="choisissez un dossier existant où vous pouvez écrire",
        ) from None
    try:
        with stream:
            count = call(exporter.write, source, stream, fmt, values, context)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return ExportResult(name, fmt, count, target)
