"""French display of amounts, dates and sizes (no float anywhere)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"  # in Latin-1, so core PDF fonts can draw it
CENT = Decimal("0.01")


def _group(digits: str) -> str:
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return NBSP.join(groups) or "0"


def amount(value: Decimal | None, currency: str = "") -> str:
    """Decimal("1234.5") → "1 234,50" (non-breaking spaces), at least two decimals."""
    if value is None:
        return "—"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(value):f}".partition(".")
    text = ("-" if value < 0 else "") + _group(whole) + (f",{frac}" if frac else "")
    return f"{text}{NBSP}{currency}" if currency else text


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:f}".replace(".", ",") + f"{NBSP}%"


def day(value: date | None) -> str:
    return "—" if value is None else value.strftime("%d/%m/%Y")


def moment(value: datetime) -> str:
    """`31/05/2024 à 14:03:12`, with the UTC offset when the datetime is aware."""
    text = value.strftime("%d/%m/%Y à %H:%M:%S")
    offset = value.utcoffset()
    if offset is None:
        return text
    if not offset:
        return f"{text} (UTC)"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{text} (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"


def size(nbytes: int) -> str:
    """12345 → "12 345 octets"; from 1 Mo on, also in Mo (1 Mo = 1 048 576 octets)."""
    text = f"{_group(str(nbytes))} octets"
    if nbytes >= 1024 * 1024:
        mo = (Decimal(nbytes) / (1024 * 1024)).quantize(Decimal("0.1"))
        text += f" ({str(mo).replace('.', ',')}{NBSP}Mo)"
    return text


def siret(value: str) -> str:
    if len(value) == 14 and value.isdigit():
        return f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}"
    return value
