"""FEC: 18 columns in order, | or tab, AAAAMMJJ dates, decimal comma, balanced entries,
ISO-8859-15, labels cleaned of separators, file <SIREN>FEC<AAAAMMJJ>.txt."""

from __future__ import annotations

import dataclasses
import io
import re
from collections import defaultdict
from decimal import Decimal as D

import pytest
from plugin_rows import CONTEXT, MOE, make_row

from decompte.plugins.export_fec import COLUMNS, FecExporter
from decompte.sdk.errors import UsageError
from decompte.sdk.export import Party, parse_options
from decompte.sdk.model import Address, IdentifierType, RoutingMode, Structure, VatLine

FEC = FecExporter()


def export(rows, **options) -> tuple[bytes, int]:
    out = io.BytesIO()
    count = FEC.write(rows, out, "txt", parse_options(FEC, options), CONTEXT)
    return out.getvalue(), count


def records(data: bytes, sep: str = "|", encoding: str = "iso-8859-15") -> list[dict]:
    text = data.decode(encoding)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0].split(sep) == list(COLUMNS)
    out = []
    for line in lines[1:]:
        fields = line.split(sep)
        assert len(fields) == 18
        out.append(dict(zip(COLUMNS, fields, strict=True)))
    return out


def amount(text: str) -> D:
    assert re.fullmatch(r"\d+,\d\d", text), text
    return D(text.replace(",", "."))


def test_the_header_has_the_18_columns_in_the_legal_order():
    assert COLUMNS == (
        "JournalCode",
        "JournalLib",
        "EcritureNum",
        "EcritureDate",
        "CompteNum",
        "CompteLib",
        "CompAuxNum",
        "CompAuxLib",
        "PieceRef",
        "PieceDate",
        "EcritureLib",
        "Debit",
        "Credit",
        "EcritureLet",
        "DateLet",
        "ValidDate",
        "Montantdevise",
        "Idevise",
    )


def test_each_piece_is_one_balanced_entry_field_by_field():
    data, count = export(
        [make_row(1), make_row(2, discount_ttc=D("11.00"), amount_due=D("1400.00"))]
    )
    assert count == 2
    lines = records(data)
    first = [r for r in lines if r["EcritureNum"] == "1"]
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in first] == [
        ("411000", "1411,00", "0,00"),
        ("704000", "0,00", "1200,00"),
        ("445710", "0,00", "200,00"),
        ("445710", "0,00", "11,00"),
    ]
    client = first[0]
    assert client["JournalCode"] == "VT" and client["JournalLib"] == "Ventes"
    assert (client["CompAuxNum"], client["CompAuxLib"]) == (
        "21450123100010",
        "COMMUNE DE SAINT-AUBIN-SUR-LOIRE",
    )
    assert all(r["CompAuxNum"] == "" for r in first[1:])
    assert client["CompteLib"] == "Clients" and first[3]["CompteLib"] == "TVA collectée 5,5 %"
    for r in lines:
        assert r["EcritureDate"] == r["PieceDate"] == "20260305"
        assert r["ValidDate"] == "20260306"
        assert r["EcritureLet"] == r["DateLet"] == r["Montantdevise"] == r["Idevise"] == ""
        assert r["PieceRef"] in ("PDM-2026-001", "PDM-2026-002")
    assert first[0]["EcritureLib"] == "A4 PDM-2026-001 marché 2026-ECO-001"
    totals = defaultdict(lambda: [D(0), D(0)])
    for r in lines:
        totals[r["EcritureNum"]][0] += amount(r["Debit"])
        totals[r["EcritureNum"]][1] += amount(r["Credit"])
    assert all(debit == credit for debit, credit in totals.values())
    second = [r for r in lines if r["EcritureNum"] == "2"]
    assert ("709000", "11,00", "0,00") in [
        (r["CompteNum"], r["Debit"], r["Credit"]) for r in second
    ]


