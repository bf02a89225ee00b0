"""Who may see and act: the works space, the acting structure's status, a piece's parties.

Every read and write of the engine asks here (see docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from .errors import NotAuthorised, NotFound
from .org import Organisation
from .session import Session
from .store.schema import pieces


def require_space(org: Organisation, conn: Connection, session: Session, *, modify: bool) -> None:
    """The works space must be open for the user on the acting structure, in modification
    mode to act, and the structure active."""
    mode, active = org.space_access(conn, session.user.id, session.structure.id)
    if mode is None:
        raise NotAuthorised(
            "L'espace « Factures de travaux » n'est pas ouvert pour vous sur "
            f"{session.structure.name}",
            field="space",
            hint="demandez l'abonnement à un gestionnaire de la structure",
        )
    if modify and mode != "MODIFICATION":
        raise NotAuthorised(
            "Espace « Factures de travaux » en consultation seulement",
            field="space",
            hint="demandez le mode modification",
        )
    if not active:
        raise NotAuthorised(
            f"La structure {session.structure.name} est inactive",
            field="structure",
            hint="un gestionnaire doit la réactiver",
        )


def require_visible(conn: Connection, session: Session, row: Row) -> None:
    if not visible(conn, session.structure.id, row):
        raise NotFound(
            f"Pièce {row.id} introuvable",
            field="piece",
            hint="vérifiez le numéro ou la structure pour laquelle vous agissez",
        )


def visible(conn: Connection, structure_id: int, row: Any) -> bool:
    """A structure sees a piece it is party to, or any piece of a dossier it is party to."""
    if structure_id in _parties(row):
        return True
    p = pieces.c
    return (
        conn.execute(
            select(p.id)
            .where(p.dossier_id == row.dossier_id)
            .where(
                (p.depositor_structure_id == structure_id)
                | (p.holder_structure_id == structure_id)
                | (p.supplier_structure_id == structure_id)
                | (p.moe_structure_id == structure_id)
                | (p.moa_structure_id == structure_id)
                | (p.recipient_structure_id == structure_id)
                | (p.validator1_structure_id == structure_id)
                | (p.validator2_structure_id == structure_id)
            )
            .limit(1)
        ).first()
        is not None
    )


def _parties(row: Any) -> set[int]:
    return {
        row.depositor_structure_id,
        row.supplier_structure_id,
        row.recipient_structure_id,
        row.moe_structure_id,
        row.moa_structure_id,
        row.validator1_structure_id,
        row.validator2_structure_id,
        row.holder_structure_id,
        row.next_structure_id,
    } - {None}
