"""The engine: deposit, associate, take into account, refuse, suspend, complete, validate.

Every action checks authorisation, runs in one transaction that re-reads the piece, updates it
with an optimistic version check and appends events to the append-only history.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, NoResultFound

from . import states as S
from .cadres import Cadre, CadreTable
from .config import Config
from .errors import Conflict, NotAuthorised, NotFound, UsageError, ValidationRefused
from .extensions import Extensions, NoExtensions
from .files_check import AttachmentInput, inspect_deposit
from .findings import Finding, Severity, errors, warnings
from .marches import load as load_marche
from .model import ActorRole, Marche, Piece, PieceDraft, RoutingMode, Structure, VatLine
from .org import Organisation
from .rules import BUILTIN_RULES, Rule, RuleContext, check_draft
from .session import SYSTEM_LOGIN, Session
from .states import Action, Holder, Motive, Stage
from .store import Store
from .store import rows as R
from .store.schema import (
    attachments,
    dossiers,
    events,
    files,
    marches,
    piece_vat_lines,
    pieces,
    structures,
)

#: "transmise …": to whom a piece goes, with its preposition.
TO_HOLDER = {
    Holder.MOE: "à la maîtrise d'œuvre",
    Holder.MOA: "à la maîtrise d'ouvrage",
    Holder.SERVICE_FINANCIER: "au service financier",
    Holder.FOURNISSEUR: "au fournisseur",
    Holder.PREMIER_VALIDEUR: "au premier valideur",
    Holder.SECOND_VALIDEUR: "au second valideur",
}


#: Feminine head nouns of billing documents beyond those the endings below tell (the
#: others are taken as masculine).
_FEMININE_NOUNS = frozenset(
    ("demande", "garantie", "lettre", "levée", "note", "pièce", "réponse", "requête", "retenue")
)
_FEMININE_ENDINGS = ("tion", "sion", "ure", "ance", "ence", "ette", "ise")


def _is_feminine(document: str) -> bool:
    """Whether a document's name takes « la » (by its first word)."""
    head = document.split(" ", 1)[0].lower()
    return head in _FEMININE_NOUNS or head.endswith(_FEMININE_ENDINGS)


def deposited_sentence(document: str, number: str, feminine: bool | None = None) -> str:
    """« Le projet de décompte mensuel numéro … a été déposé, il est » (seed 000), with the
    article and agreement the document needs (`feminine`: None tells it by the first word)."""
    noun = document[0].lower() + document[1:]
    if feminine is None:
        feminine = _is_feminine(noun)
    article = "L'" if noun[0] in "aeéèêiîouy" else "La " if feminine else "Le "
    agreement = "déposée, elle" if feminine else "déposé, il"
    return f"{article}{noun} numéro {number} a été {agreement} est"


@dataclass(frozen=True, slots=True)
class Receipt:
    """The récapitulatif of a deposit."""

    piece: Piece
    certificate: str
    dossier_number: str
    message: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class _Step:
    to: str
    holder_id: int | None
    holder_role: str
    since: date | None
    acting_role: str
    closes: str = ""  # dossier status set by this step ("TERMINE", "REFUSE")


@dataclass(frozen=True, slots=True)
class _Plan:
    draft: PieceDraft
    cadre: Cadre | None
    route: _Route
    prev: Row | None
    findings: list[Finding]
    file_format: str


@dataclass(frozen=True, slots=True)
class _Route:
    supplier: Structure
    recipient: Structure | None
    moe: Structure | None
    moa: Structure | None
    holder: Structure
    holder_role: Holder
    next_structure: Structure
    validator1: Structure | None
    validator2: Structure | None
    depositor_role: ActorRole


