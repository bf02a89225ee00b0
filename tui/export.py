"""CSV export of a table's current view, French office dialect (`;`, decimal comma,
UTF-8 with BOM, CRLF), page after page so that 100 000 rows never sit in memory at once."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from decompte.sdk import safe_paths

from .widgets.vtable import Column, Fetch

PAGE = 1000


def _cell(column: Column, row: Any) -> str:
    raw = getattr(row, column.key, None)
    if isinstance(raw, Decimal):
        return f"{raw:.2f}".replace(".", ",")
    return column.text(row).replace("\u00a0", " ")


def export_csv(
    path: Path,
    fetch: Fetch,
    columns: Sequence[Column],
    sort: str | None,
    descending: bool,
    progress: Callable[[int, int], None] | None = None,
    *,
    overwrite: bool = False,
) -> int:
    """Write every row of the view to `path` (written beside it, then renamed; an existing
    file is replaced only with `overwrite`); returns the number of rows written."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        safe_paths.require_free(path, field="fichier")
    tmp, fd = safe_paths.open_partial(path, field="fichier")
    try:
        written = _write(fd, fetch, columns, sort, descending, progress)
        safe_paths.publish(tmp, path, overwrite=overwrite, field="fichier")
    finally:
        tmp.unlink(missing_ok=True)
    return written


def _write(
    fd: int,
    fetch: Fetch,
    columns: Sequence[Column],
    sort: str | None,
    descending: bool,
    progress: Callable[[int, int], None] | None,
) -> int:
    written = 0
    with open(fd, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([c.label for c in columns])
        offset = 0
        while True:
            rows, total = fetch(offset, PAGE, sort, descending)
            for row in rows:
                writer.writerow([_cell(c, row) for c in columns])
            written += len(rows)
            offset += len(rows)
            if progress is not None:
                progress(written, total)
            if not rows or offset >= total:
                break
    return written
