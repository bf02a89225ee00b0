"""Documents through the CLI: inspect, deposit with pre-filling, refused files, certificate."""

from __future__ import annotations

import json
from datetime import date

from documents.conftest import make_facturx_pdf, make_invoice_xml
from pypdf import PdfReader
from test_cli import run

from decompte.sdk.demo import demo_pdf


def facturx(tmp_path):
    xml = make_invoice_xml(
        **{
            "BT-1": "FX-2026-11",
            "BT-2": date(2026, 11, 20),
            "BT-9": date(2026, 12, 20),
            "BT-12": "2026-ECO-001",
            "BT-13": "EJ2026000123",
            "BT-10": "SERVICES_TECHNIQUES",
            "BG-4": {
                "name": "BATIMENTS DURAND SA",
                "legal_identifier": "55210987800348",
                "legal_identifier_schemeid": "0009",
                "country_code": "FR",
            },
            "BG-7": {
                "name": "COMMUNE DE SAINT-AUBIN-SUR-LOIRE",
                "legal_identifier": "21450123100010",
                "legal_identifier_schemeid": "0009",
                "country_code": "FR",
            },
        }
    )
    path = tmp_path / "fx.pdf"
    path.write_bytes(make_facturx_pdf(xml))
    return path


def test_file_inspect_reports_format_pages_and_data(demo_db, tmp_path):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(demo_pdf("Projet", ["ligne"]))
    data = json.loads(run(demo_db, "--json", "file", "inspect", str(plain)).stdout)
    assert (data["format"], data["pages"]) == ("PDF_NON_SIGNE", 1)
    human = run(demo_db, "file", "inspect", str(facturx(tmp_path)))
    assert human.returncode == 0 and "FX-2026-11" in human.stdout


def test_deposit_prefilled_from_facturx(demo_db, tmp_path):
    out = run(
        demo_db,
        "--json",
        "deposit",
        "--cadre",
        "A4",
        "--file",
        str(facturx(tmp_path)),
        "--prefill",
        "--iban",
        "FR7630006000011234567890189",
        login="titulaire",
    )
    assert out.returncode == 0, out.stderr
    piece = json.loads(out.stdout)["piece"]
    assert (piece["number"], piece["issue_date"], piece["file_format"]) == (
        "FX-2026-11",
        "2026-11-20",
        "FACTURX",
    )
    assert (piece["total_ht"], piece["total_vat"], piece["total_ttc"]) == (
        "1500.00",
        "250.00",
        "1750.00",
    )
    assert [(v["rate"], v["base"]) for v in piece["vat_lines"]] == [
        ("20.00", "1000.00"),
        ("10.00", "500.00"),
    ]


def test_png_renamed_pdf_is_refused_and_nothing_is_stored(demo_db, tmp_path):
    fake = tmp_path / "facture.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    out = run(
        demo_db,
        "deposit",
        "--cadre",
        "A4",
        "--number",
        "PNG-1",
        "--date",
        "2026-11-20",
        "--marche",
        "2026-ECO-001",
        "--line",
        "20:100",
        "--iban",
        "FR7630006000011234567890189",
        "--file",
        str(fake),
        login="titulaire",
    )
    assert out.returncode == 3 and "file" in out.stderr
    missing = run(demo_db, "show", "PNG-1", login="titulaire")
    assert missing.returncode == 5


def test_certificate_pdf_states_number_and_sha256(demo_db, tmp_path):
    shown = json.loads(run(demo_db, "--json", "show", "PDM-2026-05", login="titulaire").stdout)
    piece = shown["piece"]
    out_pdf = tmp_path / "cert.pdf"
    out = run(demo_db, "certificate", "PDM-2026-05", "--out", str(out_pdf), login="titulaire")
    assert out.returncode == 0, out.stderr
    text = "".join(page.extract_text() for page in PdfReader(out_pdf).pages)
    assert piece["certificate"] in text
    assert piece["file_sha256"][:32] in text.replace("\n", "")
