"""The values CLI arguments carry, checked where they are read: a date typed AAAA-MM-JJ
within the years the portal can hold, a number within bounds, a record given as `#id`, a
piece given by its number or `#id`. Each refusal is a `UsageError` (exit 2) naming the
argument (`parser.FrenchParser` fills in the name), never a crash further down the line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..clock import parse_day
from ..errors import NotFound, UsageError
from ..files_check import AttachmentInput
from ..model import Piece
from .context import Context

#: The largest record id both engines can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: Pages and page sizes: far beyond any real list, far below an integer overflow.
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 1_000


def _date(text: str) -> date:
    return parse_day(text)


def _whole(text: str, low: int, high: int, what: str) -> int:
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise UsageError(
            f"nombre entier attendu, reçu « {text} »", hint=f"{what} de {low} à {high}"
        )
    value = int(text)
    if not low <= value <= high:
        raise UsageError(f"{value} est hors des bornes", hint=f"{what} de {low} à {high}")
    return value


def page_number(text: str) -> int:
    return _whole(text, 1, MAX_PAGE, "un numéro de page")


def page_size(text: str) -> int:
    return _whole(text, 1, MAX_PER_PAGE, "un nombre de lignes par page")


def count(text: str) -> int:
    """A number of results to show (`--limit`)."""
    return _whole(text, 1, MAX_PER_PAGE, "un nombre de résultats")


def version(text: str) -> int:
    """A piece version (`--expect-version`)."""
    return _whole(text, 0, MAX_ID, "un numéro de version")


def record_id(text: str) -> int:
    """A record id typed as a bare number (`12`)."""
    return _whole(text, 1, MAX_ID, "un identifiant")


def hash_id(text: str) -> str:
    """A reference that is either `#id` (checked here) or a number (checked by its reader):
    the text is kept as typed."""
    if text.startswith("#"):
        _id_after_hash(text)
    return text


def path(text: str) -> Path:
    if not text:
        raise UsageError("chemin vide", hint="indiquez un fichier ou un dossier")
    return Path(text)


#: How `--attach` is written, for the help of every command that takes attachments.
ATTACH_METAVAR = "CHEMIN[:TYPE[:DÉSIGNATION]]"


def attachments(specs: list[str]) -> list[AttachmentInput]:
    """The attachments `--attach CHEMIN[:TYPE[:DÉSIGNATION]]` names (deposit, completion);
    type AUTRE when none is given. The core checks the names, types and files."""
    found = []
    for spec in specs:
        file, _, rest = spec.partition(":")
        kind, _, designation = rest.partition(":")
        found.append(AttachmentInput(Path(file), kind or "AUTRE", designation))
    return found


def _id_after_hash(ref: str) -> int:
    body = ref[1:]
    if not (body.isascii() and body.isdigit()) or len(body) > 19 or not 1 <= int(body) <= MAX_ID:
        raise UsageError(
            f"référence illisible « {ref} »",
            hint="#suivi d'un identifiant numérique, par exemple #12",
        )
    return int(body)


def piece_ref(ctx: Context, ref: str) -> Piece:
    """`#12` is an id; anything else a piece number (an all-digit unknown number: an id)."""
    q = ctx.core.queries
    if ref.startswith("#"):
        try:
            return q.piece(ctx.session, _id_after_hash(ref))
        except UsageError as exc:
            exc.field = exc.field or "pièce"
            raise
    try:
        return q.find_piece(ctx.session, ref)
    except NotFound:
        if ref.isascii() and ref.isdigit() and len(ref) <= 19 and int(ref) <= MAX_ID:
            return q.piece(ctx.session, int(ref))
        raise
