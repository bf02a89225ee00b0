"""Reading a deposited PDF with pypdf, under limits: pages, text, signatures, Factur-X XML.

What pypdf says goes to the debug log (logger "decompte.documents"); the person sees named
French errors and findings only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..findings import Finding, Severity
from .errors import (
    BrokenXrefError,
    DamagedPdfError,
    DocumentError,
    EncryptedPdfError,
    ResourceLimitError,
    TruncatedPdfError,
)
from .limits import DEFAULT_LIMITS, Limits, decoding_budget, guarded, pypdf_configuration
from .pdf_budget import active_content, check_xref_chain, count_pages, document_actions

PADES_SUBFILTERS = frozenset({"ETSI.CAdES.detached", "adbe.pkcs7.detached"})
TIMESTAMP_SUBFILTER = "ETSI.RFC3161"
# Names of the invoice XML in a Factur-X / ZUGFeRD / XRechnung PDF, by preference.
INVOICE_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
_TAIL_BYTES = 2048
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_OBJ_HEAD = re.compile(rb"\s*(xref\b|\d+\s+\d+\s+obj\b)")
# pypdf warnings that mean it had to rebuild the cross-reference table.
_XREF_REPAIR = re.compile(
    r"wrong pointing object|ref repaired|startxref|broken xref|rebuild|xref table.*(invalid|bad)",
    re.IGNORECASE,
)
# pypdf logs this (non-strict) when an object hit RecursionError or MemoryError.
_RESOURCE_WARNING = re.compile(r"Error reading PDF file|recursion depth", re.IGNORECASE)
_log = logging.getLogger("decompte.documents")


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """One signature dictionary; its cryptographic value is *not* verified here."""

    field_name: str
    sub_filter: str
    filter: str
    byte_range: tuple[int, ...]
    covers_whole_file: bool
    contents_gap_ok: bool  # the excluded range is exactly the /Contents hex string
    signing_time: str = ""
    signer_name: str = ""
    reason: str = ""
    location: str = ""

    @property
    def pades(self) -> bool:
        return self.sub_filter in PADES_SUBFILTERS

    @property
    def timestamp(self) -> bool:
        return self.sub_filter == TIMESTAMP_SUBFILTER

    def as_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "sub_filter": self.sub_filter,
            "filter": self.filter,
            "pades": self.pades,
            "byte_range": list(self.byte_range),
            "covers_whole_file": self.covers_whole_file,
            "contents_gap_ok": self.contents_gap_ok,
            "signing_time": self.signing_time,
            "signer_name": self.signer_name,
            "reason": self.reason,
            "location": self.location,
        }


@dataclass(frozen=True, slots=True)
class PdfInfo:
    pages: int | None
    encrypted: bool
    version: str
    has_text: bool
    text_sample: str
    text_complete: bool  # False when the text probe stopped on its time budget
    signatures: tuple[SignatureInfo, ...]
    embedded_files: tuple[str, ...]
    invoice_xml_name: str
    invoice_xml: bytes | None
    warnings: tuple[str, ...]  # what pypdf had to work around while reading (English)
    active_content: bool = False  # JavaScript or a launch action a viewer would run


def risk_findings(
    info: PdfInfo, field: str, *, prefix: str = "", rule_prefix: str = "pdf"
) -> list[Finding]:
    """What a PDF carries besides its pages, for the piece file and attachments alike: a
    script a viewer would run (error), files embedded other than the Factur-X invoice XML
    (warning: nothing checks them)."""
    out: list[Finding] = []
    if info.active_content:
        out.append(
            Finding(
                f"{rule_prefix}.javascript",
                Severity.ERROR,
                field,
                f"{prefix}le PDF contient du JavaScript ou une action de lancement qu'un "
                "lecteur PDF exécuterait chez le destinataire",
                "exportez ou imprimez le document en PDF sans script, puis déposez-le",
            )
        )
    others = [n for n in info.embedded_files if n != info.invoice_xml_name]
    if others:
        out.append(
            Finding(
                f"{rule_prefix}.embedded",
                Severity.WARNING,
                field,
                f"{prefix}le PDF contient {len(others)} fichier(s) incorporé(s), non "
                "contrôlé(s) : " + ", ".join(others[:5]) + (" …" if len(others) > 5 else ""),
                "déposez ces fichiers comme pièces jointes plutôt qu'à l'intérieur du PDF",
            )
        )
    return out


def check_structure(handle: IO[bytes], size: int) -> int:
    """Refuse truncated files and a `startxref` that points nowhere, before pypdf repairs it;
    return the startxref offset."""
    handle.seek(max(0, size - _TAIL_BYTES))
    tail = handle.read()
    if b"%%EOF" not in tail:
        raise TruncatedPdfError("le PDF est tronqué (marqueur de fin %%EOF absent)")
    found = list(_STARTXREF.finditer(tail))
    if not found:
        raise BrokenXrefError("le PDF n'indique pas où se trouve sa table xref (startxref)")
    offset = int(found[-1].group(1))
    if offset >= size:
        raise BrokenXrefError("la table xref du PDF est hors du fichier")
    handle.seek(offset)
    if not _OBJ_HEAD.match(handle.read(64)):
        raise BrokenXrefError(f"la table xref du PDF est invalide (startxref {offset})")
    return offset


@contextmanager
def _pypdf_warnings() -> Iterator[list[str]]:
    """Collect pypdf's log warnings of this thread (and keep them off stderr)."""
    records: list[str] = []
    thread = threading.get_ident()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread and len(records) < 100:
                records.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def read_pdf(
    path: Path, size: int, limits: Limits = DEFAULT_LIMITS, *, allow_encrypted: bool = False
) -> PdfInfo:
    """Read a PDF under the limits; damaged, encrypted or abusive files raise a named error."""
    import pypdf  # noqa: F401  # imported before the memory safety net starts counting

    with open(path, "rb") as handle:
        start = check_structure(handle, size)
        check_xref_chain(handle, size, start, limits)
        scripted = active_content(handle, size)
        with (
            _pypdf_warnings() as warnings,
            pypdf_configuration(limits),
            decoding_budget(limits) as exceeded,
        ):
            try:
                info = guarded(
                    lambda: _read(handle, limits, allow_encrypted), limits, "la lecture du PDF"
                )
            except DocumentError:
                if exceeded():
                    raise _decoding_error(exceeded(), limits) from None
                raise
            if exceeded():
                raise _decoding_error(exceeded(), limits)
        for warning in warnings:
            _log.debug("pypdf: %s", warning)
        if any(_RESOURCE_WARNING.search(w) for w in warnings):
            raise ResourceLimitError(
                "structure du PDF imbriquée trop profondément ou trop lourde",
                rule_id="pdf.limit.nesting",
            )
        if any(_XREF_REPAIR.search(w) for w in warnings):
            raise BrokenXrefError(
                "la table xref du PDF est invalide : ses objets ne sont pas où elle l'indique"
            )
        signatures = tuple(_check_gap(handle, size, s) for s in info["signatures"])
    return PdfInfo(
        signatures=signatures,
        warnings=tuple(dict.fromkeys(warnings)),
        active_content=scripted or info["scripted"],
        **info["fields"],
    )


