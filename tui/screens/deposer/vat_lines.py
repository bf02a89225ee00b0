"""The amounts section's rows: one VAT rate and its HT base per row, the VAT the core computes
for it, and the header totals of the draft (computed by the deposit form model)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from ...safe_text import Label, Select, Static
from ...widgets.piece_columns import money

if TYPE_CHECKING:
    from decompte.sdk.model import PieceDraft

RATES = ("20", "10", "5.5", "2.1", "0")
_line_ids = itertools.count(1)


def rate_label(rate: str) -> str:
    return rate.replace(".", ",") + " %"


class VatLineRow(Horizontal):
    """One VAT rate: rate, HT base, computed VAT; its findings under it."""

    def __init__(self, rate: str = "20", base: str = "") -> None:
        n = next(_line_ids)
        super().__init__(classes="vat-line", id=f"vat-line-{n}")
        self.n = n
        self.rate = rate
        self.base = base

    def compose(self) -> ComposeResult:
        yield Label("Taux / base HT", classes="form-label")
        yield Select(
            [(rate_label(r), r) for r in RATES],
            value=self.rate,
            allow_blank=False,
            compact=True,
            id=f"rate-{self.n}",
            classes="rate",
        )
        yield Input(
            self.base,
            placeholder="base HT, ex. 12 500,00",
            compact=True,
            id=f"base-{self.n}",
            classes="base",
        )
        yield Static("", id=f"vat-{self.n}", classes="vat-amount")

    @property
    def rate_value(self) -> str:
        found = self.query(f"#rate-{self.n}")
        if not found:  # not composed yet
            return self.rate
        value = found.first(Select).value
        return str(value) if value is not Select.NULL else "20"

    @property
    def base_text(self) -> str:
        found = self.query(f"#base-{self.n}")
        return found.first(Input).value if found else self.base

    def show_vat(self) -> None:
        """The VAT of this line as typed (blank while the base cannot be read)."""
        from decompte.sdk.amounts import parse_amount, vat_line

        text = ""
        try:
            base = parse_amount(self.base_text)
            text = f"TVA {money(vat_line(base, Decimal(self.rate_value)).amount)}"
        except ValueError:
            pass
        for cell in self.query(f"#vat-{self.n}"):
            assert isinstance(cell, Static)
            cell.update(text)


def row_for(rate: Decimal, base: Decimal) -> VatLineRow:
    """A row showing a line of the previous piece."""
    return VatLineRow(f"{rate.normalize():f}", money(base).replace("\u00a0", " "))


def totals_text(draft: PieceDraft) -> Text:
    """The header totals under the lines."""
    table = Text()
    for label, value in (
        ("Montant HT", draft.total_ht),
        ("Montant TVA", draft.total_vat),
        ("Montant TTC avant remise", draft.total_ttc),
        ("Remise globale TTC", draft.discount_ttc),
        ("Montant TTC après remise", draft.total_ttc - draft.discount_ttc),
        ("Montant à payer", draft.amount_due),
    ):
        table.append(f"{label:<26}", "bold")
        table.append(f"{money(value):>16}\n")
    return table
