"""French display helpers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from decompte.sdk.documents import fmt

S = "\u00a0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0"), "0,00"),
        (Decimal("5"), "5,00"),
        (Decimal("1234.5"), f"1{S}234,50"),
        (Decimal("1234567.891"), f"1{S}234{S}567,891"),
        (Decimal("-999.99"), "-999,99"),
        (Decimal("-1000"), f"-1{S}000,00"),
        (Decimal("1E+3"), f"1{S}000,00"),
        (None, "—"),
    ],
)
def test_amount(value: Decimal | None, text: str) -> None:
    assert fmt.amount(value) == text


def test_amount_with_currency_and_percent() -> None:
    assert fmt.amount(Decimal("1200"), "EUR") == f"1{S}200,00{S}EUR"
    assert fmt.percent(Decimal("5.5")) == f"5,5{S}%"


def test_dates() -> None:
    assert fmt.day(date(2024, 5, 31)) == "31/05/2024"
    assert fmt.moment(datetime(2024, 5, 31, 9, 5, 1)) == "31/05/2024 à 09:05:01"
    paris = timezone(timedelta(hours=2))
    assert fmt.moment(datetime(2024, 5, 31, 9, 5, 1, tzinfo=paris)).endswith("(UTC+02:00)")


def test_size_and_siret() -> None:
    assert fmt.size(12345) == f"12{S}345 octets"
    assert fmt.size(10 * 1024 * 1024) == f"10{S}485{S}760 octets (10,0{S}Mo)"
    assert fmt.siret("73282932000074") == "732 829 320 00074"
    assert fmt.siret("ABC") == "ABC"
