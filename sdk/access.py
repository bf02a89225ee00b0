"""The one access policy: may this user, acting for this structure, do this (verb) on this
piece, dossier, marché, structure detail or bank detail?

Every read and write of the core asks here, so the answer is the same from the CLI, the app
and plugins. Two questions, always in this order:

1. *who* (`Access.require(conn, session, verb)`): the account is active and not locked, the
   user is still attached to the acting structure, the structure is active, and the
   « Factures de travaux » space is open for the user there (consultation mode for reads,
   modification mode for writes; managers only for management verbs);
2. *what* (`Access.require_target(conn, session, verb, target)`): the piece, the dossier, the
   marché or the structure is one the acting structure is party to. What it may not see is
   « introuvable » (exit code 5): a refusal would tell that it exists.

`require(conn, session, verb, target)` asks both; `allows` is the same question answered yes
or no (what a screen may offer). `may_receive(structure)` says whether a
structure may be sent pieces (an inactive one receives nothing).

The deadline sweep (`Workflow.sweep`, `decompte sweep`) is the system's, not a user's: like a
cron job it acts for no one (history « systeme ») and asks no session, only that the store
can be written (a read-only store refuses it by name, exit 4). It applies only what the
transition table and the configured delays decide, never a user's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BindParameter, Connection, and_, bindparam, or_, select

from .errors import NotAuthorised, NotFound
from .model import SPACE_WORKS, Marche, MemberRole, Structure
from .session import Session
from .store.rows import enum_or
from .store.schema import (
    marche_actors,
    memberships,
    pieces,
    space_subscriptions,
    structure_spaces,
    structures,
    users,
)

READ, WRITE = "CONSULTATION", "MODIFICATION"
MANAGERS = (MemberRole.GP, MemberRole.GS)


class Verb(StrEnum):
    """What a user asks to do; each verb has one rule in `RULES`."""

    DEPOSIT = "deposit"
    PROCESS = "process"  # take into account, refuse, suspend, complete, validate
    DOWNLOAD = "download"
    READ_PIECE = "read_piece"  # show, history, certificate, attachments
    READ_DOSSIER = "read_dossier"
    LIST_PIECES = "list_pieces"  # Synthèse, Rechercher, stock, fiscal list, archives
    EXPORT = "export"
    DECLARE_MARCHE = "declare_marche"
    READ_MARCHE = "read_marche"  # fiche identité du marché
    LIST_MARCHES = "list_marches"
    READ_STRUCTURE = "read_structure"  # fiche structure: address, status, services
    READ_BANK = "read_bank"  # coordonnées bancaires of the acting structure
    MANAGE_STRUCTURE = "manage_structure"  # services, bank details, spaces, members, status
    REACTIVATE_STRUCTURE = "reactivate_structure"


@dataclass(frozen=True, slots=True)
class Rule:
    """What the *who* question demands for a verb."""

    space: str | None  # mode of the works space needed on the acting structure
    manager: bool = False  # GP or GS of the target structure (seed 002)
    manager_suffices: bool = False  # a manager needs no space subscription for it
    while_inactive: bool = False  # allowed on an inactive structure


RULES: dict[Verb, Rule] = {
    Verb.DEPOSIT: Rule(WRITE),
    Verb.PROCESS: Rule(WRITE),
    Verb.DOWNLOAD: Rule(READ),
    Verb.READ_PIECE: Rule(READ),
    Verb.READ_DOSSIER: Rule(READ),
    Verb.LIST_PIECES: Rule(READ),
    Verb.EXPORT: Rule(READ),
    Verb.DECLARE_MARCHE: Rule(WRITE),
    Verb.READ_MARCHE: Rule(READ),
    Verb.LIST_MARCHES: Rule(READ),
    Verb.READ_STRUCTURE: Rule(None),
    # Seed 003: the GP or GS declare the bank details on the structure record; the users who
    # deposit pick them from a list, so reading them needs the works space.
    Verb.READ_BANK: Rule(READ, manager_suffices=True),
    Verb.MANAGE_STRUCTURE: Rule(None, manager=True),
    # Seed 002: the GP and GS hold « tous les droits d'administrateur gestionnaire sur la
    # structure »; there is no platform administrator in the seeds.
    Verb.REACTIVATE_STRUCTURE: Rule(None, manager=True, while_inactive=True),
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the policy reads about a user on a structure, in one statement."""

    user_active: bool
    locked_until: datetime | None
    role: MemberRole | None
    structure_active: bool
    space_mode: str | None  # mode granted to this user ('MODIFICATION', 'CONSULTATION', None)