def _read(handle: IO[bytes], limits: Limits, allow_encrypted: bool) -> dict[str, Any]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    try:
        reader = PdfReader(handle, strict=False)
        version = reader.pdf_header.removeprefix("%PDF-")
        if reader.is_encrypted:
            if not allow_encrypted:
                raise EncryptedPdfError("le PDF est chiffré (mot de passe ou restrictions)")
            return _encrypted(reader, version, limits)
        count_pages(reader, limits)  # bounded walk first: pypdf's own one is recursive
        pages = len(reader.pages)
        sample, text_complete = _text_probe(reader, pages, limits)
        signatures = _signatures(reader, limits)
        names, xml_name, xml = _embedded(reader, limits)
        scripted = document_actions(reader, limits)
        _check_depth(reader, limits)
    except DocumentError:
        raise
    except LimitReachedError as exc:
        _log.debug("pypdf limit: %s", exc)
        raise _limit_error(exc, limits) from None
    except MemoryError:
        raise ResourceLimitError(
            "le PDF demande trop de mémoire à la lecture", rule_id="file.limit.memory"
        ) from None
    except Exception as exc:
        _log.debug("pypdf: %s: %s", type(exc).__name__, exc)
        if _caused_by(exc, (RecursionError, MemoryError)):
            raise ResourceLimitError(
                "structure du PDF imbriquée trop profondément", rule_id="pdf.limit.nesting"
            ) from None
        raise DamagedPdfError("PDF illisible : sa structure ne respecte pas la norme PDF") from None
    fields = {
        "pages": pages,
        "encrypted": False,
        "version": version,
        "has_text": bool(sample),
        "text_sample": sample,
        "text_complete": text_complete,
        "embedded_files": names,
        "invoice_xml_name": xml_name,
        "invoice_xml": xml,
    }
    return {"fields": fields, "signatures": signatures, "scripted": scripted}


