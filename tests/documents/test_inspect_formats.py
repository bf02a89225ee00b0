"""Format detection and reading of good files: PDF, signed PDF, Factur-X, CII and UBL XML."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from decompte.sdk.documents import DocumentFormat, inspect_file
from decompte.sdk.findings import Severity
from decompte.sdk.model import IdentifierType, VatLine


def test_unsigned_pdf(samples: dict[str, Path]) -> None:
    path = samples["facture.pdf"]
    ins = inspect_file(path)
    assert ins.format is DocumentFormat.PDF_NON_SIGNE
    assert ins.pages == 1
    assert not ins.encrypted
    assert ins.has_text and "Facture F2024-001" in ins.text_sample
    assert ins.size == path.stat().st_size
    assert ins.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ins.signatures == () and not ins.signed
    assert ins.embedded_xml == "" and ins.invoice is None
    assert ins.findings == ()


def test_hundred_pages(samples: dict[str, Path]) -> None:
    ins = inspect_file(samples["facture-100p.pdf"])
    assert ins.pages == 100
    assert "page 1" in ins.text_sample


def test_pdf_without_text_is_reported(corpus, write) -> None:
    path = write(
        "scan.pdf",
        corpus.build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                corpus.stream(b"0 0 m 100 100 l S"),
            ]
        ),
    )
    ins = inspect_file(path)
    assert not ins.has_text
    assert [f.rule_id for f in ins.findings] == ["pdf.text"]


def test_pades_signed_pdf(corpus, signer, write) -> None:
    path = write("signe.pdf", corpus.sign(corpus.make_pdf(2), signer))
    ins = inspect_file(path)
    assert ins.format is DocumentFormat.PDF_SIGNE_PADES
    assert ins.signed
    (sig,) = ins.signatures
    assert sig.sub_filter == "ETSI.CAdES.detached"
    assert sig.field_name == "Signature1"
    assert sig.covers_whole_file and sig.contents_gap_ok
    assert sig.byte_range[0] == 0 and sig.byte_range[2] + sig.byte_range[3] == ins.size
    assert sig.signing_time.startswith("20")
    # structurally sound; no trust bundle configured, so not verifiable (signature tests)
    assert [f.rule_id for f in ins.findings] == ["pdf.signature.unverified"]


def test_pkcs7_detached_counts_as_pades(corpus, signer, write) -> None:
    ins = inspect_file(
        write("signe.pdf", corpus.sign(corpus.make_pdf(), signer, subfilter="pkcs7"))
    )
    assert ins.format is DocumentFormat.PDF_SIGNE_PADES
    assert ins.signatures[0].sub_filter == "adbe.pkcs7.detached"


def test_update_after_signature_is_flagged(corpus, signer, write) -> None:
    signed = corpus.sign(corpus.make_pdf(), signer)
    ins = inspect_file(write("modifie.pdf", corpus.append_update(signed)))
    assert ins.format is DocumentFormat.PDF_SIGNE_PADES
    assert not ins.signatures[0].covers_whole_file
    assert ins.signatures[0].contents_gap_ok
    (finding,) = [f for f in ins.findings if f.rule_id == "pdf.signature.coverage"]
    assert finding.severity is Severity.WARNING


def test_two_signatures_last_covers_all(corpus, signer, write) -> None:
    twice = corpus.sign(corpus.sign(corpus.make_pdf(), signer), signer, name="Signature2")
    ins = inspect_file(write("deux.pdf", twice))
    assert [s.field_name for s in ins.signatures] == ["Signature1", "Signature2"]
    assert [s.covers_whole_file for s in ins.signatures] == [False, True]
    found = {f.rule_id for f in ins.findings if f.rule_id.startswith("pdf.signature")}
    assert found == {"pdf.signature.unverified"}  # a second signature alters nothing


def test_broken_byte_range_is_an_error(corpus, signer, write) -> None:
    data = bytearray(corpus.sign(corpus.make_pdf(), signer))
    start = data.index(b"/ByteRange [") + len(b"/ByteRange [")
    end = data.index(b"]", start)
    numbers = data[start:end].split()
    numbers[1] = str(int(numbers[1]) - 5).encode().rjust(len(numbers[1]))
    data[start:end] = b" ".join(numbers).ljust(end - start)
    ins = inspect_file(write("faux.pdf", bytes(data)))
    assert "pdf.signature.byterange" in [f.rule_id for f in ins.findings]


def test_facturx_pdf(samples: dict[str, Path]) -> None:
    ins = inspect_file(samples["facturx.pdf"])
    assert ins.format is DocumentFormat.FACTURX
    assert ins.embedded_xml == "factur-x.xml"
    assert "factur-x.xml" in ins.embedded_files
    inv = ins.invoice
    assert inv is not None and inv.syntax == "CII" and inv.profile == "en16931"
    assert inv.number == "F2024-001"
    assert inv.issue_date == dt.date(2024, 5, 31)
    assert inv.due_date == dt.date(2024, 6, 30)
    assert inv.currency == "EUR"
    assert inv.seller.siret == "73282932000074" and inv.seller.siren == "732829320"
    assert inv.seller.vat_number == "FR44732829320"
    assert inv.buyer.siret == "21690123100011"
    assert (inv.total_ht, inv.total_vat, inv.total_ttc, inv.amount_due) == (
        Decimal("1500.00"),
        Decimal("250.00"),
        Decimal("1750.00"),
        Decimal("1750.00"),
    )
    rates = {v.rate: (v.base, v.amount) for v in inv.vat_breakdown}
    assert rates == {
        Decimal("20.00"): (Decimal("1000.00"), Decimal("200.00")),
        Decimal("10.00"): (Decimal("500.00"), Decimal("50.00")),
    }
    assert (inv.engagement, inv.marche_number, inv.service_code) == (
        "EJ1000123456",
        "M2024-017",
        "SERVICE-TX",
    )
    assert inv.missing == () and inv.problems == ()
    assert not inv.credit_note


def test_zugferd_name_is_recognised(corpus, write) -> None:
    pdf = corpus.attach(corpus.make_pdf(), "ZUGFeRD-invoice.xml", corpus.make_invoice_xml())
    ins = inspect_file(write("zugferd.pdf", pdf))
    assert ins.format is DocumentFormat.FACTURX
    assert ins.embedded_xml == "ZUGFeRD-invoice.xml"
    assert ins.invoice is not None and ins.invoice.number == "F2024-001"


def test_other_attachments_do_not_make_facturx(corpus, write) -> None:
    ins = inspect_file(write("annexe.pdf", corpus.attach(corpus.make_pdf(), "annexe.xml", b"<a/>")))
    assert ins.format is DocumentFormat.PDF_NON_SIGNE
    assert ins.embedded_files == ("annexe.xml",)


def test_signed_facturx_stays_facturx(corpus, signer, write) -> None:
    ins = inspect_file(write("fx-signe.pdf", corpus.sign(corpus.make_facturx_pdf(), signer)))
    assert ins.format is DocumentFormat.FACTURX
    assert ins.signed and ins.signatures[0].covers_whole_file
    assert ins.invoice is not None


def test_bad_embedded_xml_is_a_finding_not_a_crash(corpus, write) -> None:
    pdf = corpus.attach(corpus.make_pdf(), "factur-x.xml", b"<catalogue/>")
    ins = inspect_file(write("fx-faux.pdf", pdf))
    assert ins.format is DocumentFormat.FACTURX
    assert ins.invoice is None
    (finding,) = [f for f in ins.findings if f.rule_id == "facturx.xml.not_invoice"]
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize(
    ("name", "fmt", "syntax"),
    [
        ("facture-cii.xml", DocumentFormat.XML_CII, "CII"),
        ("facture-ubl.xml", DocumentFormat.XML_UBL, "UBL"),
    ],
)
def test_bare_xml(samples: dict[str, Path], name: str, fmt: DocumentFormat, syntax: str) -> None:
    ins = inspect_file(samples[name])
    assert ins.format is fmt
    assert ins.pages is None and ins.pdf_version == ""
    inv = ins.invoice
    assert inv is not None and inv.syntax == syntax
    assert inv.number == "F2024-001" and inv.issue_date == dt.date(2024, 5, 31)
    assert inv.total_ttc == Decimal("1750.00")
    assert inv.seller.siret == "73282932000074"
    assert len(inv.vat_breakdown) == 2
    assert inv.engagement == "EJ1000123456"


def test_ubl_credit_note(corpus, write) -> None:
    xml = corpus.make_invoice_xml("ubl-2.1", **{"BT-3": "381"})
    ins = inspect_file(write("avoir.xml", xml))
    assert ins.format is DocumentFormat.XML_UBL
    assert ins.invoice is not None and ins.invoice.credit_note


def test_missing_fields_are_reported(corpus, write) -> None:
    buyer = {"name": "Commune de Lyon", "country_code": "FR"}
    xml = corpus.make_invoice_xml(**{"BG-7": buyer, "BT-13": None, "BT-9": None})
    ins = inspect_file(write("incomplet.xml", xml))
    inv = ins.invoice
    assert inv is not None
    assert {"buyer.siret", "engagement", "due_date"} <= set(inv.missing)
    (finding,) = [f for f in ins.findings if f.rule_id == "xml.missing"]
    assert "SIRET du destinataire" in finding.message


def test_siren_scheme_0002(corpus, write) -> None:
    seller = {
        "name": "BTP Durand SARL",
        "legal_identifier": "732829320",
        "legal_identifier_schemeid": "0002",
        "country_code": "FR",
    }
    inv = inspect_file(write("siren.xml", corpus.make_invoice_xml(**{"BG-4": seller}))).invoice
    assert inv is not None
    assert inv.seller.siret == "" and inv.seller.siren == "732829320"
    assert "seller.siret" in inv.missing


def test_unreadable_amount_is_a_problem(corpus, write) -> None:
    xml = corpus.make_invoice_xml().replace(
        b"<ram:TaxBasisTotalAmount>1500.00<", b"<ram:TaxBasisTotalAmount>15OO,00<"
    )
    ins = inspect_file(write("montant.xml", xml))
    assert ins.invoice is not None and ins.invoice.total_ht is None
    assert any("BT-109" in p for p in ins.invoice.problems)
    assert "xml.value" in [f.rule_id for f in ins.findings]


def test_bad_date_does_not_crash(corpus, write) -> None:
    xml = corpus.make_invoice_xml().replace(b">20240531<", b">2024-13-45<", 1)
    ins = inspect_file(write("date.xml", xml))
    assert ins.invoice is not None and ins.invoice.problems


def test_draft_fields(samples: dict[str, Path]) -> None:
    inv = inspect_file(samples["facture-cii.xml"]).invoice
    assert inv is not None
    fields = inv.draft_fields()
    assert fields["number"] == "F2024-001"
    assert fields["supplier_identifier"] == "73282932000074"
    assert fields["supplier_identifier_type"] is IdentifierType.SIRET
    assert fields["recipient_identifier"] == "21690123100011"
    assert fields["engagement"] == "EJ1000123456"
    assert fields["marche_number"] == "M2024-017"
    assert fields["vat_lines"][0] == VatLine(
        Decimal("20.00"), Decimal("1000.00"), Decimal("200.00")
    )
    assert fields["credit_note"] is False
    assert "prepaid" not in fields  # not in the file: left to the user


def test_as_dict_is_json_safe(samples: dict[str, Path]) -> None:
    data = inspect_file(samples["facturx.pdf"]).as_dict()
    text = json.dumps(data)
    back = json.loads(text)
    assert back["format"] == "FACTURX"
    assert back["invoice"]["total_ttc"] == "1750.00"
    assert back["invoice"]["issue_date"] == "2024-05-31"
    assert back["invoice"]["vat_breakdown"][0]["rate"] == "20.00"
    assert back["embedded_xml"] == "factur-x.xml"
    assert back["pages"] == 1 and back["signed"] is False


def test_render_text_is_french(corpus, samples: dict[str, Path], signer, write) -> None:
    text = inspect_file(samples["facturx.pdf"]).render_text()
    assert "Format         : PDF Factur-X (FACTURX)" in text
    assert "1\u00a0750,00\u00a0EUR" in text
    assert "SIRET 732 829 320 00074" in text
    assert "31/05/2024" in text
    signed = inspect_file(write("s.pdf", corpus.sign(corpus.make_pdf(), signer))).render_text()
    assert "couvre tout le fichier" in signed
    assert "Vérification   : signature non vérifiable" in signed


def test_unexpected_extension_is_an_error(samples: dict[str, Path], write) -> None:
    ins = inspect_file(write("facture.bin", samples["facture.pdf"].read_bytes()))
    assert ins.format is DocumentFormat.PDF_NON_SIGNE
    (finding,) = ins.findings
    assert (finding.rule_id, finding.severity, finding.field) == (
        "file.extension",
        Severity.ERROR,
        "file_name",
    )


def test_certificate_roundtrip_through_inspect(corpus, tmp_path: Path) -> None:
    from decompte.sdk.documents import write_certificate

    path = write_certificate(corpus.certificate_data(), tmp_path / "certificat.pdf")
    ins = inspect_file(path)
    assert ins.format is DocumentFormat.PDF_NON_SIGNE
    assert "certificat de dépôt numéro" in ins.text_sample


def test_utf16_invoice(corpus, write) -> None:
    text = corpus.make_invoice_xml().decode().replace("encoding='UTF-8'", "encoding='UTF-16'")
    ins = inspect_file(write("facture16.xml", text.encode("utf-16")))
    assert ins.format is DocumentFormat.XML_CII
    assert ins.invoice is not None and ins.invoice.number == "F2024-001"


def test_non_pades_signature_counts_as_unsigned(corpus, signer, write) -> None:
    data = corpus.sign(corpus.make_pdf(), signer)
    old = b"/ETSI.CAdES.detached"
    data = data.replace(old, b"/adbe.pkcs7.sha1".ljust(len(old)))
    ins = inspect_file(write("sha1.pdf", data))
    assert ins.format is DocumentFormat.PDF_NON_SIGNE and not ins.signed
    assert ins.signatures[0].sub_filter == "adbe.pkcs7.sha1"
    assert "pdf.signature.subfilter" in [f.rule_id for f in ins.findings]
