"""Rendering for the CLI: JSON for scripts, aligned French text for people.

Everything printed passes here, and stored text may come from another user, an import or a
plugin: each cell, field and sentence is neutralised (`text_safety.printable`: an escape
sequence or a bidi override shows as a visible `\\u001b`, never acts on the terminal), and
JSON escapes the same characters as `\\uXXXX`, so scripts still read the exact value.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ..amounts import format_amount
from ..text_safety import first_unsafe, printable


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for extra in ("days_left",):
            if hasattr(type(value), extra):
                data[extra] = to_jsonable(getattr(value, extra))
        return data
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:  # JSON escapes beyond the basic plane as a UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def dumps(value: Any) -> str:
    """JSON where every character unsafe on a terminal is escaped (`\\u202e`); json.dumps
    escapes C0 controls itself, not C1, bidi, separators or lone surrogates."""
    text = json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)
    if first_unsafe(text, multiline=True) is None:
        return text
    return "".join(_json_escape(ch) if first_unsafe(ch, multiline=True) else ch for ch in text)


def human(text: str) -> str:
    """A sentence or a block of lines for a person: line breaks kept, the rest neutralised."""
    return printable(text, multiline=True)


def money(value: Decimal) -> str:
    return format_amount(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(printable(h))] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(printable(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "oui" if value else "non"
    return printable(str(value))


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{printable(k).ljust(width)} : {_cell(v)}" for k, v in pairs)
