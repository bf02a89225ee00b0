"""The engine's entry point for pieces: deposit (through `deposit.Deposits`), then take into
account, refuse, suspend, complete, validate; the validators' deadline sweep; download.

Every action checks authorisation (`access`), then applies the row of the transition table
(`transitions`) that matches the piece, in one transaction that re-reads the piece, updates it
with an optimistic version check and appends events to the append-only history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError, NoResultFound

from . import completion, safe_paths
from .access import Verb
from .actions import USER_ACTIONS, piece_action
from .cadres import Cadre, CadreTable
from .config import Config
from .deadlines import Deadline, add_days
from .deposit import Deposits, Receipt, discard_unreferenced
from .engine_parts import EngineParts
from .errors import Conflict, NotFound, UsageError, ValidationRefused
from .extensions import Extensions, NoExtensions
from .field_limits import check_field
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
    structures_by_id,
)
from .routing import receiving
from .rules import BUILTIN_RULES, Rule
from .session import Session
from .states import STATES, Action, Motive, Stage
from .store import Store
from .store.engine import is_read_only, read_only_error
from .store.schema import attachments, events, pieces
from .sweep import VALIDATION, NoticeKind, SweepChange, notice_flags
from .transitions import (
    PAYMENT_CLOCK_ROLES,
    TRANSITIONS,
    NextHolder,
    Situation,
    Transition,
    holder_after,
    motive_refusal,
)
from .vocabulary import (
    ACTION_LABELS,
    COMMENT_PROMPTS,
    PAID_NOTE,
    REASON_TEXTS,
    TO_HOLDER,
    TRANSITION_REFUSALS,
)

#: What an action writes besides its fields, in its transaction (`Workflow._act`).
Supply = Callable[[Connection, Row, date], tuple[dict[str, object], str]]


class Workflow(EngineParts):
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
        super().__init__(store, org, cadres, config, clock)
        self.extensions = extensions or NoExtensions()
        self.deposits = Deposits(self, self.extensions, rules)
        self.transitions = TRANSITIONS

    @property
    def rules(self) -> Sequence[Rule]:
        """The rules run in-process besides the plugins' (none when the plugins bring them)."""
        return self.deposits.rules

    @rules.setter
    def rules(self, rules: Sequence[Rule]) -> None:
        self.deposits.rules = rules

    @property
    def writable(self) -> bool:
        """False on a store opened read-only (an archived copy): it is only consulted."""
        return not is_read_only(self.store.engine)

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
        """What the acting structure may do on this piece now (the app offers only these):
        the user actions with a row of the transition table that it may apply, none when the
        access policy would refuse them (consultation only, locked account, inactive structure)
        or when the store is only consulted (read-only)."""
        if not self.writable:
            return []
        with self.store.read() as conn:
            verbs = {Verb.PROCESS, Verb.DEPOSIT}
            may = {v for v in verbs if self.org.access.allows(conn, session, v)}
        s = Situation(piece, self.cadres.get(piece.cadre), session.structure.id, cadres=self.cadres)
        return [
            a
            for a in USER_ACTIONS
            if (Verb.DEPOSIT if piece_action(a).deposit else Verb.PROCESS) in may
            and self.transitions.offered(a, s)
        ]

    def refusal_motives(self, piece: Piece) -> list[str]:
        """The motives the piece's holder may give to refuse it (the table's refusal rows for
        its state, cadre and holder role, a plugin's included)."""
        return self.transitions.motives(piece.state, piece.cadre, piece.holder_role)

    def next_cadres(self, piece: Piece) -> list[Cadre]:
        """Cadres the holder may deposit after this piece."""
        return [c for c in self.cadres.next_after(piece.cadre) if c.by_holder]

    def cadres_after(self, piece: Piece, structure_id: int) -> list[Cadre]:
        """Cadres this structure may deposit after this piece now, as the transition table's
        association rows say (the holder's, and the tacit procedure's: A22 and A23 by the
        supplier, A24 by the MOE for the MOA holding the A22)."""
        cadre = self.cadres.get(piece.cadre)
        return [
            c
            for c in self.cadres.next_after(piece.cadre)
            if self.transitions.offered(
                Action.ASSOCIATE, Situation(piece, cadre, structure_id, next_cadre=c)
            )
        ]

    def take(
        self, session: Session, piece_id: int, *, expected_version: int | None = None
    ) -> Piece:
        """Take into account (prise en compte): the holder acknowledges the piece."""
        return self._act(session, piece_id, Action.TAKE, expected_version)

    def refuse(
        self,
        session: Session,
        piece_id: int,
        motive: Motive | str | None,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> Piece:
        """Refuse the piece for `motive` (a `Motive`, its code in any case): there is no
        default; a missing (None, "") or inadmissible motive is a usage error listing those
        the piece's holder may give (`transitions.motive_refusal`)."""
        code = str(motive or "").strip().upper()
        return self._act(
            session, piece_id, Action.REFUSE, expected_version, reason=reason, motive=code
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
        attachments_in: Iterable[AttachmentInput] = (),
        file: Path | None = None,
        confirm_warnings: bool = False,
        expected_version: int | None = None,
    ) -> Piece:
        """Complete a suspended piece: only its depositor may (the transition table), with a
        comment saying what was supplied, and attachments, a new file for the piece (see
        `completion`: only while it is SUSPENDUE, the replaced file kept as an attachment),
        a new engagement or service code. The files are checked as at deposit before
        anything is written, after the policy and the table have let the user complete this
        piece; then files, changes, state and one history event naming what was added are
        written in one transaction, and the blobs of a failed one are removed."""
        reason = self._comment(Action.COMPLETE, note)
        changes = {
            k: v
            for k, v in (("engagement", engagement), ("service_code", service_code))
            if v is not None
        }
        if "engagement" in changes:
            changes["engagement"] = check_field(
                "engagement", changes["engagement"], label="Numéro d'engagement", strip=True
            )
        if "service_code" in changes:
            changes["service_code"] = check_field(
                "service_code", changes["service_code"], label="Code service", strip=True
            )
        with self.store.read() as conn:  # who may complete it, before its files are read
            self.org.access.require(conn, session, Verb.PROCESS)
            row = piece_row(conn, piece_id)
            self.org.access.require_target(conn, session, Verb.PROCESS, row)
            s = Situation(row, self.cadres.get(row.cadre), session.structure.id)
            self.transitions.resolve(Action.COMPLETE, s)
            held = completion.stored_bytes(conn, row)
        supplement = completion.prepare(
            list(attachments_in),
            file,
            held,
            self.config.trust_bundle,
            confirm_warnings=confirm_warnings,
        )
        created: list[str] = []

        def supply(conn: Connection, row: Row, today: date) -> tuple[dict[str, object], str]:
            more, lines = completion.write(conn, self.store, row, supplement, today, created)
            return more, " ; ".join(completion.field_lines(row, changes) + lines)

        try:
            return self._act(
                session,
                piece_id,
                Action.COMPLETE,
                expected_version,
                reason=reason,
                changes=changes,
                supply=supply,
            )
        except BaseException:
            discard_unreferenced(self.store, created)
            raise

    def validate(
        self, session: Session, piece_id: int, *, expected_version: int | None = None
    ) -> Piece:
        return self._act(session, piece_id, Action.VALIDATE, expected_version)

    def pay(
        self,
        session: Session,
        piece_id: int,
        *,
        on: date | None = None,
        expected_version: int | None = None,
    ) -> Piece:
        """Mise en paiement: the service financier holding the piece records the day it was
        paid (today by default; never in the future, never before the deposit — checked once
        the piece is known to be the caller's). The piece's state date is that day: it stops
        the payment clock (`late_payment`)."""
        today = self.today()
        paid = on or today
        if paid > today:
            raise UsageError(
                f"Date de mise en paiement dans le futur : {paid:%d/%m/%Y}",
                field="date",
                hint=f"une date jusqu'à aujourd'hui ({today:%d/%m/%Y})",
            )
        return self._act(
            session,
            piece_id,
            Action.PAY,
            expected_version,
            note=PAID_NOTE.format(day=paid),
            on=paid,
        )

    def _act(
        self,
        session: Session,
        piece_id: int,
        action: Action,
        expected_version: int | None,
        *,
        reason: str = "",
        motive: str | None = None,
        changes: dict[str, str] | None = None,
        supply: Supply | None = None,
        note: str = "",
        on: date | None = None,
    ) -> Piece:
        """Apply a user action in one transaction. Refusals come in this order: what was
        typed (a comment, a refusal motive: 2), the access policy (4, or 5 for a piece the
        structure is not party to), `NotHolder` (4: one answer to every well-formed action by a
        structure that does not hold the piece), the version (6), then the table (the state,
        the actor, a motive the holder may not give), then a day before the deposit. `supply`
        writes what the action brings besides its fields (a completion's files) once the table
        has admitted the action, and returns the piece's further column changes and what the
        history adds. `note`: the engine's own comment (not a user's text); `on`: the day the
        action is dated (a mise en paiement), today when None."""
        reason = self._comment(action, reason) or note
        now, today = self.clock(), on or self.today()
        with self.store.write() as conn:
            self.org.access.require(conn, session, Verb.PROCESS)
            row = piece_row(conn, piece_id, lock=True)
            self.org.access.require_target(conn, session, Verb.PROCESS, row)
            if motive is not None and motive not in {m.value for m in Motive}:
                # missing or unknown: a usage error listing the holder's motives (all of them
                # where its state has no refusal row; the table then names the state)
                allowed = self.transitions.motives(row.state, row.cadre, row.holder_role)
                raise motive_refusal(motive, allowed or [m.value for m in Motive], row.holder_role)
            s = Situation(row, self.cadres.get(row.cadre), session.structure.id)
            self.transitions.require_holder(action, s)
            if expected_version is not None and row.version != expected_version:
                raise Conflict(
                    "La pièce a été modifiée par quelqu'un d'autre",
                    field="version",
                    hint="rechargez la pièce avant d'agir",
                )
            step = self.transitions.resolve(action, s, motive=motive)
            if on is not None and on < (deposited := row.deposited_at.date()):
                raise UsageError(
                    f"Date antérieure au dépôt de la pièce : {on:%d/%m/%Y}",
                    field="date",
                    hint=f"une date à partir du dépôt ({deposited:%d/%m/%Y})",
                )
            columns: dict[str, object] = dict(changes or {})
            if supply is not None:
                more, added = supply(conn, row, today)
                columns.update(more)
                reason = f"{reason} — {added}" if added else reason
            self._apply(conn, session, row, step, s, now, today, reason, columns)
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

    @staticmethod
    def _comment(action: Action, reason: str) -> str:
        """The action's comment, checked; a named error when the action needs one."""
        reason = check_field("reason", reason.strip(" \n\t"), label="Commentaire", multiline=True)
        if piece_action(action).comment and not reason:
            what = COMMENT_PROMPTS[action][2]
            raise UsageError(
                "Le commentaire est obligatoire", field="reason", hint=f"précisez {what}"
            )
        return reason

    def _apply(
        self,
        conn: Connection,
        session: Session | None,
        row: Row,
        step: Transition,
        s: Situation,
        now: datetime,
        today: date,
        reason: str = "",
        changes: Mapping[str, object] | None = None,
    ) -> None:
        """Apply a row of the table, and the automatic row it chains to, in the caller's
        transaction: one optimistic move, one history event per row, the dossier closed and
        the payment clock started when the rows say so."""
        steps = [step]
        if (follow := self.transitions.follow(step, s)) is not None:
            steps.append(follow)
        last = steps[-1]
        suspender = self._suspender(conn, row.id) if last.holder is NextHolder.SUSPENDER else None
        holder_id, holder_role, since = holder_after(last, row, s.cadre, today, suspender)
        if holder_id is not None and holder_id != row.holder_structure_id:
            self._require_receiver(conn, step, last, holder_id)
        move(conn, row, last.target, holder_id, holder_role, since, today, changes=changes)
        acting, source = step.acting or row.holder_role, row.state
        for applied in steps:
            note = (
                REASON_TEXTS[applied.reason].format(
                    to_holder=TO_HOLDER.get(holder_role, holder_role)
                )
                if applied.reason
                else reason
            )
            record_event(
                conn,
                now,
                session,
                row.id,
                row.dossier_id,
                acting,
                applied.action,
                source,
                applied.target,
                note,
            )
            source = applied.target
            if status := self.transitions.closes(applied, s):
                close_dossier(conn, row.dossier_id, status, now)
        if last.clock and holder_role in PAYMENT_CLOCK_ROLES:
            start_payment_clock(conn, row.dossier_id, today)

    @staticmethod
    def _require_receiver(conn: Connection, step: Transition, last: Transition, to: int) -> None:
        """The structure the piece goes to may receive it (an inactive one receives nothing,
        even when it became inactive after the deposit): else the transition is refused with
        the routing's finding. A refusal still goes back to its depositor, to inform it."""
        if STATES[last.target].stage is Stage.REFUSED:
            return
        findings: list[Finding] = []
        if receiving(structures_by_id(conn, {to}).get(to), "piece", findings) is None:
            raise ValidationRefused(
                findings,
                TRANSITION_REFUSALS["inactive_holder"].format(action=ACTION_LABELS[step.action]),
            )

    @staticmethod
    def _suspender(conn: Connection, piece_id: int) -> tuple[int, str]:
        """Who suspended the piece last, and in which role (a completed piece goes back)."""
        last = conn.execute(
            select(events.c.structure_id, events.c.acting_role)
            .where(events.c.piece_id == piece_id, events.c.action == str(Action.SUSPEND))
            .order_by(events.c.id.desc())
            .limit(1)
        ).one()
        return last.structure_id, last.acting_role

    def sweep(self, at: date | None = None) -> list[SweepChange]:
        """The deadline sweep as of `at` (default: the clock's today), once and idempotently:
        the table's deadline rows (action `expire`) move the pieces whose validator let the
        delay pass (VALIDATION n HORS DELAI, then on to the next holder), then the flags time
        sets are noticed (`sweep`: overdue, refused pieces hidden). What changed, piece by
        piece; nothing on a second run as of the same day.

        It is the system's, not a user's (a cron job, the app's timer): no session, only a
        store that can be written. `at` may be a past day (catching up), never a day after
        today: what the sweep writes is not undone."""
        today = self.today()
        at = at or today
        if at > today:
            raise UsageError(
                f"Le balayage ne peut pas anticiper : {at:%d/%m/%Y} est après aujourd'hui "
                f"({today:%d/%m/%Y})",
                field="--at",
                hint="une date passée ou aujourd'hui ; pour rejouer un scénario à une autre "
                "date, --today sur une base d'essai",
            )
        if not self.writable:
            raise read_only_error("le balayage des délais écrit dans la base")
        now = self.clock() if at == today else datetime.combine(at, self.clock().time())
        changes = self._expire(at, now)
        try:
            with self.store.write() as conn:
                flags = notice_flags(conn, at, self.config.deadlines)
        except IntegrityError:  # another sweep noticed them at the same moment
            with self.store.write() as conn:
                flags = notice_flags(conn, at, self.config.deadlines)
        for flag in flags:
            if flag.kind in (NoticeKind.ACTION, NoticeKind.PAYMENT):
                deadline = Deadline(str(flag.kind), flag.due, (flag.due - at).days)
                self.extensions.emit(
                    "deadline_crossed", {"piece": self.piece(flag.piece_id), "deadline": deadline}
                )
        return changes + flags

    def _expire(self, at: date, now: datetime) -> list[SweepChange]:
        """The table's `expire` rows for the pieces at a validator since before `at` minus
        the validator's delay."""
        limit = add_days(at, -self.config.deadlines.validator_days)
        moved: list[SweepChange] = []
        for state_code in self.transitions.sources(Action.EXPIRE):
            with self.store.read() as conn:
                ids = list(
                    conn.execute(
                        select(pieces.c.id)
                        .where(pieces.c.state == state_code, pieces.c.holder_since < limit)
                        .order_by(pieces.c.id)
                    ).scalars()
                )
            for piece_id in ids:
                try:
                    with self.store.write() as conn:
                        row = piece_row(conn, piece_id, lock=True)
                        if row.state != state_code or not row.holder_since < limit:
                            continue
                        s = Situation(row, self.cadres.get(row.cadre), None)
                        step = self.transitions.resolve(Action.EXPIRE, s)
                        self._apply(conn, None, row, step, s, now, at)
                        piece = load_piece(conn, piece_id)
                except ValidationRefused:
                    continue  # the next holder became inactive: the piece waits where it is
                moved.append(
                    SweepChange(
                        VALIDATION,
                        piece_id,
                        row.number,
                        row.dossier_id,
                        row.holder_since,
                        add_days(row.holder_since, self.config.deadlines.validator_days),
                        from_state=row.state,
                        to_state=piece.state,
                    )
                )
                self.extensions.emit("deadline_crossed", {"piece": piece, "deadline": "validation"})
        return moved

    def download(
        self, session: Session, piece_id: int, folder: Path, *, overwrite: bool = False
    ) -> list[Path]:
        """Copy the piece's file and attachments (sha256 checked) into `folder`, under safe
        names that stay inside it and never replace a file unless `overwrite` (`safe_paths`);
        the piece is then marked downloaded for its holder (Synthèse filter), unless the store
        is only consulted (read-only)."""
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
        safe_paths.require_folder(folder, field="--to")
        targets = safe_paths.plan(folder, [f"{row.number}-{name}" for name, _ in items])
        written = safe_paths.write_new(
            targets,
            [partial(self.store.files.read, sha) for _, sha in items],
            overwrite=overwrite,
            field="--to",
        )
        if row.holder_structure_id == session.structure.id and not row.downloaded and self.writable:
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
