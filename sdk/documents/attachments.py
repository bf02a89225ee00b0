"""Attachment rules of the portal (domain §8), as graded findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..findings import Finding, Severity
from . import fmt
from .files import (
    EXTENSION_KINDS,
    KIND_LABELS,
    extension,
    file_size,
    name_problem,
    read_head,
    sniff,
)
from .limits import DEFAULT_LIMITS, Limits

# Extensions accepted for attachments: data, edit here.
ALLOWED_EXTENSIONS: frozenset[str] = frozenset(
    {
        "pdf", "xml", "csv", "txt", "rtf",
        "png", "jpg", "jpeg", "gif", "tif", "tiff", "bmp", "svg",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "pps",
        "odt", "ods", "odp",
        "zip", "rar", "7z", "gz", "tgz", "bz2",
        "htm", "html", "xhtml",
        "p7s", "xades",
    }
)  # fmt: skip

AttachmentSpec = Path | str | tuple[Path | str, str]


def _error(rule: str, field: str, message: str, hint: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, field=field, message=message, hint=hint)


def name_findings(
    name: str, *, field: str = "attachment", limits: Limits = DEFAULT_LIMITS
) -> list[Finding]:
    """Rules on the name alone: safe, ≤ `max_name_length` characters, allowed extension."""
    problem = name_problem(name)
    if problem:
        return [_error("attachment.name.unsafe", field, problem, "renommez le fichier")]
    out: list[Finding] = []
    if len(name) > limits.max_name_length:
        out.append(
            _error(
                "attachment.name.length",
                field,
                f"nom trop long : {len(name)} caractères (maximum {limits.max_name_length}, "
                "extension comprise)",
                "raccourcissez le nom du fichier",
            )
        )
    ext = extension(name)
    if ext not in ALLOWED_EXTENSIONS:
        what = f"extension « .{ext} » non autorisée" if ext else "fichier sans extension"
        out.append(
            _error(
                "attachment.extension",
                field,
                f"{name} : {what}",
                "formats acceptés : " + ", ".join(sorted(ALLOWED_EXTENSIONS)),
            )
        )
    return out


def size_findings(
    name: str, size: int, *, field: str = "attachment", limits: Limits = DEFAULT_LIMITS
) -> list[Finding]:
    if size == 0:
        return [
            _error("attachment.empty", field, f"{name} : fichier vide", "joignez le bon fichier")
        ]
    if size > limits.max_attachment_bytes:
        return [
            _error(
                "attachment.size",
                field,
                f"{name} : {fmt.size(size)}, au-delà de {fmt.size(limits.max_attachment_bytes)}",
                "compressez ou scindez la pièce jointe",
            )
        ]
    return []


def check_attachment(
    path: Path | str,
    name: str | None = None,
    *,
    field: str = "attachment",
    limits: Limits = DEFAULT_LIMITS,
) -> list[Finding]:
    """All rules for one attachment file; `name` is the name it will carry (default: the
    file's own). The size comes from the file system; only 1 KiB is read, to sniff content."""
    path = Path(path)
    name = path.name if name is None else name
    out = name_findings(name, field=field, limits=limits)
    size = file_size(path)
    out += size_findings(name, size, field=field, limits=limits)
    expected = EXTENSION_KINDS.get(extension(name))
    if size and expected:
        kind = sniff(read_head(path))
        if kind != "unknown" and kind not in expected:
            out.append(
                Finding(
                    rule_id="attachment.content",
                    severity=Severity.WARNING,
                    field=field,
                    message=f"{name} : l'extension ne correspond pas au contenu "
                    f"({KIND_LABELS[kind]})",
                    hint="vérifiez qu'il s'agit du bon fichier",
                )
            )
    return out


def check_attachments(
    attachments: Sequence[AttachmentSpec],
    *,
    piece_file: Path | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Finding]:
    """Rules for every attachment (field `attachments[i]`) and the piece total: piece file
    plus attachments ≤ `max_piece_bytes`. Items are paths or (path, name) pairs."""
    out: list[Finding] = []
    total = file_size(Path(piece_file)) if piece_file is not None else 0
    for index, spec in enumerate(attachments):
        path, name = spec if isinstance(spec, tuple) else (spec, None)
        out += check_attachment(path, name, field=f"attachments[{index}]", limits=limits)
        total += file_size(Path(path))
    if total > limits.max_piece_bytes:
        out.append(
            _error(
                "attachment.total",
                "attachments",
                f"la pièce et ses pièces jointes font {fmt.size(total)}, au-delà de "
                f"{fmt.size(limits.max_piece_bytes)}",
                "retirez ou allégez des pièces jointes",
            )
        )
    return out
