"""The Tableau de bord's stock (held pieces by state and age, overdue ones, those unpaid past
their payment deadline with the interest they owe) and the Archives (finished dossiers).
Part of `Queries` (queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, or_, select

from .access import Verb
from .deadlines import action_deadline, add_days
from .late_payment import piece_payment
from .read_scope import ReadScope
from .session import Session
from .store import rows as R
from .store.schema import dossiers, marches, pieces

P = pieces.c


class StockAndArchives(ReadScope):
    # -- Tableau de bord, Archives ------------------------------------------------------------
    def stock(self, session: Session, structure_ids: Sequence[int] | None = None) -> dict[str, Any]:
        """Counts of held pieces by state and by age band, with the overdue count and the
        pieces unpaid past their payment deadline (`late_payments`)."""
        scope = self._scope(session, structure_ids)
        today = self.clock().date()
        bands = {"0-7 j": 0, "8-15 j": 0, "16-30 j": 0, "> 30 j": 0}
        by_state: dict[str, int] = {}
        overdue = 0
        query = (
            select(P.state, P.holder_role, P.holder_since, func.count())
            .where(P.holder_structure_id.in_(scope))
            .group_by(P.state, P.holder_role, P.holder_since)
        )
        with self.store.read() as conn:
            for state_code, role, since, n in conn.execute(query):
                by_state[state_code] = by_state.get(state_code, 0) + n
                age = (today - since).days if since else 0
                band = (
                    "0-7 j"
                    if age <= 7
                    else "8-15 j"
                    if age <= 15
                    else ("16-30 j" if age <= 30 else "> 30 j")
                )
                bands[band] += n
                deadline = action_deadline(state_code, role, since, today, self.config.deadlines)
                if deadline and deadline.overdue:
                    overdue += n
            late = self._late_payments(conn, scope, today)
        return {
            "by_state": dict(sorted(by_state.items(), key=lambda kv: -kv[1])),
            "by_age": bands,
            "overdue": overdue,
            "total": sum(by_state.values()),
            "late_payments": late,
        }

    def _late_payments(self, conn: Connection, scope: list[int], today: date) -> dict[str, Any]:
        """The held pieces unpaid past their payment deadline: how many, and the estimated
        interest and flat indemnities they owe (`late_payment`), in all and by state."""
        cfg = self.config
        started_before = add_days(today, -cfg.deadlines.payment_days)
        query = (
            select(P.state, P.state_date, P.amount_due, dossiers.c.moe_available_on)
            .join(dossiers, dossiers.c.id == P.dossier_id)
            .where(
                P.holder_structure_id.in_(scope),
                dossiers.c.moe_available_on < started_before,
            )
        )
        by_state: dict[str, dict[str, Any]] = {}
        interest, indemnities = Decimal(0), Decimal(0)
        for state_code, state_date, cents, started in conn.execute(query):
            payment = piece_payment(
                state_code,
                state_date,
                R.from_cents(cents),
                started,
                today,
                cfg.deadlines,
                cfg.late_payment,
            )
            if payment is None or payment.late is None:
                continue
            interest += payment.late.interest or 0
            indemnities += payment.late.indemnity
            line = by_state.setdefault(state_code, {"count": 0, "total": Decimal(0)})
            line["count"] += 1
            line["total"] += payment.late.total
        return {
            "count": sum(line["count"] for line in by_state.values()),
            "interest": interest,
            "indemnities": indemnities,
            "total": interest + indemnities,
            "by_state": by_state,
        }

    def archives(self, session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
        """Finished billing files (paid chain complete, or refused at first piece)."""
        self._require(session, Verb.LIST_PIECES)
        me = session.structure.id
        party = or_(
            P.supplier_structure_id == me,
            P.moe_structure_id == me,
            P.moa_structure_id == me,
            P.depositor_structure_id == me,
            P.holder_structure_id == me,
        )
        query = (
            select(dossiers, marches.c.number.label("marche_number"))
            .join_from(dossiers, marches, dossiers.c.marche_id == marches.c.id)
            .where(
                dossiers.c.status != "EN_COURS",
                dossiers.c.id.in_(select(P.dossier_id).where(party)),
            )
            .order_by(dossiers.c.closed_at.desc())
            .limit(limit)
        )
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
