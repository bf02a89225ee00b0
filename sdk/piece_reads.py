"""One piece and what hangs on it: the piece, its attachments, its history (suivi du
traitement), its dossier de facturation, its deposit certificate and its deadline. Part of
`Queries` (queries.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from .access import Verb, visible
from .deadlines import Deadline, TacitCountdown, action_deadline
from .documents import CertificateData
from .errors import NotFound
from .late_payment import PiecePayment, carries_payment_deadline, piece_payment
from .model import Event, Piece
from .piece_rows import load_piece
from .read_scope import ReadScope
from .session import Session
from .store import rows as R
from .store.schema import attachments, dossiers, events, files, marches, pieces, structures, users
from .tacit import waiting_countdown

if TYPE_CHECKING:
    from .documents.signature import SignatureCheck

P = pieces.c


def _loaded(conn: Connection, piece_id: int) -> Piece:
    """The piece, or a named error when its stored row cannot be read by this version."""
    try:
        return load_piece(conn, piece_id)
    except R.BAD_ROW as exc:
        R.skipped("Pièce", piece_id, exc)
        raise NotFound(
            f"La pièce {piece_id} ne peut pas être lue : donnée enregistrée invalide",
            field="piece",
            hint="une valeur de la base n'est pas reconnue par cette version ; "
            "un administrateur doit corriger la ligne",
        ) from None


class PieceReads(ReadScope):
    # -- one piece, its history, its dossier ------------------------------------------------------
    def piece(self, session: Session, piece_id: int) -> Piece:
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_PIECE)
            row = conn.execute(select(pieces).where(P.id == piece_id)).first()
            if row is None:
                raise NotFound(
                    f"Pièce {piece_id} introuvable",
                    field="piece",
                    hint="vérifiez le numéro ou la structure pour laquelle vous agissez",
                )
            self.org.access.require_target(conn, session, Verb.READ_PIECE, row)
            return _loaded(conn, row.id)

    def signature_check(self, session: Session, piece_id: int) -> SignatureCheck | None:
        """The signature verdicts of a visible piece's stored PDF (pyHanko, the configured
        trust bundle); None when its file is not a signed or Factur-X PDF. Slow: a worker's."""
        from .documents.signature import verify_signatures

        piece = self.piece(session, piece_id)
        if piece.file_format not in ("PDF_SIGNE_PADES", "FACTURX") or not piece.file_sha256:
            return None
        path = self.store.files.path(piece.file_sha256)
        check = verify_signatures(path, (), self.config.trust_bundle)
        return check if check.verdicts else None

    def attachments(self, session: Session, piece_id: int) -> list[dict[str, Any]]:
        """Name, type, designation and size of a visible piece's attachments."""
        self.piece(session, piece_id)
        a = attachments.c
        with self.store.read() as conn:
            rows = conn.execute(
                select(a.name, a.kind, a.designation, a.size)
                .where(a.piece_id == piece_id)
                .order_by(a.id)
            )
            return [dict(r._mapping) for r in rows]

    def find_piece(self, session: Session, number: str) -> Piece:
        """A piece by its number, among those the acting structure may see."""
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_PIECE)
            rows = conn.execute(select(pieces).where(P.number == number.strip())).all()
            mine = [r for r in rows if visible(conn, session.structure.id, r)]
            if not mine:
                raise NotFound(f"Pièce n° {number} introuvable", field="piece")
            return _loaded(conn, mine[-1].id)

    def history(self, session: Session, piece_id: int) -> list[Event]:
        self.piece(session, piece_id)
        e = events.c
        with self.store.read() as conn:
            return R.readable(
                conn.execute(select(events).where(e.piece_id == piece_id).order_by(e.id)),
                lambda r: Event(
                    r.id,
                    r.piece_id,
                    r.dossier_id,
                    R.required(r.at, "at"),
                    r.user_id,
                    r.user_login,
                    r.structure_id,
                    r.acting_role,
                    r.action,
                    r.from_state,
                    r.to_state,
                    r.reason,
                ),
                "Événement",
            )

    def dossier(self, session: Session, dossier_id: int) -> dict[str, Any]:
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_DOSSIER)
            d = conn.execute(select(dossiers).where(dossiers.c.id == dossier_id)).first()
            chain = conn.execute(
                select(pieces).where(P.dossier_id == dossier_id).order_by(P.id)
            ).all()
            if d is None:
                raise NotFound(f"Dossier {dossier_id} introuvable", field="dossier")
            self.org.access.require_target(conn, session, Verb.READ_DOSSIER, chain)
            marche = conn.execute(
                select(marches.c.number).where(marches.c.id == d.marche_id)
            ).scalar()
            items = R.readable(chain, lambda r: load_piece(conn, r.id), "Pièce")
        today = self.clock().date()
        # the dossier's payment deadline is that of its piece awaiting payment (or paid): a
        # refused or replaced chain carries none, a paid one says when it was paid
        carrying = next((p for p in reversed(items) if carries_payment_deadline(p.state)), None)
        payment = (
            piece_payment(
                carrying.state,
                carrying.state_date,
                carrying.amount_due,
                d.moe_available_on,
                today,
                self.config.deadlines,
                self.config.late_payment,
            )
            if carrying is not None
            else None
        )
        return {
            "id": d.id,
            "number": d.number,
            "marche_number": marche,
            "phase": d.phase,
            "status": d.status,
            "created_at": d.created_at,
            "closed_at": d.closed_at,
            "payment": payment,
            "pieces": items,
        }

    def dossier_by_number(self, session: Session, number: str) -> dict[str, Any]:
        with self.store.read() as conn:
            self.org.access.require(conn, session, Verb.READ_DOSSIER)
            ids = list(
                conn.execute(
                    select(dossiers.c.id).where(dossiers.c.number == number.strip())
                ).scalars()
            )
        for dossier_id in ids:
            try:
                return self.dossier(session, dossier_id)
            except NotFound:
                continue
        raise NotFound(f"Dossier de facturation n° {number} introuvable", field="dossier")

    def certificate(self, session: Session, piece_id: int) -> CertificateData:
        """What the deposit certificate of a piece states (visible pieces only)."""
        piece = self.piece(session, piece_id)
        cadre = self.cadres.get(piece.cadre)
        with self.store.read() as conn:
            names = {
                r.id: f"{r.identifier} - {r.name}"
                for r in conn.execute(
                    select(structures.c.id, structures.c.identifier, structures.c.name).where(
                        structures.c.id.in_(
                            {
                                piece.depositor_structure_id,
                                piece.supplier_structure_id,
                                piece.recipient_structure_id,
                            }
                        )
                    )
                )
            }
            depositor = conn.execute(
                select(users.c.first_name, users.c.last_name).where(
                    users.c.id == piece.depositor_user_id
                )
            ).first()
            size = conn.execute(
                select(files.c.size).where(files.c.sha256 == piece.file_sha256)
            ).scalar()
        return CertificateData(
            number=piece.certificate,
            deposited_at=piece.deposited_at,
            depositor=f"{depositor.first_name} {depositor.last_name}" if depositor else "",
            depositor_structure=names.get(piece.depositor_structure_id, ""),
            cadre_code=cadre.short if cadre else piece.cadre,
            cadre_label=cadre.label if cadre else piece.cadre,
            piece_type=(cadre.document if cadre else ""),
            piece_number=piece.number,
            dossier_number=piece.dossier_number,
            marche_number=piece.marche_number,
            supplier=names.get(piece.supplier_structure_id, ""),
            recipient=names.get(piece.recipient_structure_id or 0, ""),
            total_ht=piece.total_ht,
            total_vat=piece.total_vat,
            total_ttc=piece.total_ttc,
            currency=piece.currency,
            file_name=piece.file_name,
            file_sha256=piece.file_sha256,
            file_format=piece.file_format,
            file_size=size,
        )

    def deadline(self, piece: Piece) -> Deadline | None:
        return action_deadline(
            piece.state,
            piece.holder_role,
            piece.holder_since,
            self.clock().date(),
            self.config.deadlines,
        )

    def tacit(self, piece: Piece) -> TacitCountdown | None:
        """The tacit procedure's countdown when the owner side leaves this piece unanswered
        (the final draft at the MOE, the A17 or the A22 at the MOA); None otherwise."""
        with self.store.read() as conn:
            return waiting_countdown(
                conn, piece, self.cadres, self.config.deadlines, self.clock().date()
            )

    def payment(self, piece: Piece) -> PiecePayment | None:
        """The payment deadline the piece carries (its dossier's clock), the day it was paid
        and the late-payment interest owed today or on that day (`late_payment`)."""
        with self.store.read() as conn:
            start = conn.execute(
                select(dossiers.c.moe_available_on).where(dossiers.c.id == piece.dossier_id)
            ).scalar()
        return piece_payment(
            piece.state,
            piece.state_date,
            piece.amount_due,
            start,
            self.clock().date(),
            self.config.deadlines,
            self.config.late_payment,
        )
