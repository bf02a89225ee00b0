"""Identifier checks (SIRET, SIREN, French VAT number, IBAN, BIC) over python-stdnum.

Each `check_*` function returns a specific French error message, or None when the value is
valid. Values are compacted first (spaces of any kind, dots and dashes are ignored).
"""

from __future__ import annotations

import re

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret
from stdnum.fr import tva as _tva

__all__ = [
    "check_bic",
    "check_fr_vat",
    "check_iban",
    "check_siren",
    "check_siret",
    "compact",
    "fr_vat_key",
    "fr_vat_number",
]

_SEPARATORS = re.compile(r"[\s.\-]+")  # \s covers U+00A0 and U+202F
_IBAN_DB = numdb.get("iban")
_IBAN_STRUCT = re.compile(r"(\d+)!([nac])")
# Letters of a French account number map onto digits for the RIB key (A,J→1 … I,R,Z→9).
_RIB_LETTERS = {ch: str(i % 9 + 1) for i, ch in enumerate("ABCDEFGHIJKLMNOPQR")} | {
    ch: str(i + 2) for i, ch in enumerate("STUVWXYZ")
}


def compact(value: str) -> str:
    """Strip spaces (including no-break spaces), dots and dashes; upper-case."""
    return _SEPARATORS.sub("", value or "").upper()


def _count(n: int, noun: str) -> str:
    """French count with agreement: 0 and 1 take the singular."""
    return f"{n} {noun}" if n <= 1 else f"{n} {noun}s"


def _first_bad(value: str, allowed: str) -> str:
    return next(ch for ch in value if ch not in allowed)


def _check_digits(value: str, label: str, length: int) -> str | None:
    """Shape check shared by SIREN and SIRET: digits only, exact length."""
    if not value:
        return f"Le {label} est vide"
    if not value.isascii() or not value.isdigit():
        bad = next(ch for ch in value if not ("0" <= ch <= "9"))
        return f"Le {label} ne doit contenir que des chiffres (caractère « {bad} » refusé)"
    if len(value) != length:
        return f"Le {label} doit compter {length} chiffres ({_count(len(value), 'saisi')})"
    return None


def check_siren(value: str, *, checksum: bool = True) -> str | None:
    """Check a SIREN (9 digits, Luhn key). With checksum=False only the shape is checked."""
    number = compact(value)
    problem = _check_digits(number, "SIREN", 9)
    if problem or not checksum:
        return problem
    return None if _siren.is_valid(number) else "Clé de contrôle du SIREN invalide"


def check_siret(value: str, *, checksum: bool = True) -> str | None:
    """Check a SIRET (14 digits). With checksum=False only the shape is checked.

    The key is Luhn over the 14 digits and over the leading SIREN; La Poste establishments
    (356000000…, except the head office 35600000000048) instead need a digit sum that is a
    multiple of 5. python-stdnum implements both; this wrapper only words the messages.
    """
    number = compact(value)
    problem = _check_digits(number, "SIRET", 14)
    if problem or not checksum:
        return problem
    if not _siren.is_valid(number[:9]):
        return "Clé de contrôle du SIREN (9 premiers chiffres du SIRET) invalide"
    if _siret.is_valid(number):
        return None
    if number.startswith("356000000") and number != "35600000000048":
        return (
            "Clé de contrôle du SIRET invalide (établissement de La Poste : "
            "la somme des chiffres doit être un multiple de 5)"
        )
    return "Clé de contrôle du SIRET invalide"


def fr_vat_key(siren: str) -> str:
    """The two-digit key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97."""
    number = compact(siren)
    if not number.isdigit():
        raise ValueError(f"SIREN non numérique : « {siren} »")
    return f"{(12 + 3 * (int(number) % 97)) % 97:02d}"


def fr_vat_number(siren: str) -> str:
    """The French VAT number of a SIREN, e.g. "FR44732829320"."""
    number = compact(siren)
    return f"FR{fr_vat_key(number)}{number}"