def test_tab_separator_lf_and_options():
    data, _ = export(
        [make_row()],
        separator="tab",
        line_end="lf",
        journal_code="VTX",
        account_client="411DUR",
        first_number="100",
    )
    lines = data.decode("iso-8859-15").split("\n")[:-1]
    assert lines[0] == "\t".join(COLUMNS)
    fields = lines[1].split("\t")
    assert (fields[0], fields[2], fields[4]) == ("VTX", "100", "411DUR")


def test_labels_are_cleaned_of_separators():
    row = make_row(
        number="PDM|1\tA",
        marche_number="M\r\n|2",
        recipient=Party(2, "21450123100010", "SIRET", "COMMUNE | DE\tX\nY"),
    )
    data, _ = export([row])
    lines = records(data)
    assert lines[0]["PieceRef"] == "PDM 1 A"
    assert lines[0]["EcritureLib"] == "A4 PDM 1 A marché M 2"
    assert lines[0]["CompAuxLib"] == "COMMUNE DE X Y"


def test_iso_8859_15_holds_french_text_and_refuses_the_rest_clearly():
    row = make_row(recipient=Party(2, "1", "SIRET", "ŒUVRES SOCIALES ÉTÉ €"))
    data, _ = export([row])
    assert records(data)[0]["CompAuxLib"] == "ŒUVRES SOCIALES ÉTÉ €"
    bad = make_row(2, recipient=Party(2, "1", "SIRET", "Kovács Győr Kft"))
    out = io.BytesIO()
    with pytest.raises(UsageError) as refused:
        FEC.write([make_row(1), bad], out, "txt", parse_options(FEC, {}), CONTEXT)
    message = refused.value.message
    assert "Pièce n° PDM-2026-002, colonne CompAuxLib" in message
    assert {r["PieceRef"] for r in records(out.getvalue())} == {"PDM-2026-001"}  # whole entries
    assert "« ő » (U+0151)" in message and "iso-8859-15" in message
    data, _ = export([bad], encoding="utf-8")
    assert "Győr" in records(data, encoding="utf-8")[0]["CompAuxLib"]


def test_only_the_suppliers_own_unrefused_pieces_are_its_sales():
    by_moe = make_row(2, depositor=MOE)
    refused = make_row(3, state="REFUSEE_MOE_ACHEMINEMENT")
    data, count = export([make_row(1), by_moe, refused])
    assert count == 1
    assert {r["PieceRef"] for r in records(data)} == {"PDM-2026-001"}
    _, count = export([make_row(1), by_moe, refused], include_refused="oui")
    assert count == 2


def test_a_credit_note_swaps_debit_and_credit():
    row = make_row(
        total_ht=D("-100.00"),
        total_vat=D("-20.00"),
        total_ttc=D("-120.00"),
        vat_lines=(VatLine(D("20"), D("-100.00"), D("-20.00")),),
    )
    lines = records(export([row])[0])
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in lines] == [
        ("411000", "0,00", "120,00"),
        ("704000", "100,00", "0,00"),
        ("445710", "20,00", "0,00"),
    ]


def test_a_foreign_currency_is_refused():
    with pytest.raises(UsageError, match="en USD"):
        export([make_row(currency="USD")])


def test_file_name_is_siren_fec_closing_date():
    opts = parse_options(FEC, {})
    me = Structure(
        1,
        "55210987800348",
        IdentifierType.SIRET,
        "BATIMENTS DURAND SA",
        "",
        Address(),
        True,
        False,
        RoutingMode.NONE,
    )
    context = dataclasses.replace(CONTEXT, structure=me)
    assert FEC.file_name("txt", opts, context) == "552109878FEC20261231.txt"
    opts = parse_options(FEC, {"closing_date": "30/06/2026", "siren": "123456789"})
    assert FEC.file_name("txt", opts, context) == "123456789FEC20260630.txt"
