"""The columns of the Synthèse (seed 000), shared by every table of pieces."""

from __future__ import annotations

from typing import Any

from .vtable import Column

NBSP = "\u00a0"


def money(value: Any) -> str:
    from decompte.sdk.amounts import format_amount

    return format_amount(value)


def day(value: Any) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _tacit_first(row: Any) -> Any:
    """The tacit procedure's countdown when it ends before the holder's own deadline (or
    the holder has none): the owner side is silent on a final draft or an A22."""
    tacit = getattr(row, "tacit", None)
    if tacit is None or (row.days_left is not None and row.days_left <= tacit.days_left):
        return None
    return tacit


def days_left_text(row: Any) -> str:
    if (tacit := _tacit_first(row)) is not None:
        return str(tacit.column())
    days = row.days_left
    if days is None:
        return "—"
    if days < 0:
        return f"+{-days}{NBSP}j"
    return f"{days}{NBSP}j"


def days_left_tone(row: Any) -> str | None:
    tacit = _tacit_first(row)
    days = tacit.days_left if tacit is not None else row.days_left
    if days is None:
        return "muted"
    if days < 0:
        return "overdue"
    if days <= 2:
        return "soon"
    return "ok"


def payment_text(row: Any) -> str:
    """The payment deadline the piece carries: days left, « +N j » late, « payée »."""
    payment = getattr(row, "payment", None)
    return payment.short() if payment is not None else "—"


def payment_tone(row: Any) -> str | None:
    payment = getattr(row, "payment", None)
    if payment is None:
        return "muted"
    return "overdue" if payment.overdue else "ok"


def piece_columns(*, sortable: bool = True, payment: bool = False) -> list[Column]:
    """The Synthèse's columns; `payment` adds the payment deadline after the holder's."""

    def s(key: str) -> str | None:
        return key if sortable else None

    paid = [Column("payment", "Paiement", 8, payment_text, align="right", tone=payment_tone)]
    return [
        Column("number", "Numéro", 15, lambda r: r.number, sort=s("number")),
        Column(
            "days_left",
            "Délai",
            7,
            days_left_text,
            align="right",
            sort=s("days_left"),
            tone=days_left_tone,
        ),
        *(paid if payment else []),
        Column("marche", "Marché", 13, lambda r: r.marche_number, sort=s("marche")),
        Column(
            "total_ht",
            "Montant HT",
            14,
            lambda r: money(r.total_ht),
            align="right",
            sort=s("total_ht"),
        ),
        Column(
            "recipient",
            "Destinataire",
            22,
            lambda r: r.recipient,
            sort=s("recipient"),
            min_width=11,
        ),
        Column(
            "supplier", "Fournisseur", 22, lambda r: r.supplier, sort=s("supplier"), min_width=11
        ),
        Column("moe", "Maîtrise d'œuvre", 22, lambda r: r.moe, sort=s("moe"), min_width=11),
        Column("moa", "Maîtrise d'ouvrage", 22, lambda r: r.moa, sort=s("moa"), min_width=11),
        Column("deposited_at", "Dépôt", 10, lambda r: day(r.deposited_at), sort=s("deposited_at")),
        Column("state", "État courant", 30, lambda r: r.state_label, sort=s("state"), min_width=18),
        Column("state_date", "Date état", 10, lambda r: day(r.state_date), sort=s("state_date")),
        Column("engagement", "N° engagement", 14, lambda r: r.engagement, sort=s("engagement")),
    ]