def _decoding_error(reason: str, limits: Limits) -> ResourceLimitError:
    if reason == "blank":
        return ResourceLimitError(
            "un flux d'objets du PDF contient une longue plage vide qui rendrait sa lecture "
            "démesurément lente",
            rule_id="pdf.limit.object",
        )
    return ResourceLimitError(
        "les flux du PDF se décompressent en plus de "
        f"{limits.max_total_decoded_bytes // (1024 * 1024)} Mo au total (bombe de décompression ?)",
        rule_id="pdf.limit.decoded",
    )


def _limit_error(exc: BaseException, limits: Limits) -> ResourceLimitError:
    """pypdf's LimitReachedError in French: raised by its filters, a stream decompresses
    beyond the budget; elsewhere, an object is too large or loops."""
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is not None and frame.tb_frame.f_code.co_filename.endswith("filters.py"):
        return ResourceLimitError(
            "un flux du PDF se décompresse au-delà de "
            f"{limits.max_stream_bytes // (1024 * 1024)} Mo (bombe de décompression ?)",
            rule_id="pdf.limit.decoded",
        )
    return ResourceLimitError(
        "un objet du PDF dépasse une limite de lecture (tableau, dictionnaire ou "
        "arborescence trop grands, ou en boucle)",
        rule_id="pdf.limit.object",
    )


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 20:
        if isinstance(current, kinds):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _encrypted(reader: Any, version: str, limits: Limits) -> dict[str, Any]:
    pages: int | None = None
    try:
        if reader.decrypt(""):
            pages = count_pages(reader, limits)
    except DocumentError:
        raise
    except Exception:
        pages = None
    fields = {
        "pages": pages,
        "encrypted": True,
        "version": version,
        "has_text": False,
        "text_sample": "",
        "text_complete": False,
        "embedded_files": (),
        "invoice_xml_name": "",
        "invoice_xml": None,
    }
    return {"fields": fields, "signatures": (), "scripted": False}


def _text_probe(reader: Any, pages: int, limits: Limits) -> tuple[str, bool]:
    """Text of the first pages, whitespace collapsed, cut at `text_sample_chars`.

    Decompression and nesting bombs met here are refused. pypdf parses content at about
    2 s a MB, so only `text_probe_bytes` of decoded content are parsed: past them the probe
    stops and the flag returned is False — a count of bytes, the same on any machine.
    """
    parts: list[str] = []
    budget = limits.text_probe_bytes
    for index in range(min(pages, limits.text_probe_pages)):
        page = reader.pages[index]
        cost = _decode_page(page, limits)
        if cost > budget:
            return _sample(parts, limits), False
        budget -= cost
        contents = page.get_contents()
        if contents is not None:
            _ = contents.operations  # extract_text skips text-less content: parse it anyway
        del contents
        parts.append(" ".join((page.extract_text() or "").split()))
        if sum(len(p) for p in parts) >= limits.text_sample_chars:
            break
    return _sample(parts, limits), True


def _sample(parts: list[str], limits: Limits) -> str:
    return " ".join(p for p in parts if p)[: limits.text_sample_chars]


def _decode_page(page: Any, limits: Limits) -> int:
    """Decode what text extraction reads (contents, form XObjects, ToUnicode maps) within a
    budget: pypdf would silently truncate a decompression bomb, here it is refused. Returns
    the decoded bytes."""
    total = 0
    seen: set[int] = set()
    todo: list[tuple[Any, int]] = [(page, 0)]
    while todo:
        holder, depth = todo.pop()
        streams = _resolve(holder.get("/Contents")) if holder is page else holder
        for stream in streams if isinstance(streams, list) else [streams]:
            stream = _resolve(stream)
            if stream is None or id(stream) in seen or not hasattr(stream, "get_data"):
                continue
            seen.add(id(stream))
            total += len(stream.get_data())
            if total > limits.max_decoded_page_bytes or len(seen) > limits.max_array_items:
                raise ResourceLimitError(
                    "le contenu d'une page dépasse la taille décompressée autorisée "
                    f"({limits.max_decoded_page_bytes // (1024 * 1024)} Mo)",
                    rule_id="pdf.limit.decoded",
                )
        if depth >= 4:
            continue
        resources = _resolve(holder.get("/Resources"))
        if not hasattr(resources, "get"):
            continue
        for font in _values(resources.get("/Font")):
            if hasattr(font, "get") and font.get("/ToUnicode") is not None:
                todo.append((_resolve(font.get("/ToUnicode")), depth + 1))
        for xobject in _values(resources.get("/XObject")):
            if hasattr(xobject, "get") and xobject.get("/Subtype") == "/Form":
                todo.append((xobject, depth + 1))
    return total


