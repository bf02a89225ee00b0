"""Turn database rows into model records (cents back to Decimal).

A stored row may not load: an enumerated value this version does not know, an unreadable
date, an amount that is no integer (written by an older version, a plugin or by hand). Such a
row must never take down a listing or `user me` for everyone: a structure degrades (unknown
identifier type reads as « autre », unknown routing mode as the strictest one) and a piece or
a marché actor is skipped by the listings (`readable`), each with a log line naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from ..model import (
    Address,
    IdentifierType,
    PaymentMode,
    Piece,
    RoutingMode,
    Service,
    Structure,
    User,
    VatLine,
    VatType,
)

CENT = Decimal("0.01")
log = logging.getLogger("decompte.store")

#: What converting a damaged row raises (ValueError covers unknown enum values,
#: ArithmeticError a non-numeric amount).
BAD_ROW = (ValueError, TypeError, ArithmeticError, AttributeError)

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def to_cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def from_cents(cents: int) -> Decimal:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValueError(f"montant illisible dans la base : {cents!r}")
    return (Decimal(cents) * CENT).quantize(CENT)


def readable(rows: Iterable[Any], convert: Callable[[Any], T], what: str) -> list[T]:
    """`convert` applied to each row, leaving out (with a log line) the rows it cannot read."""
    out = []
    for row in rows:
        try:
            out.append(convert(row))
        except BAD_ROW as exc:
            skipped(what, getattr(row, "id", "?"), exc)
    return out


def skipped(what: str, row_id: object, exc: BaseException) -> None:
    log.warning("%s n° %s illisible dans la base, ignorée : %s", what, row_id, exc)


def enum_or(choices: type[E], value: object, fallback: E, what: str, row_id: object) -> E:
    """The member `value` names, or `fallback` with a log line when the stored value is
    unknown to this version."""
    try:
        return choices(str(value))
    except ValueError:
        log.warning(
            "%s n° %s : valeur inconnue %r, lue comme %s", what, row_id, value, fallback.value
        )
        return fallback


def required(value: T | None, column: str) -> T:
    """A NOT NULL value; None means it was unreadable (see `schema._Lenient`)."""
    if value is None:
        raise ValueError(f"{column} illisible")
    return value


def structure(row: Any) -> Structure:
    return Structure(
        id=row.id,
        identifier=row.identifier,
        identifier_type=enum_or(
            IdentifierType, row.identifier_type, IdentifierType.AUTRE, "Structure", row.id
        ),
        name=row.name,
        label=row.label,
        address=Address(row.line1, row.postcode, row.city, row.country),
        active=bool(row.active),
        public=bool(row.public),
        # The strictest mode: a deposit to it still names its service and its engagement.
        routing_mode=enum_or(
            RoutingMode,
            row.routing_mode,
            RoutingMode.SERVICE_AND_ENGAGEMENT,
            "Structure",
            row.id,
        ),
    )


def service(row: Any) -> Service:
    return Service(
        row.id, row.structure_id, row.code, row.label, bool(row.active), bool(row.ej_required)
    )


def user(row: Any) -> User:
    return User(row.id, row.login, row.email, row.last_name, row.first_name, bool(row.active))


def piece(
    row: Any, dossier_number: str, marche_number: str, vat_lines: tuple[VatLine, ...] = ()
) -> Piece:
    return Piece(
        id=row.id,
        dossier_id=row.dossier_id,
        dossier_number=dossier_number,
        previous_id=row.previous_id,
        cadre=row.cadre,
        number=row.number,
        issue_date=required(row.issue_date, "issue_date"),
        currency=row.currency,
        vat_type=VatType(row.vat_type),
        payment_mode=PaymentMode(row.payment_mode),
        engagement=row.engagement,
        service_code=row.service_code,
        total_ht=from_cents(row.total_ht),
        total_vat=from_cents(row.total_vat),
        total_ttc=from_cents(row.total_ttc),
        amount_due=from_cents(row.amount_due),
        marche_id=row.marche_id,
        marche_number=marche_number,
        depositor_structure_id=row.depositor_structure_id,
        depositor_user_id=row.depositor_user_id,
        supplier_structure_id=row.supplier_structure_id,
        recipient_structure_id=row.recipient_structure_id,
        moe_structure_id=row.moe_structure_id,
        moa_structure_id=row.moa_structure_id,
        state=row.state,
        state_date=required(row.state_date, "state_date"),
        holder_structure_id=row.holder_structure_id,
        holder_role=row.holder_role,
        holder_since=row.holder_since,
        deposited_at=required(row.deposited_at, "deposited_at"),
        certificate=row.certificate,
        file_sha256=row.file_sha256 or "",
        file_name=row.file_name,
        file_format=row.file_format,
        downloaded=bool(row.downloaded),
        version=row.version,
        vat_lines=vat_lines,
    )
