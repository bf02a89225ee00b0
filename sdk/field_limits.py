"""The portal's length limits on typed fields, enforced by the core on every engine.

PostgreSQL would refuse an over-long value with a raw `DataError` and SQLite would store it
silently; the core checks first, the same way on both, with a named error. The limits are the
store's column widths (`sdk/store/schema.py` uses these constants), which follow the portal's
(numéro de facture 35, engagement 50, nom de pièce jointe 50, IBAN 34, BIC 11).
"""

from __future__ import annotations

from .errors import UsageError
from .text_safety import refuse_unsafe

#: Maximum length (in characters) of each typed field, by its store name.
LIMITS: dict[str, int] = {
    "identifier": 40,
    "name": 200,
    "label": 200,
    "line1": 200,
    "postcode": 10,
    "city": 100,
    "country": 2,
    "bank_label": 100,
    "iban": 34,
    "bic": 11,
    "service_code": 100,
    "service_label": 200,
    "login": 200,
    "email": 200,
    "last_name": 100,
    "first_name": 100,
    "marche_number": 60,
    "marche_object": 300,
    "piece_number": 35,
    "exemption_motive": 200,
    "engagement": 50,
    "file_name": 50,
    "attachment_designation": 200,
    "reason": 2000,
}


def check_field(field: str, value: str, *, limit_key: str = "", multiline: bool = False) -> str:
    """`value` when it is safe to show and within its limit; otherwise a named usage error.

    `field` is the name the user knows (an option such as `--object`, or a form label);
    `limit_key` the entry of LIMITS (defaults to `field`)."""
    refuse_unsafe(field, value, multiline=multiline)
    limit = LIMITS[limit_key or field]
    if len(value) > limit:
        raise UsageError(
            f"Trop long : {len(value)} caractères pour {limit} au plus",
            field=field,
            hint=f"raccourcissez à {limit} caractères",
        )
    return value
