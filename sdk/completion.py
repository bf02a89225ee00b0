"""What completing a suspended piece supplies besides its comment: attachments and a new
file for the piece, checked as a deposit's files are, written in the completion's own
transaction and summed up in its history event.

Seeds 000 and 001 say only that a piece « peut être suspendue si certaines informations sont
manquantes » and that the depositor then completes it; they say nothing about replacing the
piece's own file. So the file may be replaced only while the piece is SUSPENDUE (the one state a
completion leaves from, checked by the transition table in the same transaction), and the
replaced file is never deleted: it stays on the piece as an attachment of type « Fichier de la
pièce remplacé », listed and downloaded with the others, and the history names both files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Row, func, select

from .deposit import clean_attachment, insert_attachments, put_blobs
from .errors import ValidationRefused
from .field_limits import LIMITS, check_field
from .files_check import AttachmentInput, inspect_deposit
from .findings import errors, warnings
from .model import AttachmentKind
from .store import Store
from .store.schema import attachments, files
from .vocabulary import ATTACHMENT_KIND_LABELS, COMPLETION_TEXTS

#: The refusals' sentences: files in error; files that only carry warnings.
REFUSED = "Complément refusé par les contrôles des fichiers"
CONFIRM_WARNINGS = (
    "Des avertissements doivent être confirmés avant de compléter la pièce (option --confirm)"
)


@dataclass(frozen=True, slots=True)
class Supplement:
    """The checked files of a completion: its attachments (cleaned) and the piece's new file
    with its detected format."""

    attachments: tuple[AttachmentInput, ...] = ()
    file: Path | None = None
    file_format: str = ""

    @property
    def empty(self) -> bool:
        return not self.attachments and self.file is None


def stored_bytes(conn: Connection, row: Row) -> int:
    """The size of the files the piece already holds (its file and attachments)."""
    held = conn.execute(
        select(func.coalesce(func.sum(attachments.c.size), 0)).where(
            attachments.c.piece_id == row.id
        )
    ).scalar_one()
    if row.file_sha256:
        held += conn.execute(select(files.c.size).where(files.c.sha256 == row.file_sha256)).scalar()
    return int(held)


def prepare(
    attachments_in: Sequence[AttachmentInput],
    file: Path | None,
    held_bytes: int,
    trust_bundle: Sequence[Path],
    *,
    confirm_warnings: bool = False,
) -> Supplement:
    """The completion's files checked as at deposit (safe names, types, formats, sizes, the
    piece's total counting the `held_bytes` already stored), or the refusal: a named usage
    error on a name or type, `ValidationRefused` with the findings on the files' content (its
    warnings too, unless `confirm_warnings`). Reads the files; writes nothing."""
    if file is not None:
        check_field(
            "file", file.name, limit_key="piece_file_name", label="Nom du fichier de la pièce"
        )
    cleaned = tuple(clean_attachment(i, a) for i, a in enumerate(attachments_in))
    if file is None and not cleaned:
        return Supplement()
    file_format, findings = inspect_deposit(
        file, list(cleaned), trust_bundle=trust_bundle, stored_bytes=held_bytes
    )
    if errors(findings):
        raise ValidationRefused(findings, REFUSED)
    if warnings(findings) and not confirm_warnings:
        raise ValidationRefused(findings, CONFIRM_WARNINGS)
    return Supplement(cleaned, file, file_format)


def write(
    conn: Connection,
    store: Store,
    row: Row,
    supplement: Supplement,
    today: date,
    created: list[str],
) -> tuple[dict[str, object], list[str]]:
    """Store the supplement's files for the piece `row`, in the completion's transaction
    (the blobs this writes are added to `created`, for the caller's cleanup should it fail).
    Returns the piece's column changes (its new file; downloaded again by its holder) and the
    history's lines on the files."""
    if supplement.empty:
        return {}, []
    sources = ([supplement.file] if supplement.file else []) + [
        a.path for a in supplement.attachments
    ]
    blobs = put_blobs(conn, store, sources, created)
    lines: list[str] = []
    changes: dict[str, object] = {"downloaded": False}
    offset = 0
    if supplement.file is not None:
        offset = 1
        if row.file_sha256:
            insert_attachments(conn, row.id, [_kept(row, today)], [_held(conn, row)])
        changes.update(
            file_sha256=blobs[0][0],
            file_name=supplement.file.name,
            file_format=supplement.file_format,
        )
        old = row.file_name or COMPLETION_TEXTS["empty"]
        lines.append(COMPLETION_TEXTS["file"].format(old=old, new=supplement.file.name))
    if supplement.attachments:
        insert_attachments(conn, row.id, supplement.attachments, blobs[offset:])
        items = ", ".join(
            COMPLETION_TEXTS["attachment"].format(
                name=a.display_name, kind=ATTACHMENT_KIND_LABELS.get(a.kind, a.kind)
            )
            for a in supplement.attachments
        )
        lines.append(COMPLETION_TEXTS["attachments"].format(items=items))
    return changes, lines


def field_lines(row: Row, changes: dict[str, str]) -> list[str]:
    """The history's lines on the engagement and service code a completion changed."""
    empty = COMPLETION_TEXTS["empty"]
    return [
        COMPLETION_TEXTS[name].format(old=getattr(row, name) or empty, new=value or empty)
        for name, value in changes.items()
        if name in ("engagement", "service_code") and value != getattr(row, name)
    ]


def _held(conn: Connection, row: Row) -> tuple[str, int]:
    size = conn.execute(select(files.c.size).where(files.c.sha256 == row.file_sha256)).scalar()
    return row.file_sha256, int(size or 0)


def _kept(row: Row, today: date) -> AttachmentInput:
    """The replaced file as an attachment: its name cut to the attachments' width (extension
    kept), the whole name in the designation."""
    name, limit = row.file_name or "fichier", LIMITS["file_name"]
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        keep = f"{dot}{ext}" if dot and len(ext) < 10 else ""
        name = (stem if keep else name)[: limit - len(keep)] + keep
    designation = COMPLETION_TEXTS["replaced_designation"].format(
        day=f"{today:%d/%m/%Y}", name=row.file_name
    )[: LIMITS["attachment_designation"]]
    return AttachmentInput(Path(name), AttachmentKind.FICHIER_REMPLACE.value, designation, name)
