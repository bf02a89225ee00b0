"""Characters that must never travel from one user's keyboard to another user's terminal.

One definition for both ends: the write side refuses text carrying them (with a named error,
`refuse_unsafe`), the output side neutralises whatever is already stored or arrives from a
plugin or an import (`printable`). Unsafe means: control characters (C0, DEL, C1 — terminal
escape sequences start with them), Unicode format characters (bidi overrides and isolates
U+202A–U+202E, U+2066–U+2069, marks, zero-width characters), line and paragraph separators,
surrogates and private-use code points. Tab and line feed are allowed only in multi-line
fields (comments, reasons), and never survive `printable` on a one-line cell.
"""

from __future__ import annotations

import unicodedata

from .errors import UsageError

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\t")


def _is_unsafe(ch: str, multiline: bool) -> bool:
    if multiline and ch in _MULTILINE_ALLOWED:
        return False
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def first_unsafe(text: str, *, multiline: bool = False) -> str | None:
    """The first unsafe character of `text`, or None when it can be shown to anyone."""
    if text.isprintable():
        # False for every Cc/Cf/Cs/Co/Zl/Zp character (and for spaces other than U+0020, which
        # the loop below lets through): the common case costs one call.
        return None
    for ch in text:
        if _is_unsafe(ch, multiline):
            return ch
    return None


def describe(ch: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: how an error names a character it cannot show."""
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ord(ch), "caractère de contrôle")
    return f"U+{ord(ch):04X} ({name})"


_CONTROL_NAMES = {0x1B: "ÉCHAPPEMENT", 0x07: "SONNERIE", 0x08: "RETOUR ARRIÈRE", 0x0D: "RETOUR"}


def refuse_unsafe(field: str, text: str, *, multiline: bool = False) -> str:
    """`text` unchanged when it is safe; otherwise a named usage error (exit 2) on `field`."""
    ch = first_unsafe(text, multiline=multiline)
    if ch is None:
        return text
    raise UsageError(
        f"Caractère interdit {describe(ch)}",
        field=field,
        hint="retirez les caractères de contrôle et de mise en forme invisibles "
        "(séquences d'échappement, inversions de sens d'écriture)",
    )


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` as it may be shown on a terminal: each unsafe character becomes a visible
    `\\u202e`-style escape, so nothing is executed by the terminal and nothing is hidden."""
    if first_unsafe(text, multiline=multiline) is None:
        return text
    return "".join(f"\\u{ord(ch):04x}" if _is_unsafe(ch, multiline) else ch for ch in text)
