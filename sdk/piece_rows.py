"""Reading and writing piece rows: the statements of the hot path, the optimistic state move
and the append-only history. Shared by the deposit, the transitions and the read side."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from .errors import Conflict, NotFound
from .model import Piece, Structure, VatLine
from .session import SYSTEM_LOGIN, Session
from .states import Action
from .store import rows as R
from .store.schema import dossiers, events, marches, piece_vat_lines, pieces, structures

# Statements of the hot path, built once: building SQLAlchemy expressions on every call cost
# more than running them (measured on `take`).
_PIECE_BY_ID = select(pieces).where(pieces.c.id == bindparam("piece_id"))
_PIECE_BY_ID_LOCKED = _PIECE_BY_ID.with_for_update()
_PIECE_WITH_NUMBERS = (
    select(
        pieces, dossiers.c.number.label("dossier_number"), marches.c.number.label("marche_number")
    )
    .join(dossiers, dossiers.c.id == pieces.c.dossier_id)
    .join(marches, marches.c.id == pieces.c.marche_id)
    .where(pieces.c.id == bindparam("piece_id"))
)
_VAT_LINES = (
    select(piece_vat_lines)
    .where(piece_vat_lines.c.piece_id == bindparam("piece_id"))
    .order_by(piece_vat_lines.c.position)
)
_MOVE = (
    update(pieces)
    .where(pieces.c.id == bindparam("b_id"), pieces.c.version == bindparam("b_version"))
    .values(version=pieces.c.version + 1)
)
_EVENT = insert(events)


def piece_row(conn: Connection, piece_id: int, *, lock: bool = False) -> Row:
    locked = lock and conn.dialect.name != "sqlite"
    row = conn.execute(
        _PIECE_BY_ID_LOCKED if locked else _PIECE_BY_ID, {"piece_id": piece_id}
    ).first()
    if row is None:
        raise NotFound(
            f"Pièce {piece_id} introuvable",
            field="piece",
            hint="vérifiez l'identifiant de la pièce",
        )
    return row


def load_piece(conn: Connection, piece_id: int) -> Piece:
    """A piece with its dossier and marché numbers and VAT lines, in two statements."""
    row = conn.execute(_PIECE_WITH_NUMBERS, {"piece_id": piece_id}).one()
    return R.piece(row, row.dossier_number, row.marche_number, vat_lines(conn, piece_id))


def vat_lines(conn: Connection, piece_id: int) -> tuple[VatLine, ...]:
    return tuple(
        VatLine(Decimal(v.rate), R.from_cents(v.base), R.from_cents(v.amount))
        for v in conn.execute(_VAT_LINES, {"piece_id": piece_id})
    )


def structures_by_id(conn: Connection, ids: set[int]) -> dict[int, Structure]:
    rows = conn.execute(select(structures).where(structures.c.id.in_(ids)))
    return {r.id: R.structure(r) for r in rows}


def marche_id(conn: Connection, number: str) -> int:
    return conn.execute(select(marches.c.id).where(marches.c.number == number)).scalar_one()


def move(
    conn: Connection,
    row: Row,
    to_state: str,
    holder_id: int | None,
    holder_role: str,
    since: date | None,
    today: date | None = None,
    *,
    changes: Mapping[str, object] | None = None,
) -> None:
    """Write a new state with the optimistic version check (and the `changes` to other
    columns an action brings: a completion's engagement, service code, file)."""
    state_day = today or since or row.state_date
    result = conn.execute(
        _MOVE,
        {
            "b_id": row.id,
            "b_version": row.version,
            "state": to_state,
            "state_date": state_day,
            "holder_structure_id": holder_id,
            "holder_role": str(holder_role),
            "holder_since": since if holder_id else None,
            **(changes or {}),
        },
    )
    if result.rowcount != 1:
        raise Conflict(
            "Quelqu'un a agi sur la pièce avant vous", field="piece", hint="rechargez la pièce"
        )


def record_event(
    conn: Connection,
    now: datetime,
    session: Session | None,
    piece_id: int,
    dossier_id: int,
    acting_role: str,
    action: Action,
    from_state: str,
    to_state: str,
    reason: str,
) -> None:
    conn.execute(
        _EVENT,
        {
            "piece_id": piece_id,
            "dossier_id": dossier_id,
            "at": now,
            "user_id": session.user.id if session else None,
            "user_login": session.user.login if session else SYSTEM_LOGIN,
            "structure_id": session.structure.id if session else None,
            "acting_role": str(acting_role),
            "action": str(action),
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
        },
    )


def start_payment_clock(conn: Connection, dossier_id: int, today: date) -> None:
    conn.execute(
        update(dossiers)
        .where(dossiers.c.id == dossier_id, dossiers.c.moe_available_on.is_(None))
        .values(moe_available_on=today)
    )


def close_dossier(conn: Connection, dossier_id: int, status: str, now: datetime) -> None:
    conn.execute(
        update(dossiers).where(dossiers.c.id == dossier_id).values(status=status, closed_at=now)
    )
