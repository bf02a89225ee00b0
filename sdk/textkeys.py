"""Search keys: upper case, no accents, single spaces; and `*` wildcard patterns."""

from __future__ import annotations

import re
import unicodedata


def key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip().upper()


def like_pattern(pattern: str) -> str:
    """Portal wildcard (`*`) to SQL LIKE; a pattern without `*` matches as a prefix."""
    escaped = key(pattern).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if "*" not in escaped:
        escaped += "*"
    return escaped.replace("*", "%")


def literal_prefix(like: str) -> str:
    """The fixed prefix of a LIKE pattern, usable for an index range scan."""
    out = []
    i = 0
    while i < len(like):
        char = like[i]
        if char == "%":
            break
        if char == "\\" and i + 1 < len(like):
            i += 1
            char = like[i]
        out.append(char)
        i += 1
    return "".join(out)
