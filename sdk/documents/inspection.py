"""`decompte file inspect`: what a deposited file is and what it says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..findings import Finding, Severity
from ..vocabulary import FORMAT_LABELS
from . import fmt
from .attachments import name_findings
from .errors import (
    DocumentError,
    EmptyFileError,
    FileTooLargeError,
    FormatMismatchError,
    ReadDeadlineError,
    UnsupportedFormatError,
)
from .files import (
    EXTENSION_KINDS,
    KIND_LABELS,
    extension,
    file_size,
    read_head,
    sha256_file,
    sniff,
    validate_file_name,
)
from .limits import DEFAULT_LIMITS, Limits, guarded
from .pdf import PdfInfo, SignatureInfo, read_pdf, risk_findings
from .signature import VERIFIED_SUBFILTERS, SignatureCheck, Verdict, verify_signatures
from .xml_invoice import FIELD_LABELS, InvoiceData, read_invoice


class DocumentFormat(StrEnum):
    """The portal's "format de dépôt", as detected from the content."""

    PDF_NON_SIGNE = "PDF_NON_SIGNE"
    PDF_SIGNE_PADES = "PDF_SIGNE_PADES"
    FACTURX = "FACTURX"
    XML_CII = "XML_CII"
    XML_UBL = "XML_UBL"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {DocumentFormat(code): text for code, text in FORMAT_LABELS.items()}


