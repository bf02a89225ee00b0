"""The récapitulatif after a deposit: the message, the deposit certificate number, the
totals, the deposit date and the billing file number; export of the certificate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from ..safe_text import Static, Table
from ..widgets.piece_columns import money
from ..workers import describe_error
from .base import Modal
from .export_dialog import export_folder

if TYPE_CHECKING:
    from ..app import DecompteApp


def write_certificate(core: Any, session: Any, piece_id: int, folder: Path) -> Path:
    """The deposit certificate as a PDF (queries.certificate + documents.certificate), under a
    safe name inside `folder`; an existing file of that name is kept (« certificat-… (2).pdf »)."""
    from decompte.sdk import safe_paths
    from decompte.sdk.documents.certificate import render_certificate

    data = core.queries.certificate(session, piece_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = safe_paths.free_target(folder, f"certificat-{data.number}.pdf")
    (path,) = safe_paths.write_new([target], [lambda: render_certificate(data)], field="dossier")
    return path


class RecapScreen(Modal[str]):
    """Returns "piece" (open it), "new" (a new deposit) or None."""

    def __init__(self, receipt: Any) -> None:
        super().__init__()
        self.receipt = receipt

    def compose(self) -> ComposeResult:
        receipt = self.receipt
        piece = receipt.piece
        with Vertical(classes="modal-box wide", id="recap-box"):
            yield Static("Récapitulatif", classes="modal-title")
            yield Static(Text(receipt.message, "bold"))
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold")
            table.add_column()
            table.add_row("Certificat de dépôt n°", receipt.certificate)
            table.add_row("Dossier de facturation n°", receipt.dossier_number)
            table.add_row("Date de dépôt", f"{piece.deposited_at:%d/%m/%Y %H:%M}")
            table.add_row("Montant HT total", money(piece.total_ht))
            table.add_row("Montant TVA", money(piece.total_vat))
            table.add_row("Montant TTC après remise", money(piece.total_ttc))
            table.add_row("Montant à payer", money(piece.amount_due))
            yield Static(table)
            notes = [f for f in receipt.findings if str(f.severity) != "error"]
            if notes:
                text = Text("Constats confirmés :\n", "bold")
                for finding in notes:
                    text.append(f" • {finding.message}\n", "dim")
                yield Static(text)
            yield Static("", id="modal-error", classes="error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Certificat PDF", id="certificate", compact=True)
                yield Button("Suivi du traitement", id="piece", compact=True)
                yield Button("Nouveau dépôt", id="new", variant="primary", compact=True)
                yield Button("Fermer", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#new").focus()

    def action_confirm(self) -> None:
        self.dismiss("new")

    @on(Button.Pressed, "#new")
    def _new(self) -> None:
        self.dismiss("new")

    @on(Button.Pressed, "#piece")
    def _piece(self) -> None:
        self.dismiss("piece")

    @on(Button.Pressed, "#certificate")
    def _certificate(self) -> None:
        self.export_certificate()

    @work(thread=True, exclusive=True, exit_on_error=False, group="certificate")
    def export_certificate(self) -> None:
        dapp: DecompteApp = self.app  # type: ignore[assignment]
        try:
            path = write_certificate(
                dapp.backend.wait(), dapp.session, self.receipt.piece.id, export_folder(dapp.ui)
            )
        except Exception as exc:
            self.app.call_from_thread(self.show_error, describe_error(exc))
        else:
            self.app.call_from_thread(
                self.notify,
                f"Certificat enregistré : {path}",
                title="Certificat de dépôt",
                timeout=8,
            )
