"""Export rows built by hand, for exporter tests that check every field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from decompte.sdk.export import ExportContext, ExportRow, Party
from decompte.sdk.model import VatLine

SUPPLIER = Party(1, "55210987800348", "SIRET", "BATIMENTS DURAND SA")
RECIPIENT = Party(2, "21450123100010", "SIRET", "COMMUNE DE SAINT-AUBIN-SUR-LOIRE")
MOE = Party(3, "82345678500125", "SIRET", "ATELIER MOREAU ARCHITECTES")
CONTEXT = ExportContext(today=date(2026, 11, 23))


def make_row(n: int = 1, **changes: object) -> ExportRow:
    lines = (
        VatLine(D("20"), D("1000.00"), D("200.00")),
        VatLine(D("5.5"), D("200.00"), D("11.00")),
    )
    row = ExportRow(
        id=n,
        number=f"PDM-2026-{n:03d}",
        cadre="A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
        marche_number="2026-ECO-001",
        dossier_number=f"DF-{n}",
        issue_date=date(2026, 3, 5),
        due_date=date(2026, 4, 4),
        deposited_at=datetime(2026, 3, 6, 10, 30),
        currency="EUR",
        vat_type="DEBITS",
        exemption_motive="",
        payment_mode="VIREMENT",
        engagement="EJ2026000123",
        service_code="SERVICES_TECHNIQUES",
        iban="FR7630006000011234567890189",
        bic="BNPAFRPP",
        total_ht=D("1200.00"),
        total_vat=D("211.00"),
        total_ttc=D("1411.00"),
        discount_ttc=D("0.00"),
        prepaid=D("0.00"),
        amount_due=D("1411.00"),
        state="MISE_A_DISPOSITION_MOE",
        state_date=date(2026, 3, 6),
        certificate=f"CD20260306{n:08X}",
        file_name="pdm.pdf",
        file_sha256="",
        depositor=SUPPLIER,
        supplier=SUPPLIER,
        recipient=RECIPIENT,
        moe=MOE,
        moa=RECIPIENT,
        vat_lines=lines,
    )
    return row._replace(**changes)
