"""Turn database rows into model records (cents back to Decimal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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


def to_cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def structure(row: Any) -> Structure:
    return Structure(
        id=row.id,
        identifier=row.identifier,
        identifier_type=IdentifierType(row.identifier_type),
        name=row.name,
        label=row.label,
        address=Address(row.line1, row.postcode, row.city, row.country),
        active=bool(row.active),
        public=bool(row.public),
        routing_mode=RoutingMode(row.routing_mode),
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
        issue_date=row.issue_date,
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
        state_date=row.state_date,
        holder_structure_id=row.holder_structure_id,
        holder_role=row.holder_role,
        holder_since=row.holder_since,
        deposited_at=row.deposited_at,
        certificate=row.certificate,
        file_sha256=row.file_sha256 or "",
        file_name=row.file_name,
        file_format=row.file_format,
        downloaded=bool(row.downloaded),
        version=row.version,
        vat_lines=vat_lines,
    )
