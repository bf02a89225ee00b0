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

from . import safe_paths
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
    overwrite: bool = False,
) -> ExportResult:
    """Export the session's pieces with exporter `name` to a file, a folder or a stream.

    A file is written beside its target and renamed at the end: a failed export leaves
    nothing behind. In a folder, the exporter's file name is made safe (`safe_paths`); an
    existing file is replaced only with `overwrite`. `options` may hold strings (as typed
    on the command line).
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
    folder = Path(out) if out is not None else Path.cwd()
    if folder.is_dir():
        target = safe_paths.plan(folder, [call(exporter.file_name, fmt, values, context)])[0]
    else:
        target = safe_paths.chosen_target(folder, "", field="--out")
    if not overwrite:
        safe_paths.require_free(target, field="--out")
    partial, fd = safe_paths.open_partial(target, field="--out")
    try:
        with os.fdopen(fd, "wb") as stream:
            count = call(exporter.write, source, stream, fmt, values, context)
        safe_paths.publish(partial, target, overwrite=overwrite, field="--out")
    finally:
        partial.unlink(missing_ok=True)
    return ExportResult(name, fmt, count, target)
