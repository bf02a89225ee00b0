"""The arguments several CLI commands read: a date typed AAAA-MM-JJ, and a piece given by
its number or `#id`."""

from __future__ import annotations

import argparse
from datetime import date

from ..errors import NotFound
from ..model import Piece
from .context import Context


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date illisible « {text} » : format AAAA-MM-JJ, par exemple 2026-11-23"
        ) from None


def piece_ref(ctx: Context, ref: str) -> Piece:
    """`#12` is an id; anything else a piece number (an all-digit unknown number: an id)."""
    q = ctx.core.queries
    if ref.startswith("#"):
        return q.piece(ctx.session, int(ref[1:]))
    try:
        return q.find_piece(ctx.session, ref)
    except NotFound:
        if ref.isdigit():
            return q.piece(ctx.session, int(ref))
        raise
