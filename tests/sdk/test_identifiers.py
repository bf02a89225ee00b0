"""Identifier checks: SIRET/SIREN (with La Poste), French VAT key, IBAN, BIC."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from decompte.sdk.identifiers import (
    check_bic,
    check_fr_vat,
    check_iban,
    check_siren,
    check_siret,
    compact,
    fr_vat_key,
    fr_vat_number,
)


def luhn_ok(digits: str) -> bool:
    """Independent Luhn: double every second digit from the right."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def siret_oracle(s: str) -> bool:
    if s.startswith("356000000") and s != "35600000000048":
        return sum(map(int, s)) % 5 == 0
    return luhn_ok(s) and luhn_ok(s[:9])


# --- compact ---------------------------------------------------------------------------------


def test_compact_strips_all_kinds_of_spaces_dots_dashes_and_uppercases():
    assert compact(" 732\u00a0829\u202f320-000.74 ") == "73282932000074"
    assert compact("fr76 3000") == "FR763000"
    assert compact("") == ""


# --- SIRET / SIREN ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["73282932000074", "732 829 320 00074", "732\u00a0829\u00a0320 00074"]
)
def test_real_siret_is_valid(value):
    assert check_siret(value) is None


def test_siret_wrong_key():
    assert check_siret("73282932000079") == "Clé de contrôle du SIRET invalide"


def test_siret_length_message_counts_digits():
    assert check_siret("7328293200007") == "Le SIRET doit compter 14 chiffres (13 saisis)"
    assert check_siret("7") == "Le SIRET doit compter 14 chiffres (1 saisi)"
    assert "15 saisis" in check_siret("732829320000741")


def test_siret_non_digit_and_empty():
    assert check_siret("7328293200007A") == (
        "Le SIRET ne doit contenir que des chiffres (caractère « A » refusé)"
    )
    assert check_siret("") == "Le SIRET est vide"
    assert check_siret("   ") == "Le SIRET est vide"


def test_siret_whose_siren_part_fails_luhn_is_refused():
    # Luhn-valid over 14 digits, but the leading SIREN 732829321 is not.
    value = next(f"732829321{n:05d}" for n in range(100000) if luhn_ok(f"732829321{n:05d}"))
    assert luhn_ok(value) and not luhn_ok(value[:9])
    assert "SIREN" in check_siret(value)


def test_siret_checksum_false_checks_shape_only():
    assert check_siret("73282932000079", checksum=False) is None
    assert check_siret("7328293200007", checksum=False) is not None


def test_la_poste_digit_sum_rule_accepts_non_luhn_number():
    value = "35600000049837"  # digit sum 45, Luhn fails
    assert not luhn_ok(value)
    assert check_siret(value) is None


def test_la_poste_luhn_valid_but_bad_digit_sum_is_refused():
    value = "35600000000014"  # Luhn passes, digit sum 19
    assert luhn_ok(value)
    message = check_siret(value)
    assert message is not None and "La Poste" in message and "multiple de 5" in message


def test_la_poste_head_office_uses_luhn():
    assert sum(map(int, "35600000000048")) % 5 != 0
    assert check_siret("35600000000048") is None
    # a head-office-like neighbour with a bad Luhn key and bad digit sum is refused
    assert check_siret("35600000000049") is not None


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_check_siret_agrees_with_independent_luhn(value):
    assert (check_siret(value) is None) == siret_oracle(value)


@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_check_siret_la_poste_agrees_with_digit_sum(tail):
    value = "356000000" + tail
    assert (check_siret(value) is None) == siret_oracle(value)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_siren_agrees_with_independent_luhn(value):
    assert (check_siren(value) is None) == luhn_ok(value)


def test_siren_messages():
    assert check_siren("404833048") is None
    assert check_siren("404833047") == "Clé de contrôle du SIREN invalide"
    assert check_siren("40483304") == "Le SIREN doit compter 9 chiffres (8 saisis)"


# --- French VAT number -----------------------------------------------------------------------


def test_vat_key_formula():
    assert fr_vat_key("732829320") == "44"  # stdnum's documented example
    assert fr_vat_key("443121975") == "46"
    siren = 552008443
    assert int(fr_vat_key(str(siren))) == (12 + 3 * (siren % 97)) % 97


@given(st.integers(min_value=0, max_value=999_999_999))
def test_vat_key_matches_formula(siren):
    key = fr_vat_key(f"{siren:09d}")
    assert key == f"{(12 + 3 * (siren % 97)) % 97:02d}"
    assert int(key) == (siren * 100 + 12) % 97  # the same key in stdnum's form


def test_fr_vat_number_and_check():
    assert fr_vat_number("732 829 320") == "FR44732829320"
    assert check_fr_vat("FR 44 732 829 320") is None
    assert check_fr_vat("fr44732829320") is None


def test_fr_vat_wrong_key_tells_expected_key():
    assert check_fr_vat("FR45732829320") == (
        "Clé du numéro de TVA invalide : 44 attendu pour le SIREN 732829320"
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "vide"),
        ("44732829320", "commence par FR"),
        ("BE0403170701", "commence par FR"),
        ("FR4473282932", "13 caractères"),
        ("FR44732829321", "SIREN 732829321"),
        ("FR4473282932A", "9 chiffres du SIREN"),
    ],
)
def test_fr_vat_refusals(value, fragment):
    message = check_fr_vat(value)
    assert message is not None and fragment in message


def test_fr_vat_new_style_key_delegated_to_stdnum():
    assert check_fr_vat("FRK7399859412") is None
    assert check_fr_vat("FRIO334175221") is not None


# --- IBAN / BIC ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "FR7630006000011234567890189",
        "FR76 3000 6000 0112 3456 7890 189",
        "FR1420041010050500013M02606",
        "DE89370400440532013000",
    ],
)
def test_valid_ibans(value):
    assert check_iban(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "vide"),
        ("FR7630006000011234567890188", "modulo 97"),
        ("FR763000600001123456789018", "27 caractères (26 saisis)"),
        ("XX7630006000011234567890189", "« XX » inconnu"),
        ("7630006000011234567890189", "code pays"),
        ("FR76_3000", "« _ »"),
    ],
)
def test_invalid_ibans(value, fragment):
    message = check_iban(value)
    assert message is not None and fragment in message


def test_iban_with_valid_mod97_but_wrong_rib_key_is_refused():
    body = "30006000011234567890188"  # bank, branch, account, RIB key 88 instead of 89
    check = 98 - int("".join(str(int(c, 36)) for c in body + "FR00")) % 97
    value = f"FR{check:02d}{body}"
    assert stdnum_iban.is_valid(value)  # the ISO 13616 key alone does not catch it
    assert check_iban(value) == "Clé RIB invalide dans l'IBAN (2 derniers chiffres)"


@pytest.mark.parametrize("value", ["BNPAFRPP", "BNPAFRPPXXX", "bnpa fr pp"])
def test_valid_bics(value):
    assert check_bic(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("BNPAFRPPX", "8 ou 11 caractères (9 saisis)"),
        ("BNPAFR", "(6 saisis)"),
        ("1NPAFRPP", "Format du BIC"),
        ("BNPAXXPP", "« XX »"),
        ("", "vide"),
    ],
)
def test_invalid_bics(value, fragment):
    message = check_bic(value)
    assert message is not None and fragment in message
