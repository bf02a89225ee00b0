"""Exports: the records exporters receive, the exporter base class, a streaming read-only
source of rows from the store, and `run_export`, which checks who asks and writes the file.

The source reads pieces in chunks (keyset paging on the piece id) inside one read
transaction, so memory stays flat whatever the volume and the export is a consistent
snapshot. Database modules are imported only when a source is iterated.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, TypeVar

from .errors import NotAuthorised, NotFound, UsageError
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
    """'1234,50': no thousands separator, two decimals kept as stored."""
    text = format(value, "f")
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

    Pieces come in deposit order, streamed `chunk` at a time, each chunk with its VAT lines
    and parties, all in one read transaction. With `count`, `total` is set (same snapshot)
    when iteration starts.
    """

    def __init__(
        self, store: Store, flt: ExportFilter, *, chunk: int = 1000, count: bool = False
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
        self.total: int | None = None

    def __iter__(self) -> Iterator[ExportRow]:
        from sqlalchemy import and_, bindparam, func, select

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
            .order_by(p.deposited_at, p.id)  # chronological, as the indexes are
        )
        vat_query = (
            select(v.piece_id, v.rate, v.base, v.amount)
            .where(v.piece_id.in_(bindparam("ids", expanding=True)))
            .order_by(v.piece_id, v.position)
        )
        parties, rates = _PartyCache(), _Rates()
        with self.store.read() as conn:
            if self.count:
                self.total = conn.execute(
                    select(func.count()).select_from(pieces).where(where)
                ).scalar_one()
            result = conn.execution_options(yield_per=self.chunk).execute(query)
            for chunk in result.partitions():
                lines: dict[int, list[VatLine]] = {}
                ids = [r[0] for r in chunk]
                for pid, rate, base, amount in conn.execute(vat_query, {"ids": ids}).all():
                    lines.setdefault(pid, []).append(
                        VatLine(rates.get(rate) or rates.add(rate), _money(base), _money(amount))
                    )
                parties.load(conn, {sid for r in chunk for sid in r[_PARTY_SLICE] if sid})
                for r in chunk:
                    yield _row(r, parties, tuple(lines.get(r[0], ())))

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


_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


def _money(cents: int) -> Decimal:
    return Decimal(cents) * _CENT if cents else _ZERO  # exact, two decimals kept


class _Rates(dict[str, Decimal]):
    """VAT rates as stored (text) to Decimal: a handful per export."""

    def add(self, text: str) -> Decimal:
        self[text] = Decimal(text)
        return self[text]


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


def _row(r: Any, parties: _PartyCache, vat_lines: tuple[VatLine, ...]) -> ExportRow:
    m, get = _money, parties.get
    return ExportRow(
        *r[:16], m(r[16]), m(r[17]), m(r[18]), m(r[19]), m(r[20]), m(r[21]), *r[22:26],
        r[26] or "", parties[r[27]], parties[r[28]], get(r[29]), get(r[30]), get(r[31]),
        vat_lines,
    )  # fmt: skip


# -- running an export -----------------------------------------------------------------------


def authorised_filter(
    core: Core, session: Session, flt: ExportFilter, default_role: str | None = None
) -> ExportFilter:
    """The filter restricted to structures the user belongs to and may consult."""
    mine = set(core.queries.my_structures(session))
    ids = list(flt.structure_ids) if flt.structure_ids else [session.structure.id]
    if set(ids) - mine:
        raise NotFound(
            "Structure hors de vos rattachements",
            field="structure",
            hint="choisissez une de vos structures",
        )
    with core.store.read() as conn:
        for sid in ids:
            if core.org.space_access(conn, session.user.id, sid)[0] is None:
                raise NotAuthorised(
                    "L'espace « Factures de travaux » n'est pas ouvert pour vous "
                    "sur cette structure",
                    field="space",
                    hint="demandez l'abonnement à un gestionnaire",
                )
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
    source = ExportSource(core.store, flt, count=exporter.needs_total)
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
