"""Deposited files: format detection, safe reading, pre-fill data, attachments, certificate.

Heavy libraries (pypdf, lxml, factur-x, fpdf2) are imported when first needed.
"""

from __future__ import annotations

from .attachments import (
    ALLOWED_EXTENSIONS,
    check_attachment,
    check_attachments,
    name_findings,
    size_findings,
)
from .certificate import CertificateData, render_certificate, write_certificate
from .errors import (
    BrokenXrefError,
    DamagedPdfError,
    DocumentError,
    EmptyFileError,
    EncryptedPdfError,
    FileMissingError,
    FileTooLargeError,
    FormatMismatchError,
    InvalidFileNameError,
    MalformedXmlError,
    NotAnInvoiceError,
    ReadDeadlineError,
    ResourceLimitError,
    TruncatedPdfError,
    UnsafeXmlError,
    UnsupportedFormatError,
    XmlError,
)
from .files import sha256_file, validate_file_name
from .inspection import DocumentFormat, Inspection, inspect_file
from .limits import DEFAULT_LIMITS, Limits
from .pdf import SignatureInfo
from .xml_invoice import InvoiceData, Party, VatBreakdown, read_invoice

__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_LIMITS",
    "BrokenXrefError",
    "CertificateData",
    "DamagedPdfError",
    "DocumentError",
    "DocumentFormat",
    "EmptyFileError",
    "EncryptedPdfError",
    "FileMissingError",
    "FileTooLargeError",
    "FormatMismatchError",
    "Inspection",
    "InvalidFileNameError",
    "InvoiceData",
    "Limits",
    "MalformedXmlError",
    "NotAnInvoiceError",
    "Party",
    "ReadDeadlineError",
    "ResourceLimitError",
    "SignatureInfo",
    "TruncatedPdfError",
    "UnsafeXmlError",
    "UnsupportedFormatError",
    "VatBreakdown",
    "XmlError",
    "check_attachment",
    "check_attachments",
    "inspect_file",
    "name_findings",
    "read_invoice",
    "render_certificate",
    "sha256_file",
    "size_findings",
    "validate_file_name",
    "write_certificate",
]