@dataclass(frozen=True, slots=True)
class Inspection:
    path: str
    name: str
    size: int
    sha256: str
    format: DocumentFormat
    pages: int | None = None
    encrypted: bool = False
    pdf_version: str = ""
    has_text: bool = False
    text_sample: str = ""
    signatures: tuple[SignatureInfo, ...] = ()
    signature_check: SignatureCheck | None = None  # pyHanko's verdicts, when signed
    embedded_files: tuple[str, ...] = ()
    embedded_xml: str = ""  # name of the invoice XML inside a Factur-X PDF
    invoice: InvoiceData | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def signed(self) -> bool:
        return any(s.pades for s in self.signatures)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: amounts as strings, dates ISO."""
        return {
            "path": self.path,
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "format": str(self.format),
            "format_label": self.format.label,
            "pages": self.pages,
            "encrypted": self.encrypted,
            "pdf_version": self.pdf_version,
            "has_text": self.has_text,
            "text_sample": self.text_sample,
            "signed": self.signed,
            "signatures": [s.as_dict() for s in self.signatures],
            "signature_check": self.signature_check.as_dict() if self.signature_check else None,
            "embedded_files": list(self.embedded_files),
            "embedded_xml": self.embedded_xml or None,
            "invoice": self.invoice.as_dict() if self.invoice else None,
            "findings": [f.as_dict() for f in self.findings],
        }

    def render_text(self) -> str:
        from .render import render_inspection

        return render_inspection(self)


def inspect_file(
    path: Path | str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    lenient: bool = False,
    trust_bundle: Sequence[Path] = (),
) -> Inspection:
    """Detect the format of a piece file and read it under limits.

    Raises a DocumentError subclass for a file that cannot be a piece (unsafe name, empty,
    too large, not PDF/XML, damaged, bomb, unsafe or non-invoice XML). A name the portal
    refuses (too long, extension) is an error finding. An encrypted PDF raises
    EncryptedPdfError unless `lenient`, which reports it as an error finding instead.
    Signatures are verified against the root certificates of `trust_bundle` (the
    configuration's `[signatures] trust_bundle`); without one they are « non vérifiable ».
    """
    path = Path(path)
    validate_file_name(path.name)
    findings = name_findings(path.name, field="file_name", rule_prefix="file", allowed=None)
    size = file_size(path)
    if size == 0:
        raise EmptyFileError("le fichier est vide (0 octet)")
    if size > limits.max_document_bytes:
        raise FileTooLargeError(
            f"fichier trop volumineux : {fmt.size(size)} "
            f"(maximum {fmt.size(limits.max_document_bytes)})"
        )
    kind = sniff(read_head(path))
    ext = extension(path.name)
    if kind not in ("pdf", "xml"):
        if kind not in EXTENSION_KINDS.get(ext, {kind}):
            raise FormatMismatchError(
                f"le fichier porte l'extension .{ext} mais contient : {KIND_LABELS[kind]}"
            )
        raise UnsupportedFormatError(f"format non pris en charge : {KIND_LABELS[kind]}")
    if ext in ("pdf", "xml") and ext != kind:
        raise FormatMismatchError(
            f"le fichier porte l'extension .{ext} mais contient : {KIND_LABELS[kind]}"
        )
    if ext != kind:
        findings.append(
            Finding(
                "file.extension",
                Severity.ERROR,
                "file_name",
                (f"extension « .{ext} »" if ext else "fichier sans extension")
                + f" : contenu {KIND_LABELS[kind]}",
                f"renommez le fichier en .{kind}",
            )
        )
    base = {"path": str(path), "name": path.name, "size": size, "sha256": sha256_file(path)}
    if kind == "xml":
        return _inspect_xml(path, size, limits, base, findings)
    return _inspect_pdf(path, size, limits, lenient, base, findings, trust_bundle)


def _inspect_xml(
    path: Path, size: int, limits: Limits, base: dict[str, Any], findings: list[Finding]
) -> Inspection:
    if size > limits.max_xml_bytes:
        raise FileTooLargeError(
            f"XML trop volumineux : {fmt.size(size)} (maximum {fmt.size(limits.max_xml_bytes)})"
        )
    import facturx  # noqa: F401  # imported before the memory safety net starts counting

    invoice = guarded(
        lambda: read_invoice(path.read_bytes(), limits),
        limits,
        "la lecture du XML",
    )
    fmt_ = DocumentFormat.XML_CII if invoice.syntax == "CII" else DocumentFormat.XML_UBL
    findings.extend(_invoice_findings(invoice, "xml"))
    return Inspection(format=fmt_, invoice=invoice, findings=tuple(findings), **base)


def _inspect_pdf(
    path: Path,
    size: int,
    limits: Limits,
    lenient: bool,
    base: dict[str, Any],
    findings: list[Finding],
    trust_bundle: Sequence[Path] = (),
) -> Inspection:
    info = read_pdf(path, size, limits, allow_encrypted=lenient)
    findings.extend(_pdf_findings(info, limits))
    check = _check_signatures(path, info, trust_bundle, limits)
    if check is not None:
        findings.extend(_verdict_findings(check, chains_checked=bool(trust_bundle)))
    invoice: InvoiceData | None = None
    if info.invoice_xml is not None:
        import facturx  # noqa: F401  # imported before the memory safety net starts counting

        try:
            invoice = guarded(
                lambda: read_invoice(info.invoice_xml or b"", limits),
                limits,
                "la lecture du XML Factur-X",
            )
            findings.extend(_invoice_findings(invoice, "facturx"))
        except ReadDeadlineError:
            raise
        except DocumentError as exc:  # the same verdict as for an XML file, under "facturx."
            findings.append(
                exc.as_finding(
                    "file",
                    prefix=f"XML Factur-X « {info.invoice_xml_name} » inutilisable : ",
                    rule_prefix="facturx",
                )
            )
    if info.invoice_xml_name:
        doc_format = DocumentFormat.FACTURX
    elif any(s.pades for s in info.signatures):
        doc_format = DocumentFormat.PDF_SIGNE_PADES
    else:
        doc_format = DocumentFormat.PDF_NON_SIGNE
    return Inspection(
        format=doc_format,
        pages=info.pages,
        encrypted=info.encrypted,
        pdf_version=info.version,
        has_text=info.has_text,
        text_sample=info.text_sample,
        signatures=info.signatures,
        signature_check=check,
        embedded_files=info.embedded_files,
        embedded_xml=info.invoice_xml_name,
        invoice=invoice,
        findings=tuple(findings),
        **base,
    )


def _finding(rule: str, severity: Severity, message: str, hint: str = "") -> Finding:
    return Finding(rule_id=rule, severity=severity, field="file", message=message, hint=hint)


def _pdf_findings(info: PdfInfo, limits: Limits) -> list[Finding]:
    out: list[Finding] = []
    if info.encrypted:
        out.append(
            _finding(
                "pdf.encrypted",
                Severity.ERROR,
                "le PDF est chiffré (mot de passe ou restrictions)",
                "enregistrez le PDF sans chiffrement",
            )
        )
    elif not info.text_complete:
        out.append(
            _finding(
                "pdf.text.partial",
                Severity.INFO,
                "texte non analysé entièrement : page trop lourde pour la lecture rapide",
            )
        )
    elif info.pages and not info.has_text:
        probed = min(info.pages, limits.text_probe_pages)
        out.append(
            _finding(
                "pdf.text",
                Severity.INFO,
                f"aucun texte dans les {probed} première(s) page(s) : document numérisé ?",
            )
        )
    for sig in info.signatures:
        label = sig.field_name or "sans nom"
        if not sig.contents_gap_ok:
            out.append(
                _finding(
                    "pdf.signature.byterange",
                    Severity.ERROR,
                    f"signature « {label} » : plage /ByteRange incohérente, signature invalide",
                    "signez à nouveau le PDF",
                )
            )
        if not (sig.pades or sig.timestamp):
            out.append(
                _finding(
                    "pdf.signature.subfilter",
                    Severity.WARNING,
                    f"signature « {label} » non PAdES (/SubFilter {sig.sub_filter or 'absent'})"
                    " : le PDF est traité comme non signé",
                    "signez au format PAdES (ETSI.CAdES.detached)",
                )
            )
    if info.signatures and not any(s.covers_whole_file for s in info.signatures):
        out.append(
            _finding(
                "pdf.signature.coverage",
                Severity.WARNING,
                "aucune signature ne couvre tout le fichier : le PDF a été complété après la "
                "dernière signature",
                "vérifiez que le document n'a pas été modifié après signature",
            )
        )
    out += risk_findings(info, "file")
    if info.warnings:
        out.append(
            _finding(
                "pdf.read",
                Severity.INFO,
                f"lecture tolérante : {len(info.warnings)} anomalie(s) de structure contournée(s)",
            )
        )
    return out


def _check_signatures(
    path: Path, info: PdfInfo, trust_bundle: Sequence[Path], limits: Limits
) -> SignatureCheck | None:
    fields = [s.field_name for s in info.signatures if s.sub_filter in VERIFIED_SUBFILTERS]
    if info.encrypted or not fields:
        return None
    return verify_signatures(path, fields, trust_bundle, limits)


def _verdict_findings(check: SignatureCheck, *, chains_checked: bool) -> list[Finding]:
    """« altérée » refuses the deposit, « non vérifiable » asks for confirmation — except an
    intact signature on a host with no trust bundle configured: the organisation chose not
    to check chains, so asking every depositor of a signed PDF to confirm would only teach
    them to confirm blindly; the verdict is still shown, as information."""
    out: list[Finding] = []
    for v in check.verdicts:
        label = v.field_name or "sans nom"
        if v.verdict is Verdict.ALTERED:
            out.append(
                _finding(
                    "pdf.signature.altered",
                    Severity.ERROR,
                    f"signature « {label} » altérée : {v.reason}",
                    "demandez au signataire un PDF signé non modifié",
                )
            )
        elif v.verdict is Verdict.UNVERIFIABLE:
            out.append(
                _finding(
                    "pdf.signature.unverified",
                    Severity.WARNING if chains_checked or not v.intact else Severity.INFO,
                    f"signature « {label} » non vérifiable : {v.reason}",
                    "ajoutez l'autorité du signataire à [signatures] trust_bundle"
                    if v.intact
                    else "vérifiez la signature avec l'outil du signataire",
                )
            )
        else:
            when = f", le {v.time}" if v.time else ""
            out.append(
                _finding(
                    "pdf.signature.valid",
                    Severity.INFO,
                    f"signature « {label} » valide : signée par {v.signer or '?'}{when}",
                )
            )
    return out


def _invoice_findings(invoice: InvoiceData, prefix: str) -> list[Finding]:
    out = [
        _finding(f"{prefix}.value", Severity.WARNING, f"donnée illisible : {problem}")
        for problem in invoice.problems
    ]
    if invoice.missing:
        out.append(
            _finding(
                f"{prefix}.missing",
                Severity.INFO,
                "non lus, à saisir : " + ", ".join(FIELD_LABELS.get(m, m) for m in invoice.missing),
            )
        )
    return out
