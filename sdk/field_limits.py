"""The portal's limits on typed values, enforced by the core on every engine.

PostgreSQL would refuse an over-long value with a raw `DataError` and SQLite would store it
silently; the core checks first, the same way on both, with a named error. The limits are the
store's column widths (`sdk/store/schema.py` builds its `String` columns from `LIMITS`, and a
test keeps both in step), which follow the portal's (numéro de facture 35, engagement 50, nom
de pièce jointe 50, IBAN 34, BIC 11). Enumerated values (identifier type, routing mode, role,
VAT type, payment mode…) are checked the same way before anything is written: an unknown
value stored once would break every later read of its row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

from .errors import UsageError
from .text_safety import printable, refuse_unsafe

#: Maximum length (in characters) of each typed field, by its store name.
LIMITS: dict[str, int] = {
    "identifier": 40,
    "identifier_type": 20,
    "name": 200,
    "label": 200,
    "line1": 200,
    "postcode": 10,
    "city": 100,
    "country": 2,
    "routing_mode": 30,
    "bank_label": 100,
    "iban": 34,
    "bic": 11,
    "service_code": 100,
    "service_label": 200,
    "login": 200,
    "email": 200,
    "last_name": 100,
    "first_name": 100,
    "member_role": 30,
    "space": 40,
    "marche_number": 60,
    "marche_object": 300,
    "actor_role": 30,
    "cadre": 80,
    "piece_number": 35,
    "currency": 3,
    "vat_type": 20,
    "payment_mode": 20,
    "exemption_motive": 200,
    "engagement": 50,
    "vat_rate": 10,
    "piece_file_name": 200,
    "file_name": 50,
    "attachment_kind": 40,
    "attachment_designation": 200,
    "vat_number": 20,
    "reason": 2000,
    "comment": 2000,
}

#: The fields stored in unbounded `Text` columns: their limit is the core's alone.
TEXT_ONLY = frozenset({"reason", "comment", "vat_number"})

_SPACE = " "


def check_field(
    field: str,
    value: str,
    *,
    limit_key: str = "",
    multiline: bool = False,
    label: str = "",
    strip: bool = False,
    required: bool = False,
) -> str:
    """`value` when it is safe to show and within its limit; otherwise a named usage error.

    `field` is the name the user knows (an option such as `object`, a draft field); `label`
    the French words a message starts with (« Raison sociale »); `limit_key` the entry of
    LIMITS (defaults to `field`). With `strip`, surrounding spaces are removed first, as the
    portal does (only U+0020: a line break or a control character is refused, never
    silently dropped). With `required`, an empty value is refused."""
    if not isinstance(value, str):
        raise UsageError(
            f"{label or field} : texte attendu", field=field, hint="saisissez une valeur"
        )
    if strip:
        value = value.strip(_SPACE)
    refuse_unsafe(field, value, multiline=multiline)
    if required and not value.strip():
        raise UsageError(
            f"{label or field} : valeur obligatoire",
            field=field,
            hint=f"saisissez {label.lower() if label else field}",
        )
    limit = LIMITS[limit_key or field]
    if len(value) > limit:
        raise UsageError(
            f"{label + ' : t' if label else 'T'}rop long : {len(value)} caractères "
            f"pour {limit} au plus",
            field=field,
            hint=f"raccourcissez à {limit} caractères",
        )
    return value


E = TypeVar("E", bound=StrEnum)


def check_choice(
    field: str,
    value: object,
    choices: type[E],
    *,
    labels: Mapping[str, str] | None = None,
    label: str = "",
    among: Sequence[E] | None = None,
) -> E:
    """The member of `choices` that `value` names (its value, any case), or a named usage
    error listing the allowed values with their French labels; `among` narrows the members a
    user may name (a value the core alone writes is refused like an unknown one)."""
    members = list(choices) if among is None else list(among)
    if isinstance(value, choices) and value in members:
        return value
    text = str(value) if isinstance(value, str) else ""
    for member in members:
        if text and text.upper() == member.value.upper():
            return member
    allowed = ", ".join(
        f"{m.value} ({labels[m.value]})" if labels and m.value in labels else m.value
        for m in members
    )
    shown = printable(str(value))[:40]
    raise UsageError(
        f"{label or field} : valeur inconnue « {shown} »",
        field=field,
        hint=f"valeurs admises : {allowed}",
    )