class Workflow:
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
        self.rules = rules

    def today(self) -> date:
        return self.clock().date()

    # -- deposit ------------------------------------------------------------------------------
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
        attachment_list = list(attachments_in)
        plan = self._prepare(session, draft, file, attachment_list, after)
        findings = plan.findings
        if errors(findings):
            raise ValidationRefused(findings)
        if warnings(findings) and not confirm_warnings:
            raise ValidationRefused(
                findings,
                "Des avertissements doivent être confirmés avant le dépôt (option --confirm)",
            )
        created: list[str] = []
        try:
            receipt = self._write_deposit(session, plan, file, attachment_list, created)
        except BaseException:
            self._discard_unreferenced(created)
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
        cadre = self.cadres.get(draft.cadre)
        draft = dataclasses.replace(draft, cadre=cadre.code if cadre else draft.cadre.strip())
        findings: list[Finding] = []
        with self.store.read() as conn:
            self._require_space(conn, session, modify=True)
            prev = _piece_row(conn, after) if after is not None else None
            if prev is not None:
                self._require_visible(conn, session, prev)
            marche = load_marche(conn, prev.marche_id) if prev else self._marche(conn, draft)
            draft = dataclasses.replace(draft, marche_number=marche.number)
            route = self._route(conn, session, draft, cadre, marche, prev, findings)
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
        file_format, file_findings = inspect_deposit(file, attachment_list)
        findings += file_findings
        return _Plan(draft, cadre, route, prev, findings, file_format)

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

    def _discard_unreferenced(self, shas: list[str]) -> None:
        if not shas:
            return
        with self.store.write() as conn:
            kept = set(
                conn.execute(select(files.c.sha256).where(files.c.sha256.in_(shas))).scalars()
            )
            for sha in set(shas) - kept:
                self.store.files.discard(sha)

    def _marche(self, conn: Connection, draft: PieceDraft) -> Marche:
        if not draft.marche_number.strip():
            raise UsageError(
                "Le numéro de marché est obligatoire",
                field="marche_number",
                hint="indiquez le marché auquel la pièce se rattache",
            )
        mid = conn.execute(
            select(marches.c.id).where(marches.c.number == draft.marche_number.strip())
        ).scalar()
        if mid is None:
            raise NotFound(
                f"Marché {draft.marche_number} introuvable",
                field="marche_number",
                hint="vérifiez le numéro dans la fiche identité du marché",
            )
        return load_marche(conn, mid)

    def _route(
        self,
        conn: Connection,
        session: Session,
        draft: PieceDraft,
        cadre: Cadre | None,
        marche: Marche,
        prev: Row | None,
        findings: list[Finding],
    ) -> _Route:
        me = session.structure.id
        roles = [a.role for a in marche.actors if a.structure_id == me]
        if not roles:
            raise NotAuthorised(
                f"{session.structure.name} n'est pas acteur du marché {marche.number}",
                field="marche_number",
                hint="seuls les acteurs de la fiche identité déposent",
            )
        role = cadre.depositor if cadre and cadre.depositor in roles else roles[0]
        by_id = _structures(conn, {a.structure_id for a in marche.actors})

        def pick(identifier: str, default: int | None, field_name: str) -> Structure | None:
            if identifier.strip():
                found = conn.execute(
                    select(structures).where(structures.c.identifier == identifier.replace(" ", ""))
                ).first()
                if found is None:
                    findings.append(
                        Finding(
                            "actors.unknown",
                            Severity.ERROR,
                            field_name,
                            f"Aucune structure d'identifiant {identifier}",
                            "cherchez la structure par raison sociale ou code postal",
                        )
                    )
                    return None
                return R.structure(found)
            return by_id.get(default) if default else None

        if prev is not None:
            supplier = _structures(conn, {prev.supplier_structure_id})[prev.supplier_structure_id]
        elif role in (ActorRole.FOURNISSEUR, ActorRole.COTRAITANT, ActorRole.SOUSTRAITANT):
            supplier = session.structure
        else:
            supplier = by_id[marche.one(ActorRole.FOURNISSEUR) or me]
        given = draft.supplier_identifier.replace(" ", "")
        if given and given != supplier.identifier:
            findings.append(
                Finding(
                    "actors.supplier",
                    Severity.ERROR,
                    "supplier_identifier",
                    f"Le fournisseur indiqué ({given}) n'est pas celui du dossier "
                    f"({supplier.identifier} - {supplier.name})",
                    "déposez pour la structure du fournisseur, ou corrigez le fichier",
                )
            )
        moe = pick(draft.moe_identifier, marche.one(ActorRole.MOE), "moe_identifier")
        moa = by_id.get(marche.one(ActorRole.MOA) or 0)
        financial = by_id.get(marche.one(ActorRole.SERVICE_FINANCIER) or 0)
        default_recipient = (
            prev.recipient_structure_id
            if prev is not None
            else (marche.one(ActorRole.SERVICE_FINANCIER) or marche.one(ActorRole.MOA))
        )
        recipient = pick(draft.recipient_identifier, default_recipient, "recipient_identifier")
        next_role = cadre.next_role if cadre else ActorRole.MOE
        target = {
            ActorRole.MOE: moe,
            ActorRole.MOA: moa,
            ActorRole.SERVICE_FINANCIER: financial or recipient,
            ActorRole.FOURNISSEUR: supplier,
        }.get(next_role)
        if target is None:
            findings.append(
                Finding(
                    "actors.next",
                    Severity.ERROR,
                    "moe_identifier" if next_role is ActorRole.MOE else "recipient_identifier",
                    f"Le marché {marche.number} n'a pas de structure {next_role} pour recevoir "
                    "la pièce",
                    "complétez la fiche identité du marché",
                )
            )
            target = session.structure
        validator1 = validator2 = None
        if cadre is not None and cadre.validated:
            mine = marche.actor(me, role)
            validator1 = by_id.get(mine.validator_structure_id or 0) if mine else None
            if validator1 is not None:
                upper = marche.actor(validator1.id, ActorRole.COTRAITANT)
                if upper is not None and upper.validator_structure_id:
                    validator2 = by_id.get(upper.validator_structure_id)
        if validator1 is not None:
            holder, holder_role = validator1, Holder.PREMIER_VALIDEUR
        else:
            holder, holder_role = target, Holder(str(next_role))
        return _Route(
            supplier, recipient, moe, moa, holder, holder_role, target, validator1, validator2, role
        )

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
    ) -> None:
        me = session.structure.id
        stage = S.state(prev.state).stage
        if not cadre.by_holder:
            if me != prev.supplier_structure_id:
                raise NotAuthorised(
                    "Seul le fournisseur du dossier dépose en procédure tacite", field="after"
                )
            if stage not in (Stage.AT_RECIPIENT, Stage.TAKEN):
                raise Conflict(
                    f"La pièce est « {S.label(prev.state)} » : la procédure tacite "
                    "ne s'applique plus",
                    field="after",
                )
            return
        if stage in (Stage.AT_RECIPIENT, Stage.TAKEN):
            if me != prev.holder_structure_id:
                raise NotAuthorised(
                    "Seul le destinataire de la pièce dépose la suivante",
                    field="after",
                    hint="la pièce attend une autre structure",
                )
            return
        if prev.state == "ASSOCIEE":
            successors = conn.execute(
                select(pieces.c.state, pieces.c.depositor_structure_id).where(
                    pieces.c.previous_id == prev.id
                )
            ).all()
            refused = all(S.state(s.state).stage is Stage.REFUSED for s in successors)
            if refused and any(s.depositor_structure_id == me for s in successors):
                return  # the refused next piece is deposited again, under a new number
        raise Conflict(
            f"La pièce est « {S.label(prev.state)} » : on ne peut plus lui associer "
            "de pièce suivante",
            field="after",
        )

    def _rule_context(
        self,
        conn: Connection,
        session: Session,
        draft: PieceDraft,
        cadre: Cadre | None,
        route: _Route,
        prev: Row | None,
    ) -> RuleContext:
        recipient = route.recipient
        services = (
            {s.code: s.ej_required for s in self.org.services(recipient.id) if s.active}
            if recipient
            else {}
        )
        depositor = session.structure.id

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
        blobs: list[tuple[str, int]] = []
        now, today = self.clock(), self.today()
        certificate = f"CD{today:%Y%m%d}{secrets.token_hex(4).upper()}"
        state = (
            "MISE_A_DISPOSITION_PREMIER_VALIDEUR"
            if route.holder_role is Holder.PREMIER_VALIDEUR
            else S.available_state(route.holder_role)
        )
        try:
            with self.store.write() as conn:
                # Blobs are written under the write lock, so that a failing deposit's cleanup
                # never races with another deposit of the same bytes.
                for source in ([file] if file else []) + [a.path for a in attachment_list]:
                    sha, size, new = self.store.files.put(source)
                    blobs.append((sha, size))
                    if new:
                        created.append(sha)
                for sha, size in blobs:
                    if (
                        conn.execute(select(files.c.sha256).where(files.c.sha256 == sha)).first()
                        is None
                    ):
                        conn.execute(insert(files).values(sha256=sha, size=size))
                if prev is None:
                    dossier_id = conn.execute(
                        insert(dossiers).values(
                            number=draft.number,
                            marche_id=_marche_id(conn, draft.marche_number),
                            supplier_structure_id=route.supplier.id,
                            phase=cadre.phase,
                            status="EN_COURS",
                            created_at=now,
                        )
                    ).inserted_primary_key[0]
                    dossier_number = draft.number
                else:
                    fresh = _piece_row(conn, prev.id, lock=True)
                    if fresh.version != prev.version:
                        raise Conflict(
                            "La pièce précédente a changé entre-temps",
                            field="after",
                            hint="rechargez la pièce et recommencez",
                        )
                    dossier_id = prev.dossier_id
                    dossier_number = conn.execute(
                        select(dossiers.c.number).where(dossiers.c.id == dossier_id)
                    ).scalar()
                if route.holder_role is Holder.MOE:
                    _start_payment_clock(conn, dossier_id, today)
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
                        marche_id=_marche_id(conn, draft.marche_number),
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
                for item, (sha, size) in zip(attachment_list, blobs[offset:], strict=True):
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
                acting = str(route.depositor_role) + (
                    f"/{cadre.on_behalf_of}" if cadre.on_behalf_of else ""
                )
                _event(
                    conn, now, session, piece_id, dossier_id, acting, Action.DEPOSIT, "", state, ""
                )
                if prev is not None:
                    to = "ASSOCIEE" if cadre.by_holder else "REMPLACEE_PAR_A22"
                    _move(conn, prev, to, None, Holder.NONE, today)
                    _event(
                        conn,
                        now,
                        session,
                        prev.id,
                        dossier_id,
                        acting,
                        Action.ASSOCIATE,
                        prev.state,
                        to,
                        f"Pièce suivante {cadre.short} n° {draft.number}",
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
        piece = self.piece(piece_id)
        holder_text = TO_HOLDER.get(route.holder_role, "à son destinataire")
        message = (
            f"{deposited_sentence(cadre.document, draft.number, cadre.feminine)} "
            "en cours de transmission "
            f"{holder_text} ({route.holder.identifier} - {route.holder.name})"
        )
        return Receipt(piece, certificate, dossier_number, message, tuple(plan.findings))

    # -- processing ---------------------------------------------------------------------------
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
            self._require_space(conn, session, modify=True)
            row = _piece_row(conn, piece_id, lock=True)
            self._require_visible(conn, session, row)
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
                _move(
                    conn,
                    row,
                    step.to,
                    step.holder_id,
                    step.holder_role,
                    step.since,
                    today,
                    changes=changes if action is Action.COMPLETE else None,
                )
                _event(
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
                    _close_dossier(conn, row.dossier_id, step.closes, now)
            piece = _load_piece(conn, piece_id)
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
            _event(conn, now, session, row.id, row.dossier_id, role, action, row.state, to, "")
            forward = "MISE_A_DISPOSITION_SECOND_VALIDEUR"
            _move(conn, row, forward, row.validator2_structure_id, Holder.SECOND_VALIDEUR, today)
            _event(
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
        _move(conn, row, to, row.next_structure_id, next_role, today)
        _event(
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
            _start_payment_clock(conn, row.dossier_id, today)

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
                    row = _piece_row(conn, piece_id, lock=True)
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
            self._require_space(conn, session, modify=False)
            row = _piece_row(conn, piece_id)
            self._require_visible(conn, session, row)
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

    # -- reading ------------------------------------------------------------------------------
    def piece(self, piece_id: int, session: Session | None = None) -> Piece:
        with self.store.read() as conn:
            if session is not None:
                self._require_space(conn, session, modify=False)
                self._require_visible(conn, session, _piece_row(conn, piece_id))
            try:
                return _load_piece(conn, piece_id)
            except NoResultFound:
                raise NotFound(f"Pièce {piece_id} introuvable", field="piece") from None

    def _require_space(self, conn: Connection, session: Session, *, modify: bool) -> None:
        mode, active = self.org.space_access(conn, session.user.id, session.structure.id)
        if mode is None:
            raise NotAuthorised(
                "L'espace « Factures de travaux » n'est pas ouvert pour vous sur "
                f"{session.structure.name}",
                field="space",
                hint="demandez l'abonnement à un gestionnaire de la structure",
            )
        if modify and mode != "MODIFICATION":
            raise NotAuthorised(
                "Espace « Factures de travaux » en consultation seulement",
                field="space",
                hint="demandez le mode modification",
            )
        if not active:
            raise NotAuthorised(
                f"La structure {session.structure.name} est inactive",
                field="structure",
                hint="un gestionnaire doit la réactiver",
            )

    def _require_visible(self, conn: Connection, session: Session, row: Row) -> None:
        if not visible(conn, session.structure.id, row):
            raise NotFound(
                f"Pièce {row.id} introuvable",
                field="piece",
                hint="vérifiez le numéro ou la structure pour laquelle vous agissez",
            )


def visible(conn: Connection, structure_id: int, row: Any) -> bool:
    """A structure sees a piece it is party to, or any piece of a dossier it is party to."""
    if structure_id in _parties(row):
        return True
    p = pieces.c
    return (
        conn.execute(
            select(p.id)
            .where(p.dossier_id == row.dossier_id)
            .where(
                (p.depositor_structure_id == structure_id)
                | (p.holder_structure_id == structure_id)
                | (p.supplier_structure_id == structure_id)
                | (p.moe_structure_id == structure_id)
                | (p.moa_structure_id == structure_id)
                | (p.recipient_structure_id == structure_id)
                | (p.validator1_structure_id == structure_id)
                | (p.validator2_structure_id == structure_id)
            )
            .limit(1)
        ).first()
        is not None
    )


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


# Statements of the hot path, built once: building SQLAlchemy expressions on every call cost
# more than running them (measured on `take`).
_PIECE_BY_ID = select(pieces).where(pieces.c.id == bindparam("piece_id"))
_PIECE_BY_ID_LOCKED = _PIECE_BY_ID.with_for_update()
_PIECE_WITH_NUMBERS = (
    select(
        pieces, dossiers.c.number.label("dossier_number"), marches.c.number.label("marche_number")
    )
    .join(dossiers, dossiers.c.id == pieces.c.dossier_id)
    .join(marches, marches.c.id == pieces.c.marche_id)
    .where(pieces.c.id == bindparam("piece_id"))
)
_VAT_LINES = (
    select(piece_vat_lines)
    .where(piece_vat_lines.c.piece_id == bindparam("piece_id"))
    .order_by(piece_vat_lines.c.position)
)
_MOVE = (
    update(pieces)
    .where(pieces.c.id == bindparam("b_id"), pieces.c.version == bindparam("b_version"))
    .values(version=pieces.c.version + 1)
)
_EVENT = insert(events)


def _piece_row(conn: Connection, piece_id: int, *, lock: bool = False) -> Row:
    locked = lock and conn.dialect.name != "sqlite"
    row = conn.execute(
        _PIECE_BY_ID_LOCKED if locked else _PIECE_BY_ID, {"piece_id": piece_id}
    ).first()
    if row is None:
        raise NotFound(
            f"Pièce {piece_id} introuvable",
            field="piece",
            hint="vérifiez l'identifiant de la pièce",
        )
    return row


def _load_piece(conn: Connection, piece_id: int) -> Piece:
    """A piece with its dossier and marché numbers and VAT lines, in two statements."""
    row = conn.execute(_PIECE_WITH_NUMBERS, {"piece_id": piece_id}).one()
    return R.piece(row, row.dossier_number, row.marche_number, _vat_lines(conn, piece_id))


def _vat_lines(conn: Connection, piece_id: int) -> tuple[VatLine, ...]:
    return tuple(
        VatLine(Decimal(v.rate), R.from_cents(v.base), R.from_cents(v.amount))
        for v in conn.execute(_VAT_LINES, {"piece_id": piece_id})
    )


def _structures(conn: Connection, ids: set[int]) -> dict[int, Structure]:
    rows = conn.execute(select(structures).where(structures.c.id.in_(ids)))
    return {r.id: R.structure(r) for r in rows}


def _marche_id(conn: Connection, number: str) -> int:
    return conn.execute(select(marches.c.id).where(marches.c.number == number)).scalar_one()


def _move(
    conn: Connection,
    row: Row,
    to_state: str,
    holder_id: int | None,
    holder_role: str,
    since: date | None,
    today: date | None = None,
    *,
    changes: dict[str, str] | None = None,
) -> None:
    """Write a new state with the optimistic version check."""
    state_day = today or since or row.state_date
    result = conn.execute(
        _MOVE,
        {
            "b_id": row.id,
            "b_version": row.version,
            "state": to_state,
            "state_date": state_day,
            "holder_structure_id": holder_id,
            "holder_role": str(holder_role),
            "holder_since": since if holder_id else None,
            **(changes or {}),
        },
    )
    if result.rowcount != 1:
        raise Conflict(
            "Quelqu'un a agi sur la pièce avant vous", field="piece", hint="rechargez la pièce"
        )


def _event(
    conn: Connection,
    now: datetime,
    session: Session | None,
    piece_id: int,
    dossier_id: int,
    acting_role: str,
    action: Action,
    from_state: str,
    to_state: str,
    reason: str,
) -> None:
    conn.execute(
        _EVENT,
        {
            "piece_id": piece_id,
            "dossier_id": dossier_id,
            "at": now,
            "user_id": session.user.id if session else None,
            "user_login": session.user.login if session else SYSTEM_LOGIN,
            "structure_id": session.structure.id if session else None,
            "acting_role": str(acting_role),
            "action": str(action),
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
        },
    )


def _start_payment_clock(conn: Connection, dossier_id: int, today: date) -> None:
    conn.execute(
        update(dossiers)
        .where(dossiers.c.id == dossier_id, dossiers.c.moe_available_on.is_(None))
        .values(moe_available_on=today)
    )


def _close_dossier(conn: Connection, dossier_id: int, status: str, now: datetime) -> None:
    conn.execute(
        update(dossiers).where(dossiers.c.id == dossier_id).values(status=status, closed_at=now)
    )
