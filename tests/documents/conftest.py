"""Sample and bad-input corpus for sdk.documents, generated on the fly (nothing committed).

The builders are plain functions so that bench/bench_documents.py can reuse them.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import re
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

# --- ordinary documents -----------------------------------------------------------------


def make_pdf(pages: int = 1, text: str = "Facture F2024-001") -> bytes:
    """A plain PDF with `text` on each page (fpdf2, core font)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(dt.datetime(2024, 5, 31, tzinfo=dt.UTC))
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.cell(text=f"{text} - page {number}")
    return bytes(pdf.output())


def invoice_dict(**overrides: Any) -> dict[str, Any]:
    """An EN 16931 invoice as the factur-x library's data dict (BT-xx keys)."""
    data: dict[str, Any] = {
        "BT-1": "F2024-001",
        "BT-2": dt.date(2024, 5, 31),
        "BT-3": "380",
        "BT-5": "EUR",
        "BT-9": dt.date(2024, 6, 30),
        "BT-10": "SERVICE-TX",
        "BT-12": "M2024-017",
        "BT-13": "EJ1000123456",
        "BT-24": "urn:cen.eu:en16931:2017",
        "BT-72": dt.date(2024, 5, 31),
        "BG-4": {
            "name": "BTP Durand SARL",
            "legal_identifier": "73282932000074",
            "legal_identifier_schemeid": "0009",
            "vat_identifier": "FR44732829320",
            "addr_l1": "1 rue des Chantiers",
            "postcode": "69001",
            "city": "Lyon",
            "country_code": "FR",
        },
        "BG-7": {
            "name": "Commune de Lyon",
            "legal_identifier": "21690123100011",
            "legal_identifier_schemeid": "0009",
            "country_code": "FR",
        },
        "BT-106": "1500.00",
        "BT-109": "1500.00",
        "BT-110": "250.00",
        "BT-112": "1750.00",
        "BT-115": "1750.00",
        "BG-23": [
            {"BT-116": "1000.00", "BT-117": "200.00", "BT-118": "S", "BT-119": "20.00"},
            {"BT-116": "500.00", "BT-117": "50.00", "BT-118": "S", "BT-119": "10.00"},
        ],
        "BG-25": [
            {
                "BT-126": "1",
                "BT-129": "1",
                "BT-130": "C62",
                "BT-131": "1000.00",
                "BT-146": "1000.00",
                "BT-151": "S",
                "BT-152": "20.00",
                "BT-153": "Gros oeuvre",
            },
            {
                "BT-126": "2",
                "BT-129": "1",
                "BT-130": "C62",
                "BT-131": "500.00",
                "BT-146": "500.00",
                "BT-151": "S",
                "BT-152": "10.00",
                "BT-153": "Renovation",
            },
        ],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_invoice_xml(flavor: str = "factur-x", **overrides: Any) -> bytes:
    """CII ("factur-x") or UBL ("ubl-2.1") invoice XML made by the factur-x library."""
    from facturx import generate_xml

    data = copy.deepcopy(invoice_dict(**overrides))
    return generate_xml(data, flavor=flavor, check_xsd=False, check_schematron=False)


def make_facturx_pdf(xml: bytes | None = None, pages: int = 1) -> bytes:
    from facturx import generate_from_binary

    return generate_from_binary(make_pdf(pages), xml or make_invoice_xml(), check_xsd=False)


def attach(pdf: bytes, name: str, content: bytes) -> bytes:
    """Copy of `pdf` with an embedded file (pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt(pdf: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- signatures (pyHanko, certificate made on the fly) -----------------------------------


def make_signer() -> Any:
    """A pyHanko signer with a self-signed EC certificate (test only)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Signataire Test Decompte")])
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signing_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([signing_cert]),
    )


