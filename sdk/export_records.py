"""What an exporter receives and is: the records of an export (`Party`, `ExportRow`), the
filter and the context it runs in, the `Exporter` base class plugins subclass, and the result.

The plugin surface: no database module is imported here (see `export_source`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from .model import VatLine
from .pluginapi import Setting

if TYPE_CHECKING:
    from .cadres import CadreTable
    from .model import Structure

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
