"""The engine's entry point for pieces: deposit (through `deposit.Deposits`), then take into
account, refuse, suspend, complete, validate; the validators' deadline sweep; download.

Every action checks authorisation (`access`), runs in one transaction that re-reads the piece,
updates it with an optimistic version check and appends events to the append-only history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import NoResultFound

from . import states as S
from .access import Verb
from .cadres import Cadre, CadreTable
from .config import Config
from .deposit import Deposits, Receipt
from .errors import Conflict, NotAuthorised, NotFound, UsageError
from .extensions import Extensions, NoExtensions
from .files_check import AttachmentInput
from .findings import Finding
from .model import Piece, PieceDraft
from .org import Organisation
from .piece_rows import (
    close_dossier,
    load_piece,
    move,
    piece_row,
    record_event,
    start_payment_clock,
)
from .rules import BUILTIN_RULES, Rule
from .session import Session
from .states import Action, Holder, Motive, Stage
from .store import Store
from .store.schema import attachments, events, pieces
from .vocabulary import TO_HOLDER


@dataclass(frozen=True, slots=True)
class _Step:
    to: str
    holder_id: int | None
    holder_role: str
    since: date | None
    acting_role: str
    closes: str = ""  # dossier status set by this step ("TERMINE", "REFUSE")


class Workflow:
    """Deposits and the transitions of pieces, for the app, the CLI and plugins."""

    def __init__(
        self,
        store: Store,
        org: Organisation,
        cadres: CadreTable,
        config: Config,
        clock: Callable[[], datetime],
        extensions: Extensions | None = None,
        rules: Sequence[Rule] = BUILTIN_RULES,
    ) -> None:
        self.store = store
        self.org = org
        self.cadres = cadres
        self.config = config
        self.clock = clock
        self.extensions = extensions or NoExtensions()
        self.deposits = Deposits(store, org, cadres, config, clock, extensions, rules)

    @property
    def rules(self) -> Sequence[Rule]:
        """The rules run in-process besides the plugins' (none when the plugins bring them)."""
        return self.deposits.rules

    @rules.setter
    def rules(self, rules: Sequence[Rule]) -> None:
        self.deposits.rules = rules

    def today(self) -> date:
        return self.clock().date()

    def check(
        self,
        session: Session,
        draft: PieceDraft,
        *,
        file: Path | None = None,
        attachments_in: Iterable[AttachmentInput] = (),
        after: int | None = None,
    ) -> list[Finding]:
        """Every finding a deposit of this draft would meet, without writing anything."""
        return self.deposits.check(
            session, draft, file=file, attachments_in=attachments_in, after=after
        )

    def deposit(
        self,
        session: Session,
        draft: PieceDraft,
        *,
        file: Path | None = None,
        attachments_in: Iterable[AttachmentInput] = (),
        after: int | None = None,
        confirm_warnings: bool = False,
    ) -> Receipt:
        """Initial deposit, or the next piece of a dossier when `after` names the previous."""
        return self.deposits.deposit(
            session,
            draft,
            file=file,
            attachments_in=attachments_in,
            after=after,
            confirm_warnings=confirm_warnings,
        )

    def allowed_actions(self, session: Session, piece: Piece) -> list[Action]:
        """What the acting structure may do on this piece now (the app offers only these)."""
        stage = S.state(piece.state).stage
        me = session.structure.id
        if stage is Stage.SUSPENDED:
            return [Action.COMPLETE] if me == piece.depositor_structure_id else []
        if me != piece.holder_structure_id:
            return []
        allowed = [a for a in S.HOLDER_ACTIONS[stage] if a is not Action.COMPLETE]
        if piece.holder_role not in S.SUSPENDERS:
            allowed = [a for a in allowed if a is not Action.SUSPEND]
        if Action.ASSOCIATE in allowed and not self.next_cadres(piece):
            allowed.remove(Action.ASSOCIATE)
        order = list(Action)
        return sorted(allowed, key=order.index)

    def next_cadres(self, piece: Piece) -> list[Cadre]:
        """Cadres the holder may deposit after this piece."""
        return [c for c in self.cadres.next_after(piece.cadre) if c.by_holder]

    def take(
        self, session: Session, piece_id: int, *, expected_version: int | None = None
    ) -> Piece:
        """Take into account (prise en compte): the holder acknowledges the piece."""
        return self._act(session, piece_id, Action.TAKE, expected_version)

    def refuse(
        self,
        session: Session,
        piece_id: int,
        motive: Motive | str,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> Piece:
        try:
            motive = Motive(str(motive).upper())
        except ValueError:
            raise UsageError(
                f"Motif de refus inconnu : {motive}",
                field="motive",
                hint="ACHEMINEMENT (erreur dans les données d'acheminement) ou AUTRE_MOTIF",
            ) from None
        return self._act(
            session, piece_id, Action.REFUSE, expected_version, reason=reason, motive=motive
        )

    def suspend(
        self, session: Session, piece_id: int, reason: str, *, expected_version: int | None = None
    ) -> Piece:
        return self._act(session, piece_id, Action.SUSPEND, expected_version, reason=reason)

    def complete(
        self,
        session: Session,
        piece_id: int,
        note: str,
        *,
        engagement: str | None = None,
        service_code: str | None = None,
        expected_version: int | None = None,
    ) -> Piece:
        changes = {
            k: v
            for k, v in (("engagement", engagement), ("service_code", service_code))
            if v is not None
        }
        if "engagement" in changes and len(changes["engagement"]) > 50:
            raise UsageError(
                "Numéro d'engagement trop long (50 caractères au plus)", field="engagement"
            )
        return self._act(
            session, piece_id, Action.COMPLETE, expected_version, reason=note, changes=changes
        )

    def validate(
        self, session: Session, piece_id: int, *, expected_version: int | None = None
    ) -> Piece:
        return self._act(session, piece_id, Action.VALIDATE, expected_version)

    def _act(
        self,
        session: Session,
        piece_id: int,
        action: Action,
        expected_version: int | None,
        *,
        reason: str = "",
        motive: Motive | None = None,
        changes: dict[str, str] | None = None,
    ) -> Piece:
        reason = reason.strip()
        if action in (Action.REFUSE, Action.SUSPEND, Action.COMPLETE) and not reason:
            what = {
                Action.REFUSE: "le motif du refus",
                Action.SUSPEND: "les informations manquantes",
                Action.COMPLETE: "ce qui a été complété",
            }[action]
            raise UsageError(
                "Le commentaire est obligatoire", field="reason", hint=f"précisez {what}"
            )
        now, today = self.clock(), self.today()
        with self.store.write() as conn:
            self.org.access.require(conn, session, Verb.PROCESS)
            row = piece_row(conn, piece_id, lock=True)
            self.org.access.require_target(conn, session, Verb.PROCESS, row)
            if expected_version is not None and row.version != expected_version:
                raise Conflict(
                    "La pièce a été modifiée par quelqu'un d'autre",
                    field="version",
                    hint="rechargez la pièce avant d'agir",
                )
            stage = S.state(row.state).stage
            if action not in S.HOLDER_ACTIONS[stage]:
                raise Conflict(
                    f"Action « {S.ACTION_LABELS[action]} » impossible : la pièce est "
                    f"« {S.label(row.state)} »",
                    field="state",
                    hint="rechargez la pièce : quelqu'un a peut-être agi avant vous",
                )
            actor_id = (
                row.depositor_structure_id if action is Action.COMPLETE else row.holder_structure_id
            )
            if session.structure.id != actor_id:
                raise NotAuthorised(
                    "La pièce attend une autre structure",
                    field="piece",
                    hint="seul le détenteur de la pièce peut la traiter",
                )
            role = row.holder_role
            if action is Action.VALIDATE:
                self._validated(conn, session, row, role, now, today)
            else:
                step = self._step(conn, row, action, role, today, motive)
                move(
                    conn,
                    row,
                    step.to,
                    step.holder_id,
                    step.holder_role,
                    step.since,
                    today,
                    changes=changes if action is Action.COMPLETE else None,
                )
                record_event(
                    conn,
                    now,
                    session,
                    row.id,
                    row.dossier_id,
                    step.acting_role,
                    action,
                    row.state,
                    step.to,
                    reason,
                )
                if step.closes:
                    close_dossier(conn, row.dossier_id, step.closes, now)
            piece = load_piece(conn, piece_id)
        self.extensions.emit(
            "state_changed",
            {
                "piece": piece,
                "action": str(action),
                "from_state": row.state,
                "to_state": piece.state,
                "reason": reason,
            },
        )
        return piece

    def _step(
        self,
        conn: Connection,
        row: Row,
        action: Action,
        role: str,
        today: date,
        motive: Motive | None,
    ) -> _Step:
        """Where a take / refuse / suspend / complete leads, and who holds the piece next."""
        if action is Action.TAKE:
            cadre = self.cadres.get(row.cadre)
            final = cadre is not None and cadre.final and role == str(cadre.next_role)
            return _Step(
                S.taken_state(role),
                row.holder_structure_id,
                role,
                row.holder_since,
                role,
                "TERMINE" if final else "",
            )
        if action is Action.REFUSE:
            assert motive is not None
            if motive not in S.REFUSAL_MOTIVES.get(role, frozenset()):
                allowed = ", ".join(sorted(S.REFUSAL_MOTIVES.get(role, ()))) or "aucun"
                raise UsageError(
                    f"Motif {motive} non admis pour {role}",
                    field="motive",
                    hint=f"motifs possibles : {allowed}",
                )
            return _Step(
                S.refused_state(role, motive),
                row.depositor_structure_id,
                Holder.DEPOSANT,
                today,
                role,
                "REFUSE" if row.previous_id is None else "",
            )
        if action is Action.SUSPEND:
            if role not in S.SUSPENDERS:
                raise NotAuthorised(
                    "Un valideur ne suspend pas une pièce",
                    field="piece",
                    hint="validez-la ou refusez-la",
                )
            return _Step("SUSPENDUE", row.depositor_structure_id, Holder.DEPOSANT, today, role)
        # COMPLETE: back to whoever suspended it
        last = conn.execute(
            select(events.c.structure_id, events.c.acting_role)
            .where(events.c.piece_id == row.id, events.c.action == str(Action.SUSPEND))
            .order_by(events.c.id.desc())
            .limit(1)
        ).first()
        return _Step("COMPLETEE", last.structure_id, last.acting_role, today, "DEPOSANT")

    def _validated(
        self,
        conn: Connection,
        session: Session | None,
        row: Row,
        role: str,
        now: datetime,
        today: date,
        *,
        expired: bool = False,
    ) -> None:
        first = role == Holder.PREMIER_VALIDEUR
        if expired:
            to, action = (
                "VALIDATION_1_HORS_DELAI" if first else "VALIDATION_2_HORS_DELAI",
                Action.EXPIRE,
            )
        else:
            to, action = f"VALIDEE_PAR_{role}", Action.VALIDATE
        if first and row.validator2_structure_id:
            record_event(
                conn, now, session, row.id, row.dossier_id, role, action, row.state, to, ""
            )
            forward = "MISE_A_DISPOSITION_SECOND_VALIDEUR"
            move(conn, row, forward, row.validator2_structure_id, Holder.SECOND_VALIDEUR, today)
            record_event(
                conn,
                now,
                session,
                row.id,
                row.dossier_id,
                role,
                Action.FORWARD,
                to,
                forward,
                "Transmise au second valideur",
            )
            return
        cadre = self.cadres.get(row.cadre)
        next_role = str(cadre.next_role) if cadre else Holder.MOE
        move(conn, row, to, row.next_structure_id, next_role, today)
        record_event(
            conn,
            now,
            session,
            row.id,
            row.dossier_id,
            role,
            action,
            row.state,
            to,
            f"Transmise {TO_HOLDER.get(Holder(next_role), next_role)}",
        )
        if next_role == Holder.MOE:
            start_payment_clock(conn, row.dossier_id, today)

    def sweep(self) -> int:
        """Move pieces whose validator let the delay pass to VALIDATION n HORS DELAI."""
        today, now = self.today(), self.clock()
        limit = today - timedelta(days=self.config.deadlines.validator_days)
        moved = 0
        for state_code in (
            "MISE_A_DISPOSITION_PREMIER_VALIDEUR",
            "MISE_A_DISPOSITION_SECOND_VALIDEUR",
        ):
            with self.store.read() as conn:
                ids = list(
                    conn.execute(
                        select(pieces.c.id).where(
                            pieces.c.state == state_code, pieces.c.holder_since < limit
                        )
                    ).scalars()
                )
            for piece_id in ids:
                with self.store.write() as conn:
                    row = piece_row(conn, piece_id, lock=True)
                    if row.state != state_code:
                        continue
                    self._validated(conn, None, row, row.holder_role, now, today, expired=True)
                moved += 1
                self.extensions.emit(
                    "deadline_crossed", {"piece": self.piece(piece_id), "deadline": "validation"}
                )
        return moved

    def download(self, session: Session, piece_id: int, folder: Path) -> list[Path]:
        """Copy the piece's file and attachments (sha256 checked) into `folder`; the piece is
        then marked downloaded for its holder (Synthèse filter)."""
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.DOWNLOAD)
            row = piece_row(conn, piece_id)
            self.org.access.require_target(conn, session, Verb.DOWNLOAD, row)
            items = [(row.file_name, row.file_sha256)] if row.file_sha256 else []
            items += [
                (a.name, a.sha256)
                for a in conn.execute(
                    select(attachments.c.name, attachments.c.sha256)
                    .where(attachments.c.piece_id == piece_id)
                    .order_by(attachments.c.id)
                )
            ]
        written = []
        for name, sha in items:
            safe = Path(name).name or sha
            written.append(self.store.files.copy_to(sha, folder / f"{row.number}-{safe}"))
        if row.holder_structure_id == session.structure.id and not row.downloaded:
            with self.store.write() as conn:
                conn.execute(update(pieces).where(pieces.c.id == piece_id).values(downloaded=True))
        return written

    def piece(self, piece_id: int, session: Session | None = None) -> Piece:
        with self.store.read() as conn:
            if session is not None:
                self.org.access.require(conn, session, Verb.READ_PIECE)
                self.org.access.require_target(
                    conn, session, Verb.READ_PIECE, piece_row(conn, piece_id)
                )
            try:
                return load_piece(conn, piece_id)
            except NoResultFound:
                raise NotFound(f"Pièce {piece_id} introuvable", field="piece") from None
