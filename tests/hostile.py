"""A demo store whose every displayed text holds hostile characters, as older data, an
import or a plugin could have left it: escape sequences (clear screen, window title, OSC 8
link), bell, carriage return, backspace, C1 CSI, bidi overrides and isolates, zero-width and
line separators, and Rich/Textual markup. Written with raw SQL, past every input check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from decompte.sdk.text_safety import first_unsafe

MARKUP = "[bold red]B[/][link=file:///etc]x[/link][@click=app.quit]Q"
HOSTILE = (
    "\x1b[2J\x1b]0;titre\x07\x1b]8;;http://x\x07L\x1b]8;;\x07\x08\r\x9b31m"
    "\u202e\u2066\u2069\u200b\u2028" + MARKUP
)

#: every text column a user sees, (table, column); the row id is appended to unique ones
COLUMNS = [
    ("structures", "name"),
    ("structures", "label"),
    ("structures", "line1"),
    ("structures", "city"),
    ("services", "code"),
    ("services", "label"),
    ("bank_accounts", "label"),
    ("users", "first_name"),
    ("users", "last_name"),
    ("marches", "number"),
    ("marches", "object"),
    ("marche_actors", "service_code"),
    ("dossiers", "number"),
    ("pieces", "number"),
    ("pieces", "file_name"),
    ("pieces", "engagement"),
    ("pieces", "service_code"),
    ("pieces", "comment"),
    ("attachments", "name"),
    ("attachments", "designation"),
    ("events", "user_login"),
    ("events", "reason"),
]


def poison(db: Path, columns: list[tuple[str, str]] = COLUMNS) -> None:
    """Give every listed column of every row a hostile value (unique per row)."""
    with sqlite3.connect(db) as conn:
        add_attachments(conn)
        for table, column in columns:
            conn.execute(f"UPDATE {table} SET {column} = ? || id", (HOSTILE,))


def add_attachments(conn: sqlite3.Connection, name: str = "pv.pdf") -> None:
    """One attachment (the piece's own file again) on each piece that has a file."""
    conn.execute(
        "INSERT INTO attachments (piece_id, sha256, name, kind, designation, size) "
        "SELECT p.id, p.file_sha256, ?, 'PV', 'Procès-verbal', f.size "
        "FROM pieces p JOIN files f ON f.sha256 = p.file_sha256",
        (name,),
    )


def poison_piece_numbers(db: Path, numbers: dict[int, str]) -> None:
    with sqlite3.connect(db) as conn:
        for piece_id, number in numbers.items():
            conn.execute("UPDATE pieces SET number = ? WHERE id = ?", (number, piece_id))


def unsafe_in(text: str) -> list[str]:
    """The characters of `text` a terminal would act on or hide (line breaks allowed)."""
    return [ch for ch in text if first_unsafe(ch, multiline=True) is not None]
