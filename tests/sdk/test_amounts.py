"""Decimal money helpers: VAT rounding, totals, French parsing and formatting."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decompte.sdk.amounts import (
    NBSP,
    VAT_RATES,
    Totals,
    compute_totals,
    format_amount,
    parse_amount,
    vat_amount,
    vat_line,
)
from decompte.sdk.model import VatLine

MAINLAND = VAT_RATES["metropole"]
cents = st.integers(min_value=0, max_value=10**11).map(lambda n: D(n).scaleb(-2))
signed_cents = st.integers(min_value=-(10**13), max_value=10**13).map(lambda n: D(n).scaleb(-2))


# --- VAT -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "rate", "expected"),
    [
        ("100.00", "20", "20.00"),
        ("33.33", "5.5", "1.83"),  # 1.83315
        ("0.10", "5.5", "0.01"),  # 0.0055 rounds half up
        ("0.09", "5.5", "0.00"),  # 0.00495
        ("12.50", "2.1", "0.26"),  # 0.2625
        ("1.50", "10", "0.15"),
        ("0.05", "10", "0.01"),  # 0.005: half up, not half even
        ("0.25", "10", "0.03"),  # 0.025: half even would give 0.02
    ],
)
def test_vat_amount_rounds_half_up_to_the_cent(base, rate, expected):
    result = vat_amount(D(base), D(rate))
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


def test_vat_amount_refuses_floats():
    with pytest.raises(TypeError):
        vat_amount(100.0, D("20"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vat_amount(D("100"), 20.0)  # type: ignore[arg-type]


def test_mainland_rates_are_decimals():
    assert VAT_RATES["metropole"] == (D("20"), D("10"), D("5.5"), D("2.1"))
    for rates in VAT_RATES.values():
        assert all(isinstance(r, D) for r in rates)
    assert D("8.5") in VAT_RATES["guadeloupe_martinique_reunion"]


# --- totals ----------------------------------------------------------------------------------


def test_compute_totals_example():
    lines = [vat_line(D("1000.00"), D("20")), vat_line(D("200.00"), D("5.5"))]
    totals = compute_totals(lines, discount_ttc=D("10.00"), prepaid=D("100.00"))
    assert totals == Totals(D("1200.00"), D("211.00"), D("1411.00"), D("1301.00"))


def test_compute_totals_uses_stated_line_amounts():
    totals = compute_totals([VatLine(rate=D("20"), base=D("10.00"), amount=D("2.01"))])
    assert totals.total_vat == D("2.01")


def test_compute_totals_empty():
    assert compute_totals([]) == Totals(D(0), D(0), D(0), D(0))


def test_totals_is_frozen():
    totals = compute_totals([])
    with pytest.raises(AttributeError):
        totals.total_ht = D(1)  # type: ignore[misc]


@given(
    st.lists(st.tuples(cents, st.sampled_from(MAINLAND)), max_size=6),
    cents,
    cents,
)
def test_compute_totals_is_consistent(pairs, discount, prepaid):
    lines = [vat_line(base, rate) for base, rate in pairs]
    t = compute_totals(lines, discount, prepaid)
    assert t.total_ht == sum((b for b, _ in pairs), D(0))
    assert t.total_vat == sum((vat_amount(b, r) for b, r in pairs), D(0))
    assert t.total_ttc == t.total_ht + t.total_vat
    assert t.amount_due == t.total_ttc - discount - prepaid
    for value in (t.total_ht, t.total_vat, t.total_ttc, t.amount_due):
        assert isinstance(value, D) and value == value.quantize(D("0.01"))


# --- parse / format --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1234,5", "1234.50"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234\u202f567,89", "1234567.89"),
        ("  12 € ", "12.00"),
        ("-0,5", "-0.50"),
        ("+3", "3.00"),
        ("0", "0.00"),
        ("12 345 678", "12345678.00"),
    ],
)
def test_parse_amount_accepts_french_and_plain_input(text, expected):
    result = parse_amount(text)
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Montant vide"),
        ("   ", "Montant vide"),
        ("abc", "illisible"),
        ("12 34", "illisible"),
        ("1,234.56", "illisible"),
        ("1.234,56", "illisible"),
        ("1e5", "illisible"),
        ("NaN", "illisible"),
        ("12,345", "au plus 2 décimales"),
        ("١٢", "illisible"),
        ("1" * 40, "trop grand"),
    ],
)
def test_parse_amount_refuses_garbage_in_french(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_amount(text)


def test_parse_amount_places():
    assert parse_amount("5,5", places=1) == D("5.5")
    with pytest.raises(ValueError):
        parse_amount("1,75", places=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.56", f"1{NBSP}234,56"),
        ("0", "0,00"),
        ("999.5", "999,50"),
        ("1000", f"1{NBSP}000,00"),
        ("-1234567.8", f"-1{NBSP}234{NBSP}567,80"),
        ("0.005", "0,01"),
        ("-0.004", "0,00"),
    ],
)
def test_format_amount(value, expected):
    assert format_amount(D(value)) == expected


def test_format_amount_refuses_float_and_nan():
    with pytest.raises(TypeError):
        format_amount(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_amount(D("NaN"))


@given(signed_cents)
def test_parse_format_roundtrip(value):
    assert parse_amount(format_amount(value)) == value


@given(signed_cents)
def test_format_amount_uses_only_nbsp_as_group_separator(value):
    text = format_amount(value)
    assert " " not in text and "." not in text and text.count(",") == 1
