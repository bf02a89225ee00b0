"""Money helpers on `Decimal` (never float): VAT, header totals, French parsing and formatting.

Formatting uses the no-break space U+00A0 as thousands separator ("1 234,56"), the
separator most French fonts and terminals render; parsing also accepts plain spaces,
U+202F (narrow no-break space) and U+2009 (thin space), and "." or "," as decimal mark.

Every amount a user types is bounded by `MAX_AMOUNT` (999 999 999 999,99 €, a thousand
billion euros less a cent): far above any works contract, and far below what the store's
64-bit integer cents hold (about 9.2 × 10¹⁶ €) even once a piece's lines are summed, so no
amount accepted here can overflow a column or an arithmetic context on either engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .model import VatLine

__all__ = [
    "CENT",
    "DEFAULT_VAT_REGION",
    "MAX_AMOUNT",
    "MAX_RATE",
    "NBSP",
    "VAT_RATES",
    "ZERO",
    "Totals",
    "amount_problem",
    "compute_totals",
    "format_amount",
    "parse_amount",
    "rate_problem",
    "vat_amount",
    "vat_line",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NBSP = "\u00a0"
_D = Decimal
#: The largest amount (in absolute value) a piece may carry, in euros.
MAX_AMOUNT = Decimal("999999999999.99")
#: The largest VAT rate, in percent.
MAX_RATE = Decimal("100")
_MAX_INT_DIGITS = len(str(int(MAX_AMOUNT)))

# VAT rates in percent, by territory. They are data: callers pick a table and may override it.
# Only "metropole" is settled; the others are to verify against the CGI (art. 278 s., 296 s.).
VAT_RATES: Mapping[str, tuple[Decimal, ...]] = {
    "metropole": (_D("20"), _D("10"), _D("5.5"), _D("2.1")),
    "corse": (_D("20"), _D("13"), _D("10"), _D("5.5"), _D("2.1"), _D("0.9")),  # (verify)
    "guadeloupe_martinique_reunion": (  # (verify)
        _D("8.5"),
        _D("2.1"),
        _D("1.75"),
        _D("1.05"),
        _D("0.9"),
    ),
    "guyane_mayotte": (),  # VAT not applied for now (verify)
}
DEFAULT_VAT_REGION = "metropole"

_SPACES = " \u00a0\u202f\u2009"
_AMOUNT = re.compile(
    rf"(?P<sign>[+-]?)(?P<int>\d+|\d{{1,3}}(?:[{_SPACES}]\d{{3}})+)(?:[.,](?P<frac>\d+))?",
    re.ASCII,
)


def _money(value: Decimal, name: str = "montant") -> Decimal:
    """Refuse floats (and other non-Decimal types) early: they silently lose cents."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} : Decimal attendu, {type(value).__name__} reçu")
    return Decimal(value)


def amount_problem(value: object) -> str | None:
    """Why `value` cannot be a piece's amount (not a Decimal, not a number, beyond
    `MAX_AMOUNT`), or None when it can."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return "montant attendu"
    if not Decimal(value).is_finite():
        return f"montant invalide : {value}"
    if abs(Decimal(value)) > MAX_AMOUNT:
        return f"montant hors limite : {format_amount(MAX_AMOUNT)} € au plus"
    return None


def rate_problem(value: object) -> str | None:
    """Why `value` cannot be a VAT rate in percent (0 to `MAX_RATE`, at most 4 decimals),
    or None when it can."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return "taux attendu"
    rate = Decimal(value)
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE:
        return f"taux invalide : {value} (de 0 à {MAX_RATE} %)"
    if rate != rate.quantize(Decimal("0.0001")):
        return f"taux invalide : {value} (4 décimales au plus)"
    return None


def vat_amount(base: Decimal, rate_percent: Decimal) -> Decimal:
    """VAT on `base` at `rate_percent` %, rounded half-up to the cent."""
    base = _money(base, "base")
    rate = _money(rate_percent, "taux")
    return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_line(base: Decimal, rate_percent: Decimal) -> VatLine:
    """A VAT line whose amount is computed from its base and rate."""
    return VatLine(
        rate=_money(rate_percent, "taux"), base=base, amount=vat_amount(base, rate_percent)
    )


@dataclass(frozen=True, slots=True)
class Totals:
    """Header totals of a piece ("synthèse d'en-tête")."""

    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    amount_due: Decimal


def compute_totals(
    vat_lines: Iterable[VatLine],
    discount_ttc: Decimal = ZERO,
    prepaid: Decimal = ZERO,
) -> Totals:
    """Sum the lines as stated: HT = Σ bases, TVA = Σ amounts, TTC = HT + TVA,
    à payer = TTC − remise globale TTC − montant déjà payé."""
    lines = list(vat_lines)
    total_ht = sum((_money(line.base, "base") for line in lines), ZERO)
    total_vat = sum((_money(line.amount, "TVA") for line in lines), ZERO)
    total_ttc = total_ht + total_vat
    due = total_ttc - _money(discount_ttc, "remise") - _money(prepaid, "déjà payé")
    return Totals(total_ht, total_vat, total_ttc, due)


def parse_amount(text: str, *, places: int = 2) -> Decimal:
    """Read a French or plain amount ("1 234,56", "1234.56", "-12,5 €") as a Decimal
    quantized to `places` decimals. Raise ValueError with a French message otherwise."""
    raw = (text or "").strip()
    cleaned = raw.removesuffix("€").removesuffix("EUR").strip(_SPACES)
    if not cleaned:
        raise ValueError("Montant vide : saisissez un nombre, par exemple 1 234,56")
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        raise ValueError(f"Montant illisible : « {raw} » (exemple attendu : 1 234,56)")
    frac = match["frac"] or ""
    if len(frac) > places:
        raise ValueError(f"Montant « {raw} » : au plus {places} décimales")
    digits = "".join(ch for ch in match["int"] if ch.isdigit()).lstrip("0") or "0"
    if len(digits) > _MAX_INT_DIGITS:
        raise ValueError(f"Montant « {raw} » trop grand : {format_amount(MAX_AMOUNT)} € au plus")
    try:
        return Decimal(f"{match['sign']}{digits}.{frac or '0'}").quantize(
            Decimal(1).scaleb(-places)
        )
    except InvalidOperation:
        raise ValueError(f"Montant « {raw} » trop grand") from None


def format_amount(value: Decimal) -> str:
    """French display: "1 234,56" with U+00A0 between thousands, 2 decimals, half-up."""
    if not _money(value).is_finite():
        raise ValueError(f"Montant non fini : {value}")
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{abs(amount):,.2f}".replace(",", NBSP).replace(".", ",")
    return f"-{text}" if amount < 0 else text