def sign(pdf: bytes, signer: Any, subfilter: str = "pades", name: str = "Signature1") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    kinds = {
        "pades": fields.SigSeedSubFilter.PADES,
        "pkcs7": fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
    }
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=name, subfilter=kinds[subfilter])
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def append_update(pdf: bytes) -> bytes:
    """An incremental update after the last signature (the signature no longer covers all)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/Lang"] = generic.TextStringObject("fr-FR")
    writer.update_root()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- bad input ----------------------------------------------------------------------------


def build_pdf(objects: list[bytes]) -> bytes:
    """A syntactically correct PDF from raw object bodies (object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def flate_zeros(total: int, prefix: bytes = b"") -> bytes:
    """A zlib stream inflating to `prefix` then `total` zero bytes (a multiple of 16 MiB),
    built in milliseconds: after a full flush, every zero block compresses identically."""
    chunk = b"\0" * (1 << 24)
    comp = zlib.compressobj(9)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush()[:-4]  # the final empty block, without its adler32
    check = zlib.adler32(prefix)
    low, high = check & 0xFFFF, check >> 16
    high = (high + total * low) % 65521  # adler32 extended over `total` zero bytes
    return head + block * (total // len(chunk)) + tail + ((high << 16) | low).to_bytes(4, "big")


def objstm_bomb(total: int) -> bytes:
    """The page tree root sits in an object stream that inflates to `total` bytes; the
    file uses a cross-reference stream, so reading the page count must decode it."""
    inner = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    header = b"5 0 "
    packed = flate_zeros(total, header + inner + b" ")
    bodies = {
        1: b"<< /Type /Catalog /Pages 5 0 R >>",
        3: b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 595 842] >>",
        4: stream(packed, b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode " % len(header)),
    }
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    offsets[6] = len(out)
    rows = [(0, 0, 65535), (1, offsets[1], 0), (0, 0, 0), (1, offsets[3], 0)]
    rows += [(1, offsets[4], 0), (2, 4, 0), (1, offsets[6], 0)]
    table = b"".join(
        t.to_bytes(1, "big") + o.to_bytes(4, "big") + g.to_bytes(2, "big") for t, o, g in rows
    )
    out += b"6 0 obj\n" + stream(table, b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R ")
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def _one_page(extra_page: bytes = b"", contents: bytes = b"4 0 R") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
        + contents
        + b" "
        + extra_page
        + b">>",
    ]


GIB = 1 << 30


def bomb_corpus() -> dict[str, bytes]:
    """PDFs built to exhaust memory or time; each must be refused quickly."""
    zeros = flate_zeros(4 * GIB)
    flate = stream(zeros, b"/Filter /FlateDecode ")
    text = stream(b"BT /F1 12 Tf 72 720 Td (x) Tj ET")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return {
        "flate_contents_4gb": build_pdf([*_one_page(), flate]),
        "flate_form_xobject": build_pdf(
            [
                *_one_page(b"/Resources << /XObject << /X1 5 0 R >> >>"),
                stream(b"/X1 Do"),
                stream(
                    zeros, b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Filter /FlateDecode "
                ),
            ]
        ),
        "flate_many_contents": build_pdf(
            [
                *_one_page(contents=b"[" + b"4 0 R 5 0 R 6 0 R 7 0 R" + b"]"),
                *(stream(flate_zeros(16 * (1 << 20)), b"/Filter /FlateDecode ") for _ in range(4)),
            ]
        ),
        "flate_facturx_xml": build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names "
                b"[(factur-x.xml) 5 0 R] >> >> >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                b"/Resources << /Font << /F1 7 0 R >> >> >>",
                text,
                b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /EF << /F 6 0 R >> >>",
                stream(zeros, b"/Type /EmbeddedFile /Filter /FlateDecode "),
                font,
            ]
        ),
        "flate_object_stream": objstm_bomb(4 * GIB),
        "nested_arrays": build_pdf([*_one_page(b"/Deep " + b"[" * 100_000 + b"]" * 100_000), text]),
        "nested_dicts": build_pdf(
            [*_one_page(b"/Deep " + b"<< /A " * 50_000 + b"1" + b" >>" * 50_000), text]
        ),
        "nested_dicts_500": build_pdf(
            [*_one_page(b"/Deep " + b"<< /A " * 500 + b"1" + b" >>" * 500), text]
        ),
        # within the text probe's budget (256 KiB of content), so pypdf parses it
        "nested_in_contents": build_pdf([*_one_page(), stream(b"[" * 100_000 + b"]" * 100_000)]),
        "page_tree_1m_kids": build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [" + b"3 0 R " * 1_000_000 + b"] /Count 1000000 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            ]
        ),
        "page_tree_cycle": build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            ]
        ),
        "huge_text_operators": build_pdf(
            [
                *_one_page(b"/Resources << /Font << /F1 5 0 R >> >>"),
                stream(
                    zlib.compress(b"BT /F1 1 Tf (a) Tj ET\n" * 3_000_000), b"/Filter /FlateDecode "
                ),
                font,
            ]
        ),
    }


