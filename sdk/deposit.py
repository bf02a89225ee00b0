"""Deposits: the first piece of a dossier or the next one. Prepares the draft (routing,
chain checks, rules, file inspection) and writes piece, files, history and association in one
transaction."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.exc import IntegrityError

from . import vocabulary as V
from .access import Verb
from .cadres import Cadre
from .draft_input import clean_draft
from .engine_parts import EngineParts
from .errors import Conflict, ValidationRefused
from .extensions import Extensions
from .field_limits import check_choice, check_field
from .files_check import AttachmentInput, inspect_deposit
from .findings import Finding, Severity, errors, warnings
from .marches import load as load_marche
from .model import (
    DEPOSITED_ATTACHMENT_KINDS,
    AttachmentKind,
    Piece,
    PieceDraft,
    RoutingMode,
)
from .piece_rows import (
    load_piece,
    marche_id,
    move,
    piece_row,
    record_event,
    start_payment_clock,
)
from .routing import Route, find_marche, route_deposit
from .rules import BUILTIN_RULES, Rule, RuleContext, check_draft
from .session import Session
from .states import Action
from .store import Store
from .store import rows as R
from .store.schema import attachments, dossiers, files, piece_vat_lines, pieces
from .tacit import countdown, step_of
from .transitions import PAYMENT_CLOCK_ROLES, TRANSITIONS, Situation, Transition, holder_after
from .vocabulary import REASON_TEXTS, TO_HOLDER, deposited_sentence


@dataclass(frozen=True, slots=True)
class Receipt:
    """The récapitulatif of a deposit."""

    piece: Piece
    certificate: str
    dossier_number: str
    message: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A prepared deposit: the completed draft, its route and every finding."""

    draft: PieceDraft
    cadre: Cadre | None
    route: Route
    prev: Row | None
    findings: list[Finding]
    file_format: str
    attachments: list[AttachmentInput]


def clean_attachment(i: int, item: AttachmentInput) -> AttachmentInput:
    """The attachment with its designation stripped, or a named usage error on its name,
    type or designation (unsafe characters, longer than the store holds, a type the user
    may not give). A completion's attachments are cleaned the same way."""
    field = f"attachments[{i}]"
    check_field(
        f"{field}.name", item.display_name, limit_key="file_name", label="Nom de la pièce jointe"
    )
    kind = check_choice(
        f"{field}.kind",
        item.kind.strip(),
        AttachmentKind,
        labels=V.ATTACHMENT_KIND_LABELS,
        label="Type de pièce jointe",
        among=DEPOSITED_ATTACHMENT_KINDS,
    ).value
    designation = check_field(
        f"{field}.designation",
        item.designation,
        limit_key="attachment_designation",
        label="Désignation de la pièce jointe",
        strip=True,
    )
    return dataclasses.replace(item, kind=kind, designation=designation)


def put_blobs(
    conn: Connection, store: Store, sources: Sequence[Path], created: list[str]
) -> list[tuple[str, int]]:
    """Store each file's bytes and its `files` row, in the caller's write transaction (under
    its lock, so that a failing write's cleanup never races with another write of the same
    bytes); the sha256 of each blob this call created is appended to `created`, for
    `discard_unreferenced` should the transaction fail. Returns (sha256, size) per source."""
    blobs = []
    for source in sources:
        sha, size, new = store.files.put(source)
        blobs.append((sha, size))
        if new:
            created.append(sha)
    for sha, size in dict(blobs).items():
        if conn.execute(select(files.c.sha256).where(files.c.sha256 == sha)).first() is None:
            conn.execute(insert(files).values(sha256=sha, size=size))
    return blobs


def insert_attachments(
    conn: Connection,
    piece_id: int,
    items: Sequence[AttachmentInput],
    blobs: Sequence[tuple[str, int]],
) -> None:
    """The attachment rows of cleaned `items`, whose bytes `put_blobs` stored as `blobs`."""
    for item, (sha, size) in zip(items, blobs, strict=True):
        conn.execute(
            insert(attachments).values(
                piece_id=piece_id,
                sha256=sha,
                name=item.display_name,
                kind=item.kind,
                designation=item.designation,
                size=size,
            )
        )


