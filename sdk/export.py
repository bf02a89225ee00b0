"""Exports: `run_export`, which checks who asks and writes the file, and the names exporters
use, gathered here from their modules so that plugins import them from one place
(`decompte.sdk.export`, and the public ones through `decompte.sdk`).

`export_records`: the records, the filter, the context and the `Exporter` base class ·
`export_helpers`: decimals, encodings, memo, options · `export_source`: the streaming
read-only source of rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from .errors import UsageError
from .export_helpers import (
    Memo,
    decimal_text,
    first_unencodable,
    option_pairs,
    parse_options,
    text_output,
    unencodable,
)
from .export_records import (
    ROLE_COLUMNS,
    ExportContext,
    Exporter,
    ExportFilter,
    ExportOption,
    ExportResult,
    ExportRow,
    Party,
)
from .export_source import ExportSource

if TYPE_CHECKING:
    from .core import Core
    from .plugins import PluginHost
    from .session import Session

__all__ = [
    "ROLE_COLUMNS",
    "ExportContext",
    "ExportFilter",
    "ExportOption",
    "ExportResult",
    "ExportRow",
    "ExportSource",
    "Exporter",
    "Memo",
    "Party",
    "authorised_filter",
    "decimal_text",
    "first_unencodable",
    "option_pairs",
    "parse_options",
    "run_export",
    "text_output",
    "unencodable",
]

T = TypeVar("T")


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