def truncated(pdf: bytes) -> bytes:
    return pdf[: len(pdf) * 6 // 10]


def bad_startxref(pdf: bytes) -> bytes:
    return re.sub(rb"startxref\s+\d+", b"startxref\n123", pdf)


def garbled_xref(pdf: bytes) -> bytes:
    """Every xref entry points to offset 7 (the startxref itself stays right)."""
    start = pdf.rindex(b"\nxref\n") + 1
    end = pdf.index(b"trailer", start)
    table = re.sub(rb"\d{10} 00000 n", b"0000000007 00000 n", pdf[start:end])
    return pdf[:start] + table + pdf[end:]


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)

XXE_XML = b"""<?xml version="1.0"?>
<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY xxe SYSTEM "file://%s">]>
<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocument><ram:ID>&xxe;</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>
"""

LAUGHS_XML = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>
"""

NOT_INVOICE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<catalogue><article ref="A1">Parpaing</article></catalogue>
"""


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (truncate)."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def certificate_data(**overrides: Any) -> Any:
    from decimal import Decimal

    from decompte.sdk.documents import CertificateData

    values: dict[str, Any] = {
        "number": "CD-2024-000123",
        "deposited_at": dt.datetime(2024, 5, 31, 14, 3, 12, tzinfo=dt.UTC),
        "depositor": "Jeanne Dupont",
        "depositor_structure": "BTP Durand SARL",
        "cadre_code": "A4",
        "cadre_label": "Projet de décompte mensuel",
        "piece_type": "PROJET_DECOMPTE_MENSUEL",
        "piece_number": "F2024-001",
        "dossier_number": "DF-2024-000042",
        "marche_number": "M2024-017",
        "supplier": "BTP Durand SARL (SIRET 73282932000074)",
        "recipient": "Commune de Lyon (SIRET 21690123100011)",
        "total_ht": Decimal("12345.6"),
        "total_vat": Decimal("2469.12"),
        "total_ttc": Decimal("14814.72"),
        "file_name": "facture-mai.pdf",
        "file_sha256": hashlib.sha256(b"facture").hexdigest(),
        "file_format": "PDF_NON_SIGNE",
        "file_size": 123456,
    }
    values.update(overrides)
    return CertificateData(**values)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def corpus() -> Any:
    """This module: the builders above, without importing `conftest` by name."""
    return sys.modules[__name__]


@pytest.fixture(scope="session")
def signer() -> Any:
    pytest.importorskip("pyhanko")
    return make_signer()


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good sample files, written once per session."""
    folder = tmp_path_factory.mktemp("samples")
    files = {
        "facture.pdf": make_pdf(1),
        "facture-100p.pdf": make_pdf(100),
        "facturx.pdf": make_facturx_pdf(),
        "facture-cii.xml": make_invoice_xml("factur-x"),
        "facture-ubl.xml": make_invoice_xml("ubl-2.1"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


@pytest.fixture(scope="session")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    out = {}
    for name, data in bomb_corpus().items():
        out[name] = folder / f"{name}.pdf"
        out[name].write_bytes(data)
    return out


@pytest.fixture
def write(tmp_path: Path):
    """write(name, data) -> Path in the test's tmp folder."""

    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write
