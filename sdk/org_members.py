"""Who belongs to a structure and what they reach: attachment requests (rattachements) and
their decision, members and roles (handing over the principal manager's role), and the
portal's spaces with their subscriptions. Part of `Organisation` (org.py)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from .access import Verb
from .errors import Conflict, NotAuthorised, NotFound, UsageError
from .field_limits import check_choice
from .model import SPACE_WORKS, MemberRole, Membership, User
from .org_base import OrgBase
from .session import Session
from .store import rows as R
from .store.schema import (
    attachment_requests,
    memberships,
    space_subscriptions,
    structure_spaces,
    users,
)
from .text_safety import printable
from .vocabulary import MEMBER_LABELS

SPACES = (
    "ACTIVITES_GESTIONNAIRE",
    "MON_COMPTE",
    "FACTURES_EMISES",
    "SOLLICITATIONS_EMISES",
    SPACE_WORKS,
    "FACTURES_A_VALIDER",
    "ENGAGEMENTS",
    "SUIVI_DES_FLUX",
)
SPACE_MODES = ("CONSULTATION", "MODIFICATION")


class Members(OrgBase):
    # -- attachments and roles -----------------------------------------------------------------
    def request_attachment(self, user: User, structure_id: int) -> int:
        with self.store.write() as conn:
            if self._membership(conn, user.id, structure_id):
                raise Conflict("Vous êtes déjà rattaché à cette structure", field="structure")
            pending = conn.execute(
                select(attachment_requests.c.id).where(
                    attachment_requests.c.user_id == user.id,
                    attachment_requests.c.structure_id == structure_id,
                    attachment_requests.c.status == "EN_ATTENTE",
                )
            ).scalar()
            if pending:
                raise Conflict(
                    "Une demande de rattachement est déjà en attente",
                    field="structure",
                    hint="attendez la décision du gestionnaire",
                )
            return conn.execute(
                insert(attachment_requests).values(
                    user_id=user.id,
                    structure_id=structure_id,
                    status="EN_ATTENTE",
                    created_at=self.clock(),
                )
            ).inserted_primary_key[0]

    def pending_requests(self, session: Session) -> list[dict[str, object]]:
        self._require_manager(session, session.structure.id)
        a, u = attachment_requests.c, users.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(a.id, u.login, u.last_name, u.first_name, a.created_at)
                .join_from(attachment_requests, users, a.user_id == u.id)
                .where(a.structure_id == session.structure.id, a.status == "EN_ATTENTE")
            )
            return [dict(r._mapping) for r in rows]

    def decide_attachment(
        self, session: Session, request_id: int, accept: bool, role: MemberRole = MemberRole.USER
    ) -> None:
        role = _member_role(role)
        a = attachment_requests.c
        with self.store.write() as conn:
            req = conn.execute(select(attachment_requests).where(a.id == request_id)).first()
            if req is None:
                raise NotFound(f"Demande de rattachement {request_id} introuvable", field="request")
            self._require_manager(session, req.structure_id, conn=conn)
            if req.status != "EN_ATTENTE":
                raise Conflict("Cette demande a déjà été traitée", field="request")
            if role is MemberRole.GP:
                raise UsageError(
                    "Le rôle de gestionnaire principal se transfère",
                    field="role",
                    hint="utilisez le transfert du rôle GP",
                )
            conn.execute(
                update(attachment_requests)
                .where(a.id == request_id)
                .values(
                    status="ACCEPTEE" if accept else "REFUSEE",
                    decided_by=session.user.id,
                    decided_at=self.clock(),
                )
            )
            if accept:
                conn.execute(
                    insert(memberships).values(
                        user_id=req.user_id, structure_id=req.structure_id, role=str(role)
                    )
                )

    def memberships(self, user_id: int) -> list[Membership]:
        with self.store.read() as conn:
            rows = conn.execute(select(memberships).where(memberships.c.user_id == user_id))
            return [
                Membership(r.user_id, r.structure_id, _stored_role(r.role, r.structure_id))
                for r in rows
            ]

    def members(self, structure_id: int) -> list[tuple[User, MemberRole]]:
        m = memberships.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(users, m.role)
                .join_from(users, memberships, m.user_id == users.c.id)
                .where(m.structure_id == structure_id)
            )
            return [(R.user(r), _stored_role(r.role, structure_id)) for r in rows]

    def set_role(self, session: Session, user_id: int, role: MemberRole) -> None:
        """GP/GS change a member's role; only the GP may hand over the GP role."""
        role = _member_role(role)
        sid = session.structure.id
        self._require_manager(session, sid)
        if role is MemberRole.GP:
            return self.transfer_gp(session, user_id)
        with self.store.write() as conn:
            current = self._membership(conn, user_id, sid)
            if current is None:
                raise NotFound("Cet utilisateur n'est pas rattaché à la structure", field="user")
            if current is MemberRole.GP:
                raise NotAuthorised(
                    "Le gestionnaire principal ne peut pas être rétrogradé",
                    field="role",
                    hint="transférez d'abord le rôle GP",
                )
            conn.execute(
                update(memberships)
                .where(memberships.c.user_id == user_id, memberships.c.structure_id == sid)
                .values(role=str(role))
            )
        return None

    def transfer_gp(self, session: Session, to_user_id: int) -> None:
        sid = session.structure.id
        with self.store.write() as conn:
            self.access.require(conn, session, Verb.MANAGE_STRUCTURE, sid)
            if self._membership(conn, session.user.id, sid) is not MemberRole.GP:
                raise NotAuthorised(
                    "Seul le gestionnaire principal peut transférer son rôle", field="role"
                )
            if self._membership(conn, to_user_id, sid) is None:
                raise NotFound(
                    "Le destinataire du rôle n'est pas rattaché à la structure", field="user"
                )
            m = memberships.c
            conn.execute(
                update(memberships)
                .where(m.user_id == session.user.id, m.structure_id == sid)
                .values(role=str(MemberRole.GS))
            )
            conn.execute(
                update(memberships)
                .where(m.user_id == to_user_id, m.structure_id == sid)
                .values(role=str(MemberRole.GP))
            )

    # -- spaces -------------------------------------------------------------------------------
    def open_space(self, session: Session, space: str, mode: str = "MODIFICATION") -> None:
        _check_space(space)
        if mode not in SPACE_MODES:
            raise UsageError(
                f"Mode inconnu : {printable(str(mode))[:40]}",
                field="mode",
                hint="CONSULTATION ou MODIFICATION",
            )
        sid = session.structure.id
        self._require_manager(session, sid)
        with self.store.write() as conn:
            sp = structure_spaces.c
            exists = conn.execute(
                select(sp.mode).where(sp.structure_id == sid, sp.space == space)
            ).first()
            if exists:
                conn.execute(
                    update(structure_spaces)
                    .where(sp.structure_id == sid, sp.space == space)
                    .values(mode=mode)
                )
            else:
                conn.execute(
                    insert(structure_spaces).values(structure_id=sid, space=space, mode=mode)
                )

    def request_space(self, session: Session, space: str = SPACE_WORKS) -> str:
        """A simple user asks to subscribe; managers are subscribed at once."""
        _check_space(space)
        status = "ACCEPTEE" if session.is_manager else "EN_ATTENTE"
        ss = space_subscriptions.c
        with self.store.write() as conn:
            conn.execute(
                space_subscriptions.delete().where(
                    ss.user_id == session.user.id,
                    ss.structure_id == session.structure.id,
                    ss.space == space,
                )
            )
            conn.execute(
                insert(space_subscriptions).values(
                    user_id=session.user.id,
                    structure_id=session.structure.id,
                    space=space,
                    status=status,
                    decided_by=session.user.id if session.is_manager else None,
                )
            )
        return status

    def decide_space(self, session: Session, user_id: int, space: str, accept: bool) -> None:
        self._require_manager(session, session.structure.id)
        ss = space_subscriptions.c
        with self.store.write() as conn:
            done = conn.execute(
                update(space_subscriptions)
                .where(
                    ss.user_id == user_id,
                    ss.structure_id == session.structure.id,
                    ss.space == space,
                    ss.status == "EN_ATTENTE",
                )
                .values(status="ACCEPTEE" if accept else "REFUSEE", decided_by=session.user.id)
            )
            if done.rowcount == 0:
                raise NotFound("Aucune demande d'abonnement en attente", field="space")

    def _membership(self, conn: Connection, user_id: int, structure_id: int) -> MemberRole | None:
        role = conn.execute(
            select(memberships.c.role).where(
                memberships.c.user_id == user_id, memberships.c.structure_id == structure_id
            )
        ).scalar()
        return _stored_role(role, structure_id) if role else None


def _check_space(space: str) -> None:
    if space not in SPACES:
        raise UsageError(
            f"Espace inconnu : {printable(str(space))[:40]}",
            field="space",
            hint="espaces : " + ", ".join(SPACES),
        )


def _member_role(role: MemberRole | str) -> MemberRole:
    return check_choice("role", role, MemberRole, labels=MEMBER_LABELS, label="Rôle")


def _stored_role(role: str, structure_id: int) -> MemberRole:
    """A stored role; an unknown one reads as the least privileged (simple user)."""
    return R.enum_or(MemberRole, role, MemberRole.USER, "Rattachement à la structure", structure_id)
