"""Organisation: structures, services, bank details, user accounts, attachments, roles, spaces.

`Organisation` is the one object the engine and the front-ends hold (`core.org`); its parts
live in their own modules: `org_structures` (structures, services, bank details),
`org_accounts` (accounts, activation, login), `org_members` (attachments, roles, spaces).
Here are the two operations that span them: creating a structure (its creator becomes its
principal manager) and opening a session.
"""

from __future__ import annotations

from sqlalchemy import insert

from .errors import NotAuthorised, UsageError
from .model import SPACE_WORKS, Address, IdentifierType, MemberRole, RoutingMode, Structure, User
from .org_accounts import Accounts
from .org_members import Members
from .org_structures import Structures
from .session import Session
from .store.schema import attachment_requests, memberships, structure_spaces


class Organisation(Structures, Accounts, Members):
    """The organisation as one object: its parts' methods, and what spans them."""

    def create_structure(
        self,
        user: User,
        *,
        identifier: str,
        name: str,
        identifier_type: str = IdentifierType.SIRET,
        label: str = "",
        address: Address | None = None,
        public: bool = False,
        routing_mode: RoutingMode = RoutingMode.NONE,
    ) -> Structure:
        """Create a structure that does not exist yet: its creator becomes its principal
        manager and the structure gets the works space (seed 002)."""
        with self.store.write() as conn:
            sid = self._insert_structure(
                conn,
                identifier=identifier,
                identifier_type=identifier_type,
                name=name,
                label=label,
                address=address or Address(),
                public=public,
                routing_mode=routing_mode,
            )
            conn.execute(
                insert(memberships).values(
                    user_id=user.id, structure_id=sid, role=str(MemberRole.GP)
                )
            )
            conn.execute(
                insert(attachment_requests).values(
                    user_id=user.id,
                    structure_id=sid,
                    status="ACCEPTEE",
                    created_at=self.clock(),
                    decided_by=user.id,
                    decided_at=self.clock(),
                )
            )
            conn.execute(
                insert(structure_spaces).values(
                    structure_id=sid, space=SPACE_WORKS, mode="MODIFICATION"
                )
            )
        return self.structure(sid)

    # -- sessions -----------------------------------------------------------------------------
    def open_session(
        self, user: User, structure_identifier: str = "", *, inactive_ok: bool = False
    ) -> Session:
        """Pick the acting structure (by identifier, or the only one the user has).

        An inactive structure opens no session, except with `inactive_ok` (a manager coming
        to reactivate it: the policy still refuses every other verb)."""
        links = self.memberships(user.id)
        if not links:
            raise NotAuthorised(
                f"{user.login} n'est rattaché à aucune structure",
                field="structure",
                hint="demandez un rattachement",
            )
        if structure_identifier:
            target = self.structure_by_identifier(structure_identifier)
            chosen = next((m for m in links if m.structure_id == target.id), None)
            if chosen is None:
                raise NotAuthorised(
                    f"{user.login} n'est pas rattaché à {target.name}",
                    field="structure",
                    hint="choisissez une structure de vos rattachements",
                )
        elif len(links) == 1:
            chosen = links[0]
        else:
            raise UsageError(
                "Plusieurs structures possibles",
                field="structure",
                hint="précisez la structure avec --for IDENTIFIANT",
            )
        structure = self.structure(chosen.structure_id)
        if not structure.active and not inactive_ok:
            raise NotAuthorised(
                f"La structure {structure.name} est inactive",
                field="structure",
                hint="un gestionnaire doit la réactiver",
            )
        return Session(user, structure, chosen.role)
