"""Database schema (SQLAlchemy Core). Money is stored in integer cents, never REAL.
The widths of typed text come from `field_limits.LIMITS`, which the core checks first.

Indexes follow the queries: Synthèse reads by holder structure, Rechercher by actor structure
and deposit date, structure search by identifier prefix, name key prefix and postcode+city.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Date as _Date
from sqlalchemy import DateTime as _DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ..field_limits import LIMITS

log = logging.getLogger("decompte.store")


class _Lenient(TypeDecorator[Any]):
    """A date column whose unreadable stored value (a SQLite text that is no date, written
    by hand or by an older tool) reads as None with a log line, instead of an exception that
    would abort the whole query and with it every listing that row appears in. The readers
    (`store/rows.py`) then skip or degrade the row."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        inner = super().result_processor(dialect, coltype)
        if inner is None:
            return None

        def process(value: object) -> object:
            try:
                return inner(value)
            except (ValueError, TypeError):
                log.warning("Date illisible dans la base, ignorée : %r", value)
                return None

        return process


class Date(_Lenient):
    impl = _Date
    cache_ok = True


class DateTime(_Lenient):
    impl = _DateTime
    cache_ok = True


metadata = MetaData()

structures = Table(
    "structures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("identifier", String(LIMITS["identifier"]), nullable=False),
    Column("identifier_type", String(LIMITS["identifier_type"]), nullable=False),
    Column("name", String(LIMITS["name"]), nullable=False),
    Column("name_key", String(LIMITS["name"]), nullable=False),
    Column("label", String(LIMITS["label"]), nullable=False, default=""),
    Column("line1", String(LIMITS["line1"]), nullable=False, default=""),
    Column("postcode", String(LIMITS["postcode"]), nullable=False, default=""),
    Column("city", String(LIMITS["city"]), nullable=False, default=""),
    Column("city_key", String(LIMITS["city"]), nullable=False, default=""),
    Column("country", String(LIMITS["country"]), nullable=False, default="FR"),
    Column("active", Boolean, nullable=False, default=True),
    Column("public", Boolean, nullable=False, default=False),
    Column("routing_mode", String(LIMITS["routing_mode"]), nullable=False, default="none"),
    UniqueConstraint("identifier", "identifier_type", name="uq_structure_identifier"),
    Index("ix_structures_name_key", "name_key"),
    Index("ix_structures_postcode_city", "postcode", "city_key", "name_key"),
)

bank_accounts = Table(
    "bank_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("structure_id", ForeignKey("structures.id"), nullable=False, index=True),
    Column("label", String(LIMITS["bank_label"]), nullable=False, default=""),
    Column("iban", String(LIMITS["iban"]), nullable=False),
    Column("bic", String(LIMITS["bic"]), nullable=False, default=""),
)

