"""The deposit certificate: fpdf2 output that pypdf reads back, byte-identical on re-render."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from decompte.sdk.documents import CertificateData, render_certificate, write_certificate


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\u00a0", " ")  # pypdf may give the non-breaking space back as a space


def test_readable_back(corpus) -> None:
    data = corpus.certificate_data()
    pdf = render_certificate(data)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert data.number in text
    assert data.file_sha256 in text
    for expected in (
        "Certificat de dépôt",
        "Jeanne Dupont (BTP Durand SARL)",
        "A4 - Projet de décompte mensuel",
        "F2024-001",
        "DF-2024-000042",
        "12 345,60 EUR",
        "2 469,12 EUR",
        "14 814,72 EUR",
        "31/05/2024 à 14:03:12 (UTC)",
        "facture-mai.pdf",
    ):
        assert expected in text, expected


def test_metadata(corpus) -> None:
    data = corpus.certificate_data()
    meta = PdfReader(io.BytesIO(render_certificate(data))).metadata
    assert meta is not None
    assert meta.title == f"Certificat de dépôt {data.number}"
    assert data.file_sha256 in (meta.get("/Keywords") or "")


def test_deterministic(corpus) -> None:
    assert render_certificate(corpus.certificate_data()) == render_certificate(
        corpus.certificate_data()
    )


def test_naive_datetime_is_deterministic_too(corpus) -> None:
    data = corpus.certificate_data(deposited_at=datetime(2024, 5, 31, 14, 3, 12))
    assert render_certificate(data) == render_certificate(data)
    assert "31/05/2024 à 14:03:12" in text_of(render_certificate(data))


def test_different_data_different_bytes(corpus) -> None:
    assert render_certificate(corpus.certificate_data()) != render_certificate(
        corpus.certificate_data(number="CD-2024-000124")
    )


def test_characters_outside_latin1(corpus) -> None:
    data = corpus.certificate_data(
        depositor="Zoë L’Hôte — maîtrise d’œuvre 🏗", cadre_label="Décompte “final” …"
    )
    text = text_of(render_certificate(data))
    assert "L'Hôte - maîtrise d'oeuvre" in text
    assert 'Décompte "final" ...' in text


def test_negative_and_long_amounts(corpus) -> None:
    data = corpus.certificate_data(
        total_ht=Decimal("-1234567.891"), total_vat=Decimal("0"), total_ttc=Decimal("1e3")
    )
    text = text_of(render_certificate(data))
    assert "-1 234 567,891 EUR" in text
    assert "0,00 EUR" in text and "1 000,00 EUR" in text


def test_optional_rows_are_left_out(corpus) -> None:
    data = corpus.certificate_data(marche_number="", supplier="", recipient="", file_size=None)
    text = text_of(render_certificate(data))
    assert "Numéro de marché" not in text and "Taille" not in text


def test_frozen(corpus) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        corpus.certificate_data().number = "x"  # type: ignore[misc]


def test_write(corpus, tmp_path: Path) -> None:
    path = write_certificate(corpus.certificate_data(), tmp_path / "certificat.pdf")
    assert path.read_bytes() == render_certificate(corpus.certificate_data())


def test_plain_dataclass_fields() -> None:
    names = {f.name for f in dataclasses.fields(CertificateData)}
    assert {
        "number",
        "deposited_at",
        "depositor",
        "cadre_code",
        "cadre_label",
        "piece_number",
        "dossier_number",
        "total_ht",
        "total_vat",
        "total_ttc",
        "file_sha256",
    } <= names
