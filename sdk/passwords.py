"""Password policy of the portal and scrypt hashing (stdlib: no clear text is ever stored)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

MIN_LENGTH = 12
#: scrypt cost: one of the equivalent settings of the OWASP Password Storage Cheat Sheet
#: (N=2^17/r=8/p=1 … N=2^13/r=8/p=10), the one that needs the least memory: 8 MiB for an
#: instant at each login, in every clerk's app. Hashes made with other settings still verify
#: and are rehashed at the next successful login.
_N, _R, _P = 2**13, 8, 10
_GROUPS = (
    ("majuscules", set(string.ascii_uppercase)),
    ("minuscules", set(string.ascii_lowercase)),
    ("chiffres", set(string.digits)),
)


def policy_problem(password: str) -> str | None:
    """French explanation of why the password is refused, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        typed = len(password)
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères ({typed} saisis)"
    groups = sum(1 for _, chars in _GROUPS if any(c in chars for c in password))
    if any(not c.isalnum() for c in password):
        groups += 1
    if groups < 3:
        return (
            "Le mot de passe doit mêler au moins 3 des 4 groupes : majuscules, minuscules, "
            "chiffres, caractères spéciaux"
        )
    return None


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def needs_rehash(stored: str) -> bool:
    """True when `stored` was hashed with other settings than today's."""
    return not stored.startswith(f"scrypt${_N}${_R}${_P}$")


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(computed, base64.b64decode(digest))


def activation_code() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(8))