services = Table(
    "services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("structure_id", ForeignKey("structures.id"), nullable=False),
    Column("code", String(LIMITS["service_code"]), nullable=False),
    Column("label", String(LIMITS["service_label"]), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("ej_required", Boolean, nullable=False, default=False),
    UniqueConstraint("structure_id", "code", name="uq_service_code"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(LIMITS["login"]), nullable=False, unique=True),
    Column("email", String(LIMITS["email"]), nullable=False),
    Column("last_name", String(LIMITS["last_name"]), nullable=False),
    Column("first_name", String(LIMITS["first_name"]), nullable=False),
    Column("password_hash", String(300), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=False),
    Column("activation_code", String(64), nullable=False, default=""),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("structure_id", ForeignKey("structures.id"), primary_key=True, index=True),
    Column("role", String(LIMITS["member_role"]), nullable=False),
)

attachment_requests = Table(
    "attachment_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("structure_id", ForeignKey("structures.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("decided_by", ForeignKey("users.id"), nullable=True),
    Column("decided_at", DateTime, nullable=True),
)

structure_spaces = Table(
    "structure_spaces",
    metadata,
    Column("structure_id", ForeignKey("structures.id"), primary_key=True),
    Column("space", String(LIMITS["space"]), primary_key=True),
    Column("mode", String(20), nullable=False),
)

space_subscriptions = Table(
    "space_subscriptions",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("structure_id", ForeignKey("structures.id"), primary_key=True),
    Column("space", String(LIMITS["space"]), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("decided_by", ForeignKey("users.id"), nullable=True),
)

marches = Table(
    "marches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(LIMITS["marche_number"]), nullable=False, unique=True),
    Column("object", String(LIMITS["marche_object"]), nullable=False, default=""),
)

marche_actors = Table(
    "marche_actors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("marche_id", ForeignKey("marches.id"), nullable=False, index=True),
    Column("structure_id", ForeignKey("structures.id"), nullable=False, index=True),
    Column("role", String(LIMITS["actor_role"]), nullable=False),
    Column("service_code", String(LIMITS["service_code"]), nullable=False, default=""),
    Column("direct_payment", Boolean, nullable=False, default=False),
    Column("validator_structure_id", ForeignKey("structures.id"), nullable=True),
    UniqueConstraint("marche_id", "structure_id", "role", name="uq_marche_actor"),
)

marche_engagements = Table(
    "marche_engagements",
    metadata,
    Column("marche_id", ForeignKey("marches.id"), primary_key=True),
    Column("number", String(LIMITS["engagement"]), primary_key=True),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(60), nullable=False, index=True),
    Column("marche_id", ForeignKey("marches.id"), nullable=False, index=True),
    Column("supplier_structure_id", ForeignKey("structures.id"), nullable=False, index=True),
    Column("phase", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("moe_available_on", Date, nullable=True),  # starts the 30-day payment clock
    Column("closed_at", DateTime, nullable=True),
    Index("ix_dossiers_status_closed", "status", "closed_at"),
)

files = Table(
    "files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
)

pieces = Table(
    "pieces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("previous_id", ForeignKey("pieces.id"), nullable=True, index=True),
    Column("cadre", String(LIMITS["cadre"]), nullable=False),
    Column("number", String(LIMITS["piece_number"]), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("currency", String(LIMITS["currency"]), nullable=False),
    Column("vat_type", String(LIMITS["vat_type"]), nullable=False),
    Column("exemption_motive", String(LIMITS["exemption_motive"]), nullable=False, default=""),
    Column("payment_mode", String(LIMITS["payment_mode"]), nullable=False),
    Column("engagement", String(LIMITS["engagement"]), nullable=False, default=""),
    Column("service_code", String(LIMITS["service_code"]), nullable=False, default=""),
    Column("iban", String(LIMITS["iban"]), nullable=False, default=""),
    Column("bic", String(LIMITS["bic"]), nullable=False, default=""),
    Column("total_ht", BigInteger, nullable=False),
    Column("total_vat", BigInteger, nullable=False),
    Column("total_ttc", BigInteger, nullable=False),
    Column("discount_ttc", BigInteger, nullable=False, default=0),
    Column("prepaid", BigInteger, nullable=False, default=0),
    Column("amount_due", BigInteger, nullable=False),
    Column("marche_id", ForeignKey("marches.id"), nullable=False),
    Column("depositor_structure_id", ForeignKey("structures.id"), nullable=False),
    Column("depositor_user_id", ForeignKey("users.id"), nullable=False),
    Column("supplier_structure_id", ForeignKey("structures.id"), nullable=False),
    Column("recipient_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("moe_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("moa_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("validator1_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("validator2_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("next_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("state", String(60), nullable=False),
    Column("state_date", Date, nullable=False),
    Column("holder_structure_id", ForeignKey("structures.id"), nullable=True),
    Column("holder_role", String(30), nullable=False, default=""),
    Column("holder_since", Date, nullable=True),
    Column("deposited_at", DateTime, nullable=False),
    Column("certificate", String(40), nullable=False, unique=True),
    Column("file_sha256", ForeignKey("files.sha256"), nullable=True),
    Column("file_name", String(LIMITS["piece_file_name"]), nullable=False, default=""),
    Column("file_format", String(30), nullable=False, default=""),
    Column("downloaded", Boolean, nullable=False, default=False),
    Column("comment", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    UniqueConstraint("depositor_structure_id", "number", name="uq_piece_number"),
    # Synthèse: filter (refused ones) and count from the index alone, in state_date order.
    Index("ix_pieces_holder", "holder_structure_id", "state_date", "state", "holder_since"),
    # Rechercher by role: pages in deposit order, period and state checked in the index.
    Index("ix_pieces_supplier", "supplier_structure_id", "deposited_at", "issue_date", "state"),
    Index("ix_pieces_moe", "moe_structure_id", "deposited_at", "issue_date", "state"),
    Index("ix_pieces_moa", "moa_structure_id", "deposited_at", "issue_date", "state"),
    Index("ix_pieces_next", "next_structure_id", "deposited_at", "issue_date", "state"),
    Index("ix_pieces_recipient", "recipient_structure_id", "issue_date"),
    Index("ix_pieces_depositor", "depositor_structure_id", "deposited_at"),
    Index("ix_pieces_number", "number"),
    Index("ix_pieces_state", "state", "holder_since"),
)

piece_vat_lines = Table(
    "piece_vat_lines",
    metadata,
    Column("piece_id", ForeignKey("pieces.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("rate", String(LIMITS["vat_rate"]), nullable=False),
    Column("base", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("piece_id", ForeignKey("pieces.id"), nullable=False, index=True),
    Column("sha256", ForeignKey("files.sha256"), nullable=False),
    Column("name", String(LIMITS["file_name"]), nullable=False),
    Column("kind", String(LIMITS["attachment_kind"]), nullable=False, default=""),
    Column("designation", String(LIMITS["attachment_designation"]), nullable=False, default=""),
    Column("size", BigInteger, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("piece_id", ForeignKey("pieces.id"), nullable=False),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=True),
    Column("user_login", String(LIMITS["login"]), nullable=False),
    Column("structure_id", ForeignKey("structures.id"), nullable=True),
    Column("acting_role", String(40), nullable=False),
    Column("action", String(20), nullable=False),
    Column("from_state", String(60), nullable=False),
    Column("to_state", String(60), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Index("ix_events_piece", "piece_id", "id"),
)

#: What the deadline sweep noticed (`sdk/sweep.py`): one row per piece, kind of deadline
#: (« action », « paiement », « refus_masque ») and the day its delay started counting, so
#: that each crossing is reported and announced once. The screens read deadlines from dates,
#: never from here.
deadline_notices = Table(
    "deadline_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("piece_id", ForeignKey("pieces.id"), nullable=False),
    Column("dossier_id", ForeignKey("dossiers.id"), nullable=False),
    Column("since", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("noticed_on", Date, nullable=False),
    UniqueConstraint("kind", "piece_id", "since", name="uq_deadline_notice"),
    Index("ix_deadline_notices_dossier", "dossier_id", "kind", "since"),
)