def _facts_statement() -> Any:
    sp, ss, m, st, u = (
        structure_spaces.c,
        space_subscriptions.c,
        memberships.c,
        structures.c,
        users.c,
    )
    user: BindParameter[int] = bindparam("user_id")
    structure: BindParameter[int] = bindparam("structure_id")
    return (
        select(u.active, u.locked_until, m.role, ss.status, st.active.label("st_active"), sp.mode)
        .select_from(users)
        .outerjoin(structures, st.id == structure)
        .outerjoin(memberships, and_(m.structure_id == structure, m.user_id == u.id))
        .outerjoin(structure_spaces, and_(sp.structure_id == structure, sp.space == SPACE_WORKS))
        .outerjoin(
            space_subscriptions,
            and_(ss.structure_id == structure, ss.user_id == u.id, ss.space == SPACE_WORKS),
        )
        .where(u.id == user)
    )


_FACTS = _facts_statement()

_PARTY_COLUMNS = (
    pieces.c.depositor_structure_id,
    pieces.c.holder_structure_id,
    pieces.c.supplier_structure_id,
    pieces.c.moe_structure_id,
    pieces.c.moa_structure_id,
    pieces.c.recipient_structure_id,
    pieces.c.validator1_structure_id,
    pieces.c.validator2_structure_id,
)


