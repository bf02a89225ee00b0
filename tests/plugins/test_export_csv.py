"""CSV, French office dialect: ; decimal comma, cp1252, CRLF; configurable; round-trips;
characters the encoding cannot hold are refused with the piece, column and character."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from plugin_rows import CONTEXT, make_row

from decompte.plugins.export_csv import COLUMNS, CsvExporter
from decompte.sdk.errors import UsageError
from decompte.sdk.export import Party, parse_options

CSV = CsvExporter()


def export(rows, **options) -> bytes:
    out = io.BytesIO()
    CSV.write(rows, out, "csv", parse_options(CSV, options), CONTEXT)
    return out.getvalue()


def read(data: bytes, encoding="cp1252", delimiter=";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def test_defaults_are_the_french_office_dialect_and_round_trip():
    rows = [make_row(1), make_row(2, total_ht=D("1234567.89"), due_date=None, moe=None)]
    data = export(rows)
    assert data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")
    table = read(data)
    assert table[0] == [COLUMNS[k][0] for k in COLUMNS]
    assert table[0][:3] == ["Numéro", "Cadre", "Numéro de marché"]
    for source, line in zip(rows, table[1:], strict=True):
        got = dict(zip(COLUMNS, line, strict=True))
        assert got["number"] == source.number and got["cadre"] == "A4"
        assert got["marche"] == source.marche_number and got["dossier"] == source.dossier_number
        assert day(got["issue_date"]) == source.issue_date
        assert got["due_date"] == (f"{source.due_date:%d/%m/%Y}" if source.due_date else "")
        assert day(got["deposited_at"]) == source.deposited_at.date()
        for key in ("total_ht", "total_vat", "total_ttc", "discount_ttc", "prepaid", "amount_due"):
            assert "." not in got[key]
            assert D(got[key].replace(",", ".")) == getattr(source, key)
        assert got["supplier_id"] == source.supplier.identifier
        assert got["supplier"] == source.supplier.name
        assert got["recipient"] == source.recipient.name
        assert got["moe"] == (source.moe.name if source.moe else "")
        assert got["state"] == "MISE_A_DISPOSITION_MOE"
        assert got["state_label"] == "Mise à disposition de la MOE"
        assert got["certificate"] == source.certificate
    assert table[2][list(COLUMNS).index("total_ht")] == "1234567,89"


def test_separators_quotes_and_newlines_inside_values_round_trip():
    tricky = Party(1, "55210987800348", "SIRET", 'DURAND; "BÂTIMENTS"\r\nET FILS')
    data = export([make_row(supplier=tricky, depositor=tricky)])
    line = dict(zip(COLUMNS, read(data)[1], strict=True))
    assert line["supplier"] == tricky.name


def test_batches_mixing_plain_quoted_and_empty_values_keep_every_row_in_order():
    """Rows are formatted a batch at a time; one cell needing quotes, an absent value or an
    exponent amount in a batch must change nothing in what the spreadsheet reads."""
    rows = [make_row(n) for n in range(1, 2502)]
    rows[1200] = make_row(1201, engagement='EJ;2026\n"1"')
    rows[2100] = make_row(2101, engagement=None, prepaid=D("1E+1"))
    table = read(export(rows))
    assert len(table) == 2502
    assert [line[0] for line in table[1:]] == [row.number for row in rows]
    engagement, prepaid = list(COLUMNS).index("engagement"), list(COLUMNS).index("prepaid")
    assert table[1201][engagement] == 'EJ;2026\n"1"'
    assert (table[2101][engagement], table[2101][prepaid]) == ("", "10")
    assert table[2][engagement] == rows[1].engagement


def test_every_part_of_the_dialect_is_configurable():
    data = export(
        [make_row()],
        delimiter="tab",
        decimal_mark=".",
        encoding="utf-8-sig",
        line_end="lf",
        date_format="%Y-%m-%d",
        columns="number,total_ttc,issue_date",
        header="false",
    )
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "PDM-2026-001\t1411.00\t2026-03-05\n"


def test_a_character_the_encoding_cannot_hold_is_refused_clearly():
    name = "Kovács Győr Kft"
    rows = [make_row(1), make_row(2, supplier=Party(9, "HU123", "UE_HORS_FRANCE", name))]
    out = io.BytesIO()
    with pytest.raises(UsageError) as refused:
        CSV.write(rows, out, "csv", parse_options(CSV, {}), CONTEXT)
    message = refused.value.message
    assert "Pièce n° PDM-2026-002, colonne Fournisseur" in message
    assert "« ő » (U+0151)" in message and "cp1252" in message
    assert "utf-8-sig" in refused.value.hint
    assert len(read(out.getvalue())) == 2  # header and first piece, nothing half-written
    table = read(export(rows, encoding="utf-8-sig"), encoding="utf-8-sig")
    assert table[2][list(COLUMNS).index("supplier")] == name


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": "number,colour"}, "colonnes inconnues : colour"),
        ({"delimiter": ":"}, "valeur ':' non admise"),
        ({"encoding": "latin-2"}, "valeur 'latin-2' non admise"),
        ({"separator": ";"}, "option separator : clé inconnue"),
    ],
)
def test_bad_options_are_usage_errors(options, message):
    with pytest.raises(UsageError, match=message):
        parse_options(CSV, options)


def test_delimiter_and_decimal_mark_must_differ():
    with pytest.raises(UsageError, match="identiques"):
        export([make_row()], delimiter=",", decimal_mark=",")