def _check_depth(reader: Any, limits: Limits) -> None:
    """Refuse objects nested deeper than `max_nesting` among those pypdf has parsed."""
    from pypdf.generic import IndirectObject

    budget = limits.max_array_items * 10
    todo = [(obj, 1) for obj in list(reader.resolved_objects.values())]
    while todo:
        node, depth = todo.pop()
        budget -= 1
        if depth > limits.max_nesting or budget < 0:
            raise ResourceLimitError(
                "structure du PDF imbriquée trop profondément "
                f"(plus de {limits.max_nesting} niveaux)",
                rule_id="pdf.limit.nesting",
            )
        if isinstance(node, IndirectObject):
            continue
        if isinstance(node, dict):
            todo.extend(
                (child, depth + 1) for child in node.values() if isinstance(child, (dict, list))
            )
        elif isinstance(node, list):
            todo.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))


def _resolve(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _values(container: Any) -> list[Any]:
    container = _resolve(container)
    return [_resolve(v) for v in container.values()] if hasattr(container, "values") else []


def _signatures(reader: Any, limits: Limits) -> list[dict[str, Any]]:
    acro = reader.root_object.get("/AcroForm")
    acro = acro.get_object() if acro is not None else None
    if not hasattr(acro, "get"):
        return []
    found: list[dict[str, Any]] = []
    stack = list(acro.get("/Fields") or [])
    seen = 0
    while stack and seen < limits.max_signature_fields:
        node = stack.pop(0).get_object()
        seen += 1
        if not hasattr(node, "get"):
            continue
        stack.extend(node.get("/Kids") or [])
        value = node.get("/V")
        value = value.get_object() if value is not None else None
        if node.get("/FT") != "/Sig" or not hasattr(value, "get"):
            continue
        byte_range = tuple(int(n) for n in (value.get("/ByteRange") or ()))
        found.append(
            {
                "field_name": _text(node.get("/T")),
                "sub_filter": _text(value.get("/SubFilter")).lstrip("/"),
                "filter": _text(value.get("/Filter")).lstrip("/"),
                "byte_range": byte_range,
                "signing_time": _pdf_date(_text(value.get("/M"))),
                "signer_name": _text(value.get("/Name")),
                "reason": _text(value.get("/Reason")),
                "location": _text(value.get("/Location")),
            }
        )
    return found


def _check_gap(handle: IO[bytes], size: int, sig: dict[str, Any]) -> SignatureInfo:
    br = sig["byte_range"]
    valid = len(br) == 4 and br[0] == 0 and 0 < br[1] < br[2] <= size and br[3] >= 0
    covers = valid and br[2] + br[3] == size
    gap_ok = False
    if valid:
        handle.seek(br[1])
        first = handle.read(1)
        handle.seek(br[2] - 1)
        gap_ok = first == b"<" and handle.read(1) == b">"
    return SignatureInfo(covers_whole_file=covers, contents_gap_ok=gap_ok, **sig)


def _embedded(reader: Any, limits: Limits) -> tuple[tuple[str, ...], str, bytes | None]:
    names: list[str] = []
    chosen: tuple[int, str, Any] | None = None
    for count, item in enumerate(reader.attachment_list):
        if count >= limits.max_embedded_files:
            break
        names.append(item.name)
        key = item.name.lower()
        if key in INVOICE_XML_NAMES:
            rank = INVOICE_XML_NAMES.index(key)
            if chosen is None or rank < chosen[0]:
                chosen = (rank, item.name, item)
    if chosen is None:
        return tuple(names), "", None
    return tuple(names), chosen[1], chosen[2].content


def _text(value: object) -> str:
    if value is None:
        return ""
    value = value.get_object() if hasattr(value, "get_object") else value
    return str(value)


def _pdf_date(raw: str) -> str:
    """PDF date "D:20240531100000+02'00'" → "2024-05-31T10:00:00+02:00" (raw if unparsable)."""
    match = re.match(
        r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?", raw
    )
    if not match:
        return raw
    y, mo, d, h, mi, s, tz, tzh, tzm = match.groups()
    text = f"{y}-{mo or '01'}-{d or '01'}T{h or '00'}:{mi or '00'}:{s or '00'}"
    if tz in ("Z", "z"):
        return text + "Z"
    if tz in ("+", "-"):
        return f"{text}{tz}{tzh or '00'}:{tzm or '00'}"
    return text
