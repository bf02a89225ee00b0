"""What every part of `Organisation` shares: the store, the clock, the access policy, and
the check that the session manages a structure (GP or GS) before it changes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from .access import Access, Verb
from .session import Session
from .store import Store


class OrgBase:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.access = Access(clock)

    def _require_manager(
        self, session: Session, structure_id: int, conn: Connection | None = None
    ) -> None:
        if conn is None:
            with self.store.read() as own:
                self.access.require(own, session, Verb.MANAGE_STRUCTURE, structure_id)
        else:
            self.access.require(conn, session, Verb.MANAGE_STRUCTURE, structure_id)
