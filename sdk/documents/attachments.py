"""Attachment rules of the portal (domain §8), as graded findings.

Attachments are read like the piece file: a PDF under the same budgets (truncated, encrypted,
bomb, script), an XML through the same streaming scan (DTD, entities, budgets), an image's
bytes against its format. Each problem is a finding on `attachments[i]`, never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..findings import Finding, Severity
from . import fmt
from .errors import DocumentError, ReadDeadlineError
from .files import (
    EXTENSION_KINDS,
    KIND_LABELS,
    STRICT_KINDS,
    extension,
    file_size,
    name_problem,
    read_head,
    sniff,
)
from .limits import DEFAULT_LIMITS, Limits, guarded

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
    name: str,
    *,
    field: str = "attachment",
    limits: Limits = DEFAULT_LIMITS,
    rule_prefix: str = "attachment",
    allowed: frozenset[str] | None = ALLOWED_EXTENSIONS,
) -> list[Finding]:
    """Rules on the name alone: safe, ≤ `max_name_length` characters, allowed extension. The
    piece file's name follows them too (`rule_prefix` "file"; `allowed` None: its extension
    is judged against its content by `inspect_file`)."""
    problem = name_problem(name)
    if problem:
        return [_error(f"{rule_prefix}.name.unsafe", field, problem, "renommez le fichier")]
    out: list[Finding] = []
    if len(name) > limits.max_name_length:
        out.append(
            _error(
                f"{rule_prefix}.name.length",
                field,
                f"nom trop long : {len(name)} caractères (maximum {limits.max_name_length}, "
                "extension comprise)",
                "raccourcissez le nom du fichier",
            )
        )
    ext = extension(name)
    if allowed is not None and ext not in allowed:
        what = f"extension « .{ext} » non autorisée" if ext else "fichier sans extension"
        out.append(
            _error(
                f"{rule_prefix}.extension",
                field,
                f"{name} : {what}",
                "formats acceptés : " + ", ".join(sorted(allowed)),
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
    file's own). The size comes from the file system; within the size limit, a PDF or XML is
    read under the reading budgets and other contents are sniffed (1 KiB)."""
    path = Path(path)
    name = path.name if name is None else name
    out = name_findings(name, field=field, limits=limits)
    size = file_size(path)
    sized = size_findings(name, size, field=field, limits=limits)
    out += sized
    expected = EXTENSION_KINDS.get(extension(name))
    if expected and not sized:
        out += content_findings(path, name, size, expected, field=field, limits=limits)
    return out


def content_findings(
    path: Path,
    name: str,
    size: int,
    expected: frozenset[str],
    *,
    field: str = "attachment",
    limits: Limits = DEFAULT_LIMITS,
) -> list[Finding]:
    """Does the content match the extension, and is a PDF or XML readable and safe?"""
    kind = sniff(read_head(path))
    if kind not in expected:
        if not expected & STRICT_KINDS and kind == "unknown":
            return []  # office files, archives: only a recognised other format is doubtful
        strict = bool(expected & STRICT_KINDS)
        return [
            Finding(
                rule_id="attachment.content",
                severity=Severity.ERROR if strict else Severity.WARNING,
                field=field,
                message=f"{name} : l'extension ne correspond pas au contenu ({KIND_LABELS[kind]})",
                hint="joignez le fichier dans son vrai format"
                if strict
                else "vérifiez qu'il s'agit du bon fichier",
            )
        ]
    try:
        if kind == "pdf":
            return _pdf_findings(path, name, size, field, limits)
        if kind == "xml":
            from .xml_safety import scan_xml

            data = path.read_bytes()
            guarded(lambda: scan_xml(data, limits), limits, "la lecture du XML")
    except ReadDeadlineError:
        raise  # not a verdict on the file: the caller says « réessayez »
    except DocumentError as exc:
        return [exc.as_finding(field, prefix=f"{name} : ", rule_prefix="attachment")]
    return []


def _pdf_findings(path: Path, name: str, size: int, field: str, limits: Limits) -> list[Finding]:
    from .pdf import read_pdf, risk_findings

    info = read_pdf(path, size, limits)
    out = risk_findings(info, field, prefix=f"{name} : ", rule_prefix="attachment.pdf")
    if info.invoice_xml is not None:  # a Factur-X attachment: its XML is judged as a file's
        from .xml_safety import scan_xml

        xml = info.invoice_xml
        try:
            guarded(lambda: scan_xml(xml, limits), limits, "la lecture du XML Factur-X")
        except ReadDeadlineError:
            raise
        except DocumentError as exc:
            prefix = f"{name} : XML Factur-X « {info.invoice_xml_name} » inutilisable : "
            out.append(exc.as_finding(field, prefix=prefix, rule_prefix="attachment.facturx"))
    return out


def check_attachments(
    attachments: Sequence[AttachmentSpec],
    *,
    piece_file: Path | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    stored_bytes: int = 0,
) -> list[Finding]:
    """Rules for every attachment (field `attachments[i]`) and the piece total: piece file
    plus attachments ≤ `max_piece_bytes`, counting `stored_bytes` already on the piece (a
    completion adds to a deposit). Items are paths or (path, name) pairs."""
    out: list[Finding] = []
    total = stored_bytes + (file_size(Path(piece_file)) if piece_file is not None else 0)
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
