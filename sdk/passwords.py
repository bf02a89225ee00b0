"""Password policy of the portal, scrypt hashing, and the activation codes' secret side
(stdlib only: neither a password nor an activation code is ever stored in clear).

Passwords are compared on their NFKC form, so that the same password typed on another
keyboard (a composed « é » or an « e » followed by a combining accent, a full-width digit)
logs in the same way. The policy counts what a person sees: invisible code points (format
characters such as the zero-width space) and combining marks count neither toward the length
nor toward the groups; an accented letter is a letter of its case.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime, timedelta

from .errors import UsageError

MIN_LENGTH = 12
#: scrypt cost: one of the equivalent settings of the OWASP Password Storage Cheat Sheet
#: (N=2^17/r=8/p=1 … N=2^13/r=8/p=10), the one that needs the least memory: 8 MiB for an
#: instant at each login, in every clerk's app. Hashes made with other settings still verify
#: and are rehashed at the next successful login.
_N, _R, _P = 2**13, 8, 10
#: Hangul fillers: letters by their category, blank on screen (default-ignorable).
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
GROUPS = ("majuscules", "minuscules", "chiffres", "caractères spéciaux")


def normalise(password: str) -> str:
    """The form that is hashed and checked: NFKC."""
    return unicodedata.normalize("NFKC", password)


def _counted(password: str) -> list[str]:
    """The characters of the normalised password that a person sees."""
    return [
        c
        for c in normalise(password)
        if unicodedata.category(c) not in ("Cf", "Mn", "Me", "Mc") and c not in _INVISIBLE_LETTERS
    ]


def _group(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Lu", "Lt"):
        return "majuscules"
    if category == "Ll":
        return "minuscules"
    if category == "Nd":
        return "chiffres"
    return "caractères spéciaux"  # punctuation, symbols, spaces, letters without case


def refuse_control(password: str) -> None:
    """A named error for a control character (or a lone surrogate) in a new password: it
    could not be typed again at a login screen."""
    for c in password:
        if unicodedata.category(c) in ("Cc", "Cs"):
            raise UsageError(
                f"Le mot de passe contient un caractère de contrôle (U+{ord(c):04X})",
                field="password",
                hint="n'utilisez que des caractères imprimables (lettres, chiffres, signes)",
            )


def policy_problem(password: str) -> str | None:
    """French explanation of what the password lacks, or None if it is acceptable."""
    counted = _counted(password)
    problems = []
    if len(counted) < MIN_LENGTH:
        problems.append(
            f"il doit compter au moins {MIN_LENGTH} caractères visibles ({len(counted)} comptés ; "
            "les caractères invisibles et les accents combinants ne comptent pas)"
        )
    present = {_group(c) for c in counted}
    if len(present) < 3:
        missing = [g for g in GROUPS if g not in present]
        problems.append(
            f"il doit mêler au moins 3 des 4 groupes ({', '.join(GROUPS)}) ; "
            f"il manque encore {3 - len(present)} groupe(s) parmi : {', '.join(missing)}"
        )
    if not problems:
        return None
    return "Mot de passe trop faible : " + " ; ".join(problems)


def check_new_password(password: str) -> None:
    """Refuse a new password by name: control characters, then the policy."""
    refuse_control(password)
    if problem := policy_problem(password):
        raise UsageError(
            problem,
            field="password",
            hint=f"au moins {MIN_LENGTH} caractères visibles dont 3 des 4 groupes : "
            + ", ".join(GROUPS),
        )


def is_blank(password: str) -> bool:
    """True when nothing visible but spaces was typed: never a password (the policy needs
    3 groups), so a login with it is a slip, not a guess, and does not count as a failure."""
    return not "".join(_counted(password)).strip()


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    """The one place that spends the hashing work (tests count its calls)."""
    data = secret.encode("utf-8", "surrogatepass")
    return hashlib.scrypt(data, salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=dklen)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(normalise(password), salt, _N, _R, _P, 32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def needs_rehash(stored: str) -> bool:
    """True when `stored` was hashed with other settings than today's."""
    return not stored.startswith(f"scrypt${_N}${_R}${_P}$")


def check_password(password: str, stored: str) -> tuple[bool, bool]:
    """(valid, rehash): the normalised password is checked, then the password as typed when
    it differs (a hash stored before normalisation, to be replaced); a valid password is
    rehashed too when `stored` has other settings than today's."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        params = int(n), int(r), int(p)
        salt_bytes, expected = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        return False, False
    if scheme != "scrypt":
        return False, False
    normal = normalise(password)
    try:
        computed = _scrypt(normal, salt_bytes, *params, len(expected))
        if hmac.compare_digest(computed, expected):
            return True, needs_rehash(stored)
        if normal != password:
            computed = _scrypt(password, salt_bytes, *params, len(expected))
            if hmac.compare_digest(computed, expected):
                return True, True
    except ValueError:  # settings scrypt refuses: no password matches this hash
        pass
    return False, False


def verify_password(password: str, stored: str) -> bool:
    return check_password(password, stored)[0]


#: The hash of a random password that was thrown away: no password matches it. A literal,
#: so that the first refusal of a process spends no more than the others (made with today's
#: settings; a test checks that it follows them).
DUMMY_HASH = (
    "scrypt$8192$8$10$xdi30gp+f03XioD4z6IZSg==$hwav92GGPJScrBXSb8oous0UNPWlaRJVeiqwE59U/cQ="
)


def spend_like_a_check(password: str) -> bool:
    """Do the work of `check_password` against a hash no password matches (an unknown or
    inactive account): a login takes the same time whether the account exists or not."""
    check_password(password, DUMMY_HASH)
    return False


# -- activation codes ---------------------------------------------------------------------------

#: Crockford's base32: no I, L, O, U; 12 characters = 60 bits, typed in three groups of 4.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_FIX = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
#: How long a code is valid after it is sent (the portal: « 60 minutes à partir de l'envoi »).
CODE_VALIDITY = timedelta(minutes=60)
_STAMP = "%Y%m%d%H%M%S"


def activation_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    """What the person typed, as the code is hashed: upper case, no dash or space, O for 0."""
    return normalise(code).upper().translate(_CODE_FIX)


def _code_digest(code: str, salt: bytes) -> bytes:
    """Salted SHA-256, not scrypt: a code has 60 random bits and lives 60 minutes, so no
    dictionary or brute force reaches it in time, and registering stays instant."""
    return hashlib.sha256(salt + normalise_code(code).encode("utf-8", "surrogatepass")).digest()[
        :24
    ]


def hash_code(code: str, issued: datetime) -> str:
    """`c$<issued>$<salt>$<digest>` (62 characters: the store's 64-character column)."""
    salt = secrets.token_bytes(9)
    encode = base64.b64encode
    digest = _code_digest(code, salt)
    return f"c${issued:{_STAMP}}${encode(salt).decode()}${encode(digest).decode()}"


def code_issued_at(stored: str) -> datetime | None:
    """When the stored code was issued; None for no code, or a code stored in clear by an
    older version (void: a new one must be issued)."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != "c":
        return None
    try:
        return datetime.strptime(parts[1], _STAMP)
    except ValueError:
        return None


def verify_code(code: str, stored: str) -> bool:
    try:
        _scheme, _issued, salt, digest = stored.split("$")
        salt_bytes, expected = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        return False
    return hmac.compare_digest(_code_digest(code, salt_bytes), expected)
