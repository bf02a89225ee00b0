"""What every read of `Queries` shares: the store, the organisation (for its access
policy), the cadres, the configuration and the clock; and the structures a session may list.

Every query asks the access policy (`access.Access`) first: the works space in consultation
mode at least, an active structure, an unlocked account; then it is scoped to what the
session's structures may see.
"""

from __future__ import annotations

from collections.abc import Sequence

from .access import Verb
from .engine_parts import EngineParts
from .session import Session


class ReadScope(EngineParts):
    def my_structures(self, session: Session) -> list[int]:
        """The user's structures whose pieces the policy lets the session list (the acting
        one first; one without the works space, or inactive, is left out)."""
        with self.store.read() as conn:
            return self.org.access.usable_structures(conn, session, Verb.LIST_PIECES)

    def _scope(self, session: Session, ids: Sequence[int] | None) -> list[int]:
        with self.store.read() as conn:
            return self.org.access.scope(conn, session, Verb.LIST_PIECES, ids)

    def _require(self, session: Session, verb: Verb) -> None:
        with self.store.read() as conn:
            self.org.access.require(conn, session, verb)
