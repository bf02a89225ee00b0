"""The deposit certificate ("certificat de dépôt"), a PDF made with fpdf2."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ..vocabulary import certificate_sentence
from . import fmt

_REPLACE = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "—": "-",
        "–": "-",
        "…": "...",
        "€": "EUR",
        "\u202f": "\u00a0",
    }
)


@dataclass(frozen=True, slots=True)
class CertificateData:
    """Everything printed on a certificate; amounts are Decimal, nothing is computed here."""

    number: str
    deposited_at: datetime
    depositor: str
    cadre_code: str
    cadre_label: str
    piece_number: str
    dossier_number: str
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    file_name: str
    file_sha256: str
    currency: str = "EUR"
    depositor_structure: str = ""
    piece_type: str = ""
    marche_number: str = ""
    supplier: str = ""
    recipient: str = ""
    file_format: str = ""
    file_size: int | None = None


def _latin1(text: str) -> str:
    """What the core PDF fonts can draw: Latin-1, with common French typography mapped."""
    text = text.translate(_REPLACE)
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            plain = (
                unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            )
            out.append(plain or "?")
    return "".join(out)


def _rows(data: CertificateData) -> list[tuple[str, str]]:
    cur = data.currency
    depositor = data.depositor + (
        f" ({data.depositor_structure})" if data.depositor_structure else ""
    )
    rows = [
        ("Numéro de certificat", data.number),
        ("Date et heure du dépôt", fmt.moment(data.deposited_at)),
        ("Déposant", depositor),
        ("Cadre de facturation", f"{data.cadre_code} - {data.cadre_label}"),
        ("Type de pièce", data.piece_type),
        ("Numéro de pièce", data.piece_number),
        ("Dossier de facturation", data.dossier_number),
        ("Numéro de marché", data.marche_number),
        ("Fournisseur", data.supplier),
        ("Destinataire", data.recipient),
        ("Montant HT", fmt.amount(data.total_ht, cur)),
        ("Montant TVA", fmt.amount(data.total_vat, cur)),
        ("Montant TTC", fmt.amount(data.total_ttc, cur)),
        ("Fichier déposé", data.file_name),
        ("Format de dépôt", data.file_format),
        ("Taille", fmt.size(data.file_size) if data.file_size is not None else ""),
    ]
    return [(label, value) for label, value in rows if value]


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF bytes; identical bytes for identical data."""
    from fpdf import FPDF, FontFace

    pdf = FPDF(format="A4")
    created = data.deposited_at
    pdf.set_creation_date(created if created.tzinfo else created.replace(tzinfo=UTC))
    pdf.set_title(_latin1(f"Certificat de dépôt {data.number}"))
    pdf.set_subject(_latin1(f"Pièce {data.piece_number}, dossier {data.dossier_number}"))
    pdf.set_keywords(f"sha256:{data.file_sha256}")
    pdf.set_creator("Decompte")
    pdf.set_author(_latin1(data.depositor))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(width, 10, _latin1("Certificat de dépôt"), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("helvetica", "", 11)
    pdf.cell(width, 7, _latin1("Factures de travaux"), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(4)
    pdf.multi_cell(
        width,
        6,
        _latin1(
            certificate_sentence(
                data.piece_type, data.piece_number, fmt.moment(data.deposited_at), data.number
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font("helvetica", "", 10)
    with pdf.table(
        col_widths=(60, width - 60),
        first_row_as_headings=False,
        line_height=6,
        text_align="LEFT",
    ) as table:
        for label, value in _rows(data):
            row = table.row()
            row.cell(_latin1(label), style=FontFace(emphasis="BOLD"))
            row.cell(_latin1(value))
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(
        width, 7, _latin1("Empreinte SHA-256 du fichier déposé"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("courier", "", 9)
    pdf.cell(width, 6, data.file_sha256, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "I", 8)
    pdf.multi_cell(
        width,
        4,
        _latin1(
            "L'empreinte SHA-256 identifie le fichier déposé octet par octet : tout fichier "
            "dont l'empreinte diffère n'est pas celui qui a été déposé."
        ),
    )
    return bytes(pdf.output())


def write_certificate(data: CertificateData, path: Path | str) -> Path:
    path = Path(path)
    path.write_bytes(render_certificate(data))
    return path