def discard_unreferenced(store: Store, shas: list[str]) -> None:
    """Remove the blobs a failed write created that no committed row references."""
    if not shas:
        return
    with store.write() as conn:
        kept = set(conn.execute(select(files.c.sha256).where(files.c.sha256.in_(shas))).scalars())
        for sha in set(shas) - kept:
            store.files.discard(sha)


class Deposits(EngineParts):
    """Checks and writes deposits for the workflow."""

    def __init__(
        self, parts: EngineParts, extensions: Extensions, rules: Sequence[Rule] = BUILTIN_RULES
    ) -> None:
        super().__init__(*parts.parts())
        self.extensions = extensions
        self.rules = rules

    def check(
        self,
        session: Session,
        draft: PieceDraft,
        *,
        file: Path | None = None,
        attachments_in: Iterable[AttachmentInput] = (),
        after: int | None = None,
    ) -> list[Finding]:
        """Every finding a deposit of this draft would meet, without writing anything
        (for findings shown as the user types)."""
        return self._prepare(session, draft, file, list(attachments_in), after).findings

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
        plan = self._prepare(session, draft, file, list(attachments_in), after)
        findings = plan.findings
        if errors(findings):
            raise ValidationRefused(findings)
        if warnings(findings) and not confirm_warnings:
            raise ValidationRefused(
                findings,
                "Des avertissements doivent être confirmés avant le dépôt (option --confirm)",
            )
        clean_draft(plan.draft)  # every width, even where a rule was dropped
        created: list[str] = []
        try:
            receipt = self._write_deposit(session, plan, file, plan.attachments, created)
        except BaseException:
            discard_unreferenced(self.store, created)
            raise
        self.extensions.emit(
            "piece_deposited", {"piece": receipt.piece, "certificate": receipt.certificate}
        )
        return receipt

    def _prepare(
        self,
        session: Session,
        draft: PieceDraft,
        file: Path | None,
        attachment_list: list[AttachmentInput],
        after: int | None,
    ) -> _Plan:
        draft = clean_draft(draft, ruled_lengths=False)
        if file is not None:
            check_field(
                "file", file.name, limit_key="piece_file_name", label="Nom du fichier de la pièce"
            )
        attachment_list = [clean_attachment(i, a) for i, a in enumerate(attachment_list)]
        cadre = self.cadres.get(draft.cadre)
        draft = dataclasses.replace(draft, cadre=cadre.code if cadre else draft.cadre)
        findings: list[Finding] = []
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.DEPOSIT)
            prev = piece_row(conn, after) if after is not None else None
            if prev is not None:
                self.org.access.require_target(conn, session, Verb.DEPOSIT, prev)
            marche = load_marche(conn, prev.marche_id) if prev else find_marche(conn, draft)
            draft = dataclasses.replace(draft, marche_number=marche.number)
            route = route_deposit(conn, session, draft, cadre, marche, prev, findings)
            draft = dataclasses.replace(
                draft,
                supplier_identifier=draft.supplier_identifier or route.supplier.identifier,
                recipient_identifier=draft.recipient_identifier
                or (route.recipient.identifier if route.recipient else ""),
                moe_identifier=draft.moe_identifier or (route.moe.identifier if route.moe else ""),
                moa_identifier=draft.moa_identifier or (route.moa.identifier if route.moa else ""),
            )
            if prev is not None and not draft.iban:  # the supplier's bank details carry over
                draft = dataclasses.replace(draft, iban=prev.iban, bic=prev.bic)
            if cadre is not None:
                findings += self._chain_findings(conn, session, cadre, prev)
            context = self._rule_context(conn, session, draft, cadre, route, prev)
        findings += check_draft(draft, context, self.rules)
        findings += self.extensions.extra_findings(draft, context)
        file_format, file_findings = inspect_deposit(
            file, attachment_list, trust_bundle=self.config.trust_bundle
        )
        findings += file_findings
        return _Plan(draft, cadre, route, prev, findings, file_format, attachment_list)

    def _chain_findings(
        self, conn: Connection, session: Session, cadre: Cadre, prev: Row | None
    ) -> list[Finding]:
        if prev is None:
            if cadre.initial:
                return []
            return [
                Finding(
                    "cadre.chain",
                    Severity.ERROR,
                    "cadre",
                    f"Le cadre {cadre.short} se dépose comme pièce suivante d'un dossier",
                    "déposez-le « à partir d'une pièce existante » (option --after)",
                )
            ]
        if prev.cadre not in cadre.follows:
            allowed = ", ".join(c.short for c in self.cadres.next_after(prev.cadre)) or "aucun"
            return [
                Finding(
                    "cadre.chain",
                    Severity.ERROR,
                    "cadre",
                    f"Le cadre {cadre.short} ne peut pas suivre {prev.cadre.split('_')[0]}",
                    f"cadres possibles après cette pièce : {allowed}",
                )
            ]
        self._check_association_right(conn, session, cadre, prev)
        return []

    def _check_association_right(
        self, conn: Connection, session: Session, cadre: Cadre, prev: Row
    ) -> Transition:
        """The transition table's row that ends `prev` when a `cadre` piece follows it, or
        the named refusal (not this structure's turn, the piece is past it)."""

        def next_pieces() -> Sequence[Row]:
            return conn.execute(
                select(pieces.c.state, pieces.c.depositor_structure_id).where(
                    pieces.c.previous_id == prev.id
                )
            ).all()

        s = Situation(
            prev, self.cadres.get(prev.cadre), session.structure.id, cadre, successors=next_pieces
        )
        return TRANSITIONS.resolve(Action.ASSOCIATE, s, actor_first=False, field="after")

    def _rule_context(
        self,
        conn: Connection,
        session: Session,
        draft: PieceDraft,
        cadre: Cadre | None,
        route: Route,
        prev: Row | None,
    ) -> RuleContext:
        recipient = route.recipient
        services = (
            {s.code: s.ej_required for s in self.org.services(recipient.id) if s.active}
            if recipient
            else {}
        )
        depositor = session.structure.id
        step = step_of(cadre.code) if cadre is not None and prev is not None else None
        tacit = (
            countdown(conn, prev, step, self.cadres, self.config.deadlines, self.today())
            if step is not None and prev is not None
            else None
        )

        def number_taken(number: str) -> bool:
            with self.store.read() as own:
                return (
                    own.execute(
                        select(pieces.c.id).where(
                            pieces.c.depositor_structure_id == depositor, pieces.c.number == number
                        )
                    ).first()
                    is not None
                )

        return RuleContext(
            today=self.today(),
            depositor_role=str(route.depositor_role),
            cadre_depositor_role=str(cadre.depositor) if cadre else "",
            cadre_known=cadre is not None,
            qualification=self.config.qualification,
            recipient_routing_mode=recipient.routing_mode if recipient else RoutingMode.NONE,
            recipient_services=services,
            number_taken=number_taken,
            contractor_draft_total_ht=R.from_cents(prev.total_ht) if prev is not None else None,
            tacit=tacit,
        )

    def _write_deposit(
        self,
        session: Session,
        plan: _Plan,
        file: Path | None,
        attachment_list: list[AttachmentInput],
        created: list[str],
    ) -> Receipt:
        draft, route, prev = plan.draft, plan.route, plan.prev
        cadre = plan.cadre
        assert cadre is not None
        now, today = self.clock(), self.today()
        certificate = f"CD{today:%Y%m%d}{secrets.token_hex(4).upper()}"
        initial = TRANSITIONS.initial(cadre.code, route.holder_role)
        state = initial.target
        link: Transition | None = None  # the row that ends the previous piece
        try:
            with self.store.write() as conn:
                # Blobs are written under the write lock, so that a failing deposit's cleanup
                # never races with another deposit of the same bytes.
                sources = ([file] if file else []) + [a.path for a in attachment_list]
                blobs = put_blobs(conn, self.store, sources, created)
                if prev is None:
                    dossier_id = conn.execute(
                        insert(dossiers).values(
                            number=draft.number,
                            marche_id=marche_id(conn, draft.marche_number),
                            supplier_structure_id=route.supplier.id,
                            phase=cadre.phase,
                            status="EN_COURS",
                            created_at=now,
                        )
                    ).inserted_primary_key[0]
                    dossier_number = draft.number
                else:
                    fresh = piece_row(conn, prev.id, lock=True)
                    if fresh.version != prev.version:
                        raise Conflict(
                            "La pièce précédente a changé entre-temps",
                            field="after",
                            hint="rechargez la pièce et recommencez",
                        )
                    dossier_id = prev.dossier_id
                    link = self._check_association_right(conn, session, cadre, prev)
                    dossier_number = conn.execute(
                        select(dossiers.c.number).where(dossiers.c.id == dossier_id)
                    ).scalar()
                if initial.clock and route.holder_role in PAYMENT_CLOCK_ROLES:
                    start_payment_clock(conn, dossier_id, today)
                piece_id = conn.execute(
                    insert(pieces).values(
                        dossier_id=dossier_id,
                        previous_id=prev.id if prev is not None else None,
                        cadre=cadre.code,
                        number=draft.number,
                        issue_date=draft.issue_date,
                        due_date=draft.due_date,
                        currency=draft.currency.upper(),
                        vat_type=str(draft.vat_type),
                        exemption_motive=draft.exemption_motive,
                        payment_mode=str(draft.payment_mode),
                        engagement=draft.engagement,
                        service_code=draft.service_code,
                        iban=draft.iban.replace(" ", ""),
                        bic=draft.bic,
                        total_ht=R.to_cents(draft.total_ht),
                        total_vat=R.to_cents(draft.total_vat),
                        total_ttc=R.to_cents(draft.total_ttc),
                        discount_ttc=R.to_cents(draft.discount_ttc),
                        prepaid=R.to_cents(draft.prepaid),
                        amount_due=R.to_cents(draft.amount_due),
                        marche_id=marche_id(conn, draft.marche_number),
                        depositor_structure_id=session.structure.id,
                        depositor_user_id=session.user.id,
                        supplier_structure_id=route.supplier.id,
                        recipient_structure_id=route.recipient.id if route.recipient else None,
                        moe_structure_id=route.moe.id if route.moe else None,
                        moa_structure_id=route.moa.id if route.moa else None,
                        validator1_structure_id=route.validator1.id if route.validator1 else None,
                        validator2_structure_id=route.validator2.id if route.validator2 else None,
                        next_structure_id=route.next_structure.id,
                        state=state,
                        state_date=today,
                        holder_structure_id=route.holder.id,
                        holder_role=str(route.holder_role),
                        holder_since=today,
                        deposited_at=now,
                        certificate=certificate,
                        file_sha256=blobs[0][0] if file else None,
                        file_name=file.name if file else "",
                        file_format=plan.file_format,
                        comment=draft.comment,
                        version=1,
                    )
                ).inserted_primary_key[0]
                for position, line in enumerate(draft.vat_lines):
                    conn.execute(
                        insert(piece_vat_lines).values(
                            piece_id=piece_id,
                            position=position,
                            rate=str(line.rate),
                            base=R.to_cents(line.base),
                            amount=R.to_cents(line.amount),
                        )
                    )
                offset = 1 if file else 0
                insert_attachments(conn, piece_id, attachment_list, blobs[offset:])
                acting = str(route.depositor_role) + (
                    f"/{cadre.on_behalf_of}" if cadre.on_behalf_of else ""
                )
                record_event(
                    conn, now, session, piece_id, dossier_id, acting, Action.DEPOSIT, "", state, ""
                )
                if link is not None:
                    holder = holder_after(link, prev, self.cadres.get(prev.cadre), today)
                    move(conn, prev, link.target, *holder, today)
                    record_event(
                        conn,
                        now,
                        session,
                        prev.id,
                        dossier_id,
                        acting,
                        Action.ASSOCIATE,
                        prev.state,
                        link.target,
                        REASON_TEXTS.get(link.reason, "").format(
                            short=cadre.short, number=draft.number, to_holder=""
                        ),
                    )
        except IntegrityError as exc:
            if (
                "uq_piece_number" in str(exc.orig)
                or "pieces.depositor_structure_id" in str(exc.orig)
                or "number" in str(exc.orig)
            ):
                raise ValidationRefused(
                    [
                        Finding(
                            "number.unique",
                            Severity.ERROR,
                            "number",
                            f"Le numéro {draft.number} est déjà utilisé par votre structure",
                            "redéposez la pièce sous un nouveau numéro",
                        )
                    ]
                ) from None
            raise
        with self.store.read() as conn:
            piece = load_piece(conn, piece_id)
        holder_text = TO_HOLDER.get(route.holder_role, "à son destinataire")
        message = (
            f"{deposited_sentence(cadre.document, draft.number, cadre.feminine)} "
            "en cours de transmission "
            f"{holder_text} ({route.holder.identifier} - {route.holder.name})"
        )
        return Receipt(piece, certificate, dossier_number, message, tuple(plan.findings))