def check_fr_vat(value: str) -> str | None:
    """Check a French intra-community VAT number: FR + 2-character key + SIREN."""
    number = compact(value)
    if not number:
        return "Le numéro de TVA est vide"
    if not number.startswith("FR"):
        return f"Un numéro de TVA français commence par FR (saisi : « {number[:2]}… »)"
    if len(number) != 13:
        return (
            "Le numéro de TVA français doit compter 13 caractères : FR, une clé de "
            f"2 caractères puis le SIREN ({_count(len(number), 'saisi')})"
        )
    key, siren = number[2:4], number[4:]
    if not siren.isdigit():
        return "Le numéro de TVA doit se terminer par les 9 chiffres du SIREN"
    if not siren.startswith("000") and not _siren.is_valid(siren):  # 000…: Monaco, no SIREN
        return f"Le SIREN {siren} contenu dans le numéro de TVA est invalide"
    if key.isdigit():
        expected = fr_vat_key(siren)
        if key != expected:
            return f"Clé du numéro de TVA invalide : {expected} attendu pour le SIREN {siren}"
        return None
    try:  # new-style alphanumeric key: stdnum knows the algorithm
        _tva.validate(number)
    except InvalidChecksum:
        return "Clé alphanumérique du numéro de TVA invalide"
    except ValidationError:
        return "Clé du numéro de TVA mal formée (chiffres ou lettres, sauf I et O)"
    return None


def _iban_length(bban_structure: str) -> int:
    return 4 + sum(int(n) for n, _ in _IBAN_STRUCT.findall(bban_structure))


def _rib_key_ok(number: str) -> bool:
    """French RIB key inside an FR IBAN: 89 × bank + 15 × branch + 3 × account + key ≡ 0 (97)."""
    bban = number[4:]
    account = "".join(_RIB_LETTERS.get(ch, ch) for ch in bban[10:21])
    total = 89 * int(bban[:5]) + 15 * int(bban[5:10]) + 3 * int(account) + int(bban[21:])
    return total % 97 == 0


def check_iban(value: str) -> str | None:
    """Check an IBAN: country, length, ISO 13616 mod-97 key; RIB key for FR accounts."""
    number = compact(value)
    if not number:
        return "L'IBAN est vide"
    if not number.isascii() or not number.isalnum():
        bad = _first_bad(number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return (
            f"L'IBAN ne doit contenir que des lettres et des chiffres (caractère « {bad} » refusé)"
        )
    country = number[:2]
    if len(number) < 4 or not country.isalpha() or not number[2:4].isdigit():
        return "L'IBAN commence par le code pays (2 lettres) puis 2 chiffres de clé, ex. FR76…"
    info = _IBAN_DB.info(number)
    structure = info[0][1].get("bban") if info else None
    if not structure:
        return f"Code pays « {country} » inconnu pour un IBAN"
    expected = _iban_length(structure)
    if len(number) != expected:
        return (
            f"Un IBAN {country} doit compter {expected} caractères ({_count(len(number), 'saisi')})"
        )
    try:
        _iban.validate(number, check_country=False)
    except InvalidChecksum:
        return "Clé de contrôle de l'IBAN invalide (modulo 97)"
    except ValidationError:
        return f"Structure de l'IBAN invalide pour le pays {country}"
    if country == "FR" and not _rib_key_ok(number):
        return "Clé RIB invalide dans l'IBAN (2 derniers chiffres)"
    return None


def check_bic(value: str) -> str | None:
    """Check a BIC: 8 or 11 characters, bank (4 letters), country (2 letters), location, branch."""
    number = compact(value)
    if not number:
        return "Le BIC est vide"
    if len(number) not in (8, 11):
        return f"Le BIC doit compter 8 ou 11 caractères ({_count(len(number), 'saisi')})"
    try:
        _bic.validate(number)
    except InvalidComponent:
        return f"Code pays « {number[4:6]} » du BIC inconnu"
    except ValidationError:
        return (
            "Format du BIC invalide : 4 lettres (banque), 2 lettres (pays), "
            "2 caractères (lieu), 3 caractères facultatifs (agence)"
        )
    return None
