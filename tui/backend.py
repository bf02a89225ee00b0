"""The app's door to the core: opening the store, logging in, and the few reads that gather
several core calls for one screen. Every function here blocks: call it from a thread worker.

Nothing here decides a business question: the workflow, the queries and the rules do. The
module imports the sdk lazily so that SQLAlchemy stays off the path to the first frame.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decompte.sdk import vocabulary as V

if TYPE_CHECKING:
    from decompte.sdk.config import Config
    from decompte.sdk.core import Core
    from decompte.sdk.marches import IdentityLine
    from decompte.sdk.model import Marche, Piece, Structure, User
    from decompte.sdk.session import Session
    from decompte.sdk.sweep import SweepChange

#: Page cache of each SQLite connection in the app (SQLite's default is 2 MiB): a page of
#: table rows reads as fast with 512 KiB (measured on a 1.1 M-piece store), 1.5 MiB less a
#: connection.
APP_SQLITE_CACHE_KIB = 512

ROLE_ORDER = ("FOURNISSEUR", "COTRAITANT", "SOUSTRAITANT", "MOE", "MOA", "SERVICE_FINANCIER", "")
#: labels from the one vocabulary; "" is a structure with no role on any marché
ROLE_LABELS = {**V.ROLE_LABELS, "": V.NO_ROLE_LABEL}
MEMBER_LABELS = V.MEMBER_LABELS


@dataclass(frozen=True)
class Identity:
    """Who acts: a session (user + structure) and the role the structure holds on marchés."""

    session: Session
    actor_role: str  # an ActorRole value, "" when the structure is on no marché

    @property
    def structure(self) -> Structure:
        return self.session.structure

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.actor_role) or V.role_label(self.actor_role)

    @property
    def member_label(self) -> str:
        return MEMBER_LABELS.get(str(self.session.member_role), str(self.session.member_role))

    def describe(self) -> str:
        return f"{self.structure.name} · {self.role_label}"


def remove_store_files(target: str) -> None:
    """Delete a SQLite store and its siblings (-wal, -shm, .files)."""
    if "://" in target:
        return
    db = Path(target).expanduser()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{db}.files", ignore_errors=True)


class Backend:
    """Holds the Core once a worker has opened it."""

    def __init__(
        self, db_target: str, config: Config, clock: Callable[[], datetime], *, demo: bool = False
    ) -> None:
        self.db_target = db_target
        self.config = config
        self.clock = clock
        self.demo = demo
        self.core: Core | None = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.demo_users: dict[str, str] = {}
        self.demo_password = ""

    # -- opening ------------------------------------------------------------------------------
    def open(self, progress: Callable[[str], None] = lambda _text: None) -> Core:
        try:
            from decompte.sdk.core import Core

            def opened() -> Core:
                return Core.open(
                    self.db_target,
                    config=self.config,
                    clock=self.clock,
                    sqlite_cache_kib=APP_SQLITE_CACHE_KIB,
                )

            if self.demo:
                progress("Création de la base de démonstration…")
                remove_store_files(self.db_target)
                from decompte.sdk.demo import DEMO_PASSWORD, build_demo

                store = opened().store
                world = build_demo(
                    lambda clock: Core(store, self.config, clock), today=self.clock().date()
                )
                self.demo_users = dict(world["users"])  # type: ignore[arg-type]
                self.demo_password = DEMO_PASSWORD
                core = Core(store, self.config, self.clock)
            else:
                progress("Ouverture de la base…")
                core = opened()
            self.core = core
            return core
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.ready.set()

    def sweep(self) -> list[SweepChange]:
        """The deadline sweep as of the app's today (its timer); nothing on a store that is
        only consulted (read-only): there the sweep would be refused."""
        core = self.wait()
        if not core.workflow.writable:
            return []
        return core.workflow.sweep()

    def wait(self, timeout: float = 120.0) -> Core:
        if not self.ready.wait(timeout):
            raise TimeoutError("La base ne répond pas")
        if self.core is None:
            raise self.error or RuntimeError("Base non ouverte")
        return self.core

    def close(self) -> None:
        if self.core is not None:
            self.core.close()

    # -- identity -----------------------------------------------------------------------------
    def login(self, login: str, password: str) -> list[Identity]:
        core = self.wait()
        user = core.org.authenticate(login, password)
        return self.identities(user)

    def identities(self, user: User) -> list[Identity]:
        from decompte.sdk.errors import DecompteError, NotAuthorised

        core = self.wait()
        found: list[Identity] = []
        for membership in core.org.memberships(user.id):
            structure = core.org.structure(membership.structure_id)
            try:
                session = core.org.open_session(user, structure.identifier)
            except DecompteError:
                continue  # inactive structure: not offered
            roles = self.roles_of(structure.id)
            for role in sorted(roles or {""}, key=_role_rank):
                found.append(Identity(session, role))
        if not found:
            raise NotAuthorised(
                f"{user.login} n'est rattaché à aucune structure active",
                field="structure",
                hint="demandez un rattachement",
            )
        managers = ("GESTIONNAIRE_PRINCIPAL", "GESTIONNAIRE_SECONDAIRE")
        found.sort(
            key=lambda i: (
                str(i.session.member_role) not in managers,
                i.structure.name,
                _role_rank(i.actor_role),
            )
        )
        preferred = str(self.config.ui.get("structure", "")).replace(" ", "")
        found.sort(key=lambda i: i.structure.identifier != preferred)
        return found

    def roles_of(self, structure_id: int) -> set[str]:
        """The roles a structure holds on marchés (one query, not every marché loaded)."""
        return {str(role) for role in self.wait().register.roles_of(structure_id)}

    def marche_choices(
        self, structure_id: int, role: str = "", limit: int = 500
    ) -> list[tuple[str, str]]:
        """(number, object) of the marchés where the structure acts, for a pick list."""
        return self.wait().register.choices_for(structure_id, role=role, limit=limit)

    # -- reads gathered for one screen --------------------------------------------------------
    def marche_card(self, session: Session, number: str) -> tuple[Marche, list[IdentityLine]]:
        """The fiche identité of a marché, as the access policy lets this session read it
        (the same call as ``decompte marche show``)."""
        return self.wait().register.card(session, number)

    def piece_detail(self, session: Session, piece_id: int) -> PieceDetail:
        core = self.wait()
        q = core.queries
        piece = q.piece(session, piece_id)
        history = q.history(session, piece_id)
        dossier = q.dossier(session, piece.dossier_id)
        ids = {
            piece.supplier_structure_id,
            piece.recipient_structure_id,
            piece.moe_structure_id,
            piece.moa_structure_id,
            piece.holder_structure_id,
            piece.depositor_structure_id,
        }
        ids |= {e.structure_id for e in history}
        names = {}
        for sid in ids - {None}:
            names[sid] = core.org.structure(sid)
        cadre = core.cadres.get(piece.cadre)
        return PieceDetail(
            piece=piece,
            history=history,
            dossier=dossier,
            structures=names,
            attachments=self.attachments(session, piece_id),
            cadre_title=cadre.title if cadre else piece.cadre,
            document=cadre.document if cadre else piece.cadre,
            deadline=q.deadline(piece),
            tacit=q.tacit(piece),
            payment=q.payment(piece),
            actions=self.allowed_actions(session, piece),
            motives=core.workflow.refusal_motives(piece),
        )

    def attachments(self, session: Session, piece_id: int) -> list[dict[str, Any]]:
        return self.wait().queries.attachments(session, piece_id)

    def allowed_actions(self, session: Session, piece: Piece) -> list[str]:
        """The actions to offer: the workflow's own list (it decides), plus download."""
        core = self.wait()
        return [str(a) for a in core.workflow.allowed_actions(session, piece)] + ["download"]

    def perform(
        self, session: Session, action: str, piece_id: int, version: int, values: dict[str, Any]
    ) -> Piece:
        """Apply an action of the core's table (`decompte.sdk.actions`) with what its dialog
        asked (`reason`, `motive`, `engagement`, `service`), if the piece is still at
        `version`."""
        from decompte.sdk.actions import perform

        return perform(
            self.wait().workflow, session, action, piece_id, expected_version=version, **values
        )


def _role_rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


@dataclass
class PieceDetail:
    piece: Piece
    history: list[Any]
    dossier: dict[str, Any]
    structures: dict[int, Structure]
    attachments: list[dict[str, Any]]
    cadre_title: str  # « A4 — Projet de décompte mensuel déposé par un fournisseur »
    document: str
    deadline: Any
    payment: Any = None  # late_payment.PiecePayment: the payment deadline it carries
    actions: list[str] = field(default_factory=list)
    motives: list[str] = field(default_factory=list)  # refusal motives the holder may give
    tacit: Any = None  # the tacit procedure's countdown while the owner side is silent

    def name(self, structure_id: int | None) -> str:
        if structure_id is None:
            return "—"
        found = self.structures.get(structure_id)
        return found.name if found else str(structure_id)

    def ident(self, structure_id: int | None) -> str:
        if structure_id is None:
            return ""
        found = self.structures.get(structure_id)
        return found.identifier if found else ""