class Access:
    """The policy. Decisions are read from the store at each call (a role, a subscription,
    a lock or a structure's status changed since the login counts at once)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    # -- facts --------------------------------------------------------------------------------
    def facts(self, conn: Connection, user_id: int, structure_id: int) -> Facts:
        row = conn.execute(_FACTS, {"user_id": user_id, "structure_id": structure_id}).first()
        if row is None:
            return Facts(False, None, None, False, None)
        # An unknown stored role reads as the least privileged one (store/rows.py).
        role = (
            enum_or(MemberRole, row.role, MemberRole.USER, "Rôle", structure_id)
            if row.role
            else None
        )
        granted = role is not None and (role in MANAGERS or row.status == "ACCEPTEE")
        return Facts(
            bool(row.active),
            row.locked_until,
            role,
            bool(row.st_active),
            row.mode if granted else None,
        )

    # -- who ----------------------------------------------------------------------------------
    def require(self, conn: Connection, session: Session, verb: Verb, target: Any = None) -> None:
        """The user may do `verb` acting for the session's structure (and on `target`)."""
        structure_id = session.structure.id
        if RULES[verb].manager and isinstance(target, int):
            structure_id = target
        facts = self.facts(conn, session.user.id, structure_id)
        self._decide(session, verb, facts, structure_id)
        if target is not None:
            self.require_target(conn, session, verb, target)

    def allows(self, conn: Connection, session: Session, verb: Verb, target: Any = None) -> bool:
        """`require` as a yes or no (what a screen offers): False where it would refuse."""
        try:
            self.require(conn, session, verb, target)
        except (NotAuthorised, NotFound):
            return False
        return True

    def _decide(self, session: Session, verb: Verb, facts: Facts, structure_id: int) -> None:
        rule = RULES[verb]
        if not facts.user_active:
            raise NotAuthorised(
                f"Le compte {session.user.login} n'est pas actif",
                field="login",
                hint="activez le compte avec le code reçu par courriel",
            )
        if facts.locked_until is not None and facts.locked_until > self.clock():
            raise NotAuthorised(
                "Compte verrouillé après trop d'échecs",
                field="login",
                hint=f"réessayez après {facts.locked_until:%H:%M}",
            )
        if facts.role is None:
            raise NotAuthorised(
                f"{session.user.login} n'est pas rattaché à cette structure",
                field="structure",
                hint="demandez un rattachement au gestionnaire de la structure",
            )
        if not facts.structure_active and not rule.while_inactive:
            which = session.structure.name if structure_id == session.structure.id else ""
            raise NotAuthorised(
                f"La structure {which} est inactive" if which else "La structure est inactive",
                field="structure",
                hint="un gestionnaire (principal ou secondaire) doit la réactiver "
                "(`decompte structure activate on`)",
            )
        manager = facts.role in MANAGERS
        if rule.manager and not manager:
            raise NotAuthorised(
                "Action réservée aux gestionnaires de la structure",
                field="structure",
                hint="demandez au gestionnaire principal ou secondaire",
            )
        if rule.space is None or (rule.manager_suffices and manager):
            return
        if facts.space_mode is None:
            raise NotAuthorised(
                "L'espace « Factures de travaux » n'est pas ouvert pour vous sur "
                f"{session.structure.name}",
                field="space",
                hint="demandez l'abonnement à un gestionnaire de la structure",
            )
        if rule.space == WRITE and facts.space_mode != WRITE:
            raise NotAuthorised(
                "Espace « Factures de travaux » en consultation seulement",
                field="space",
                hint="demandez le mode modification à un gestionnaire de la structure",
            )

    def scope(
        self, conn: Connection, session: Session, verb: Verb, ids: Iterable[int] | None
    ) -> list[int]:
        """The structures a list read covers: the acting one by default; others must be the
        user's and pass the same rule (those that do not are refused, not skipped)."""
        self.require(conn, session, verb)
        if ids is None:
            return [session.structure.id]
        wanted = list(dict.fromkeys(ids))
        for sid in wanted:
            if sid == session.structure.id:
                continue
            facts = self.facts(conn, session.user.id, sid)
            if facts.role is None:
                raise NotFound(
                    "Structure hors de vos rattachements",
                    field="structure",
                    hint="choisissez une de vos structures",
                )
            self._decide(session, verb, facts, sid)
        return wanted

    def usable_structures(self, conn: Connection, session: Session, verb: Verb) -> list[int]:
        """Every structure of the user where `verb` is allowed (the acting one must be)."""
        self.require(conn, session, verb)
        found = [session.structure.id]
        mine = conn.execute(
            select(memberships.c.structure_id).where(memberships.c.user_id == session.user.id)
        ).scalars()
        for sid in mine:
            if sid in found:
                continue
            try:
                self._decide(session, verb, self.facts(conn, session.user.id, sid), sid)
            except NotAuthorised:
                continue
            found.append(sid)
        return found

    # -- what ---------------------------------------------------------------------------------
    # What may not be seen is answered exactly as what does not exist (same message, hint,
    # exit code), so that no answer tells that it exists.
    def require_target(self, conn: Connection, session: Session, verb: Verb, target: Any) -> None:
        """The acting structure is party to `target` (a piece row, a dossier's pieces, a
        marché, a structure, a structure id for bank and management verbs)."""
        me = session.structure.id
        if verb in (Verb.READ_PIECE, Verb.PROCESS, Verb.DOWNLOAD, Verb.DEPOSIT):
            if not visible(conn, me, target):
                raise NotFound(
                    f"Pièce {target.id} introuvable",
                    field="piece",
                    hint="vérifiez le numéro ou la structure pour laquelle vous agissez",
                )
        elif verb is Verb.READ_DOSSIER:
            if not any(me in _parties(r) for r in target):
                raise NotFound(f"Dossier {target[0].dossier_id} introuvable", field="dossier")
        elif verb in (Verb.READ_MARCHE, Verb.DECLARE_MARCHE):
            if not marche_party(target, me):
                raise unseen_marche(target.number)
        elif verb is Verb.READ_STRUCTURE:
            if not self._structure_visible(conn, session, target):
                raise NotFound(
                    f"Structure {target.identifier} introuvable",
                    field="structure",
                    hint="vérifiez l'identifiant ou cherchez par raison sociale",
                )
        elif verb is Verb.READ_BANK and target != me:
            raise NotFound(
                "Coordonnées bancaires introuvables",
                field="structure",
                hint="seules celles de la structure pour laquelle vous agissez se lisent",
            )

    def _structure_visible(self, conn: Connection, session: Session, target: Structure) -> bool:
        """A public structure (the directory of public recipients), one of the user's, or one
        that shares a marché with the acting structure."""
        if target.public or target.id == session.structure.id:
            return True
        m, a = memberships.c, marche_actors.c
        if conn.execute(
            select(m.structure_id).where(m.user_id == session.user.id, m.structure_id == target.id)
        ).first():
            return True
        mine = select(a.marche_id).where(a.structure_id == session.structure.id)
        return (
            conn.execute(
                select(a.marche_id).where(a.structure_id == target.id, a.marche_id.in_(mine))
            ).first()
            is not None
        )


# -- decisions that need no session ------------------------------------------------------------
def may_receive(structure: Structure) -> bool:
    """A structure may be sent a piece (recipient, MOE, validator, holder): an inactive one
    receives nothing."""
    return structure.active


def marche_party(marche: Marche, structure_id: int) -> bool:
    """The structure is on the marché's identity card (as an actor or a validator)."""
    return any(structure_id in (a.structure_id, a.validator_structure_id) for a in marche.actors)


def visible(conn: Connection, structure_id: int, row: Any) -> bool:
    """A structure sees a piece it is party to, or any piece of a dossier it is party to."""
    if structure_id in _parties(row):
        return True
    party = or_(*(column == structure_id for column in _PARTY_COLUMNS))
    same_dossier = pieces.c.dossier_id == row.dossier_id
    return conn.execute(select(pieces.c.id).where(same_dossier, party).limit(1)).first() is not None


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


def unseen_marche(number: str) -> NotFound:
    """The one answer for a marché that does not exist or that the acting structure is not on
    (the deposit, the identity card, the palette and the CLI all give it)."""
    return NotFound(
        f"Marché {number.strip()} introuvable",
        field="marche_number",
        hint="vérifiez le numéro : seuls les acteurs de la fiche identité du marché le voient",
    )
