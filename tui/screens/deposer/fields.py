"""The Déposer form's layout, section by section (seed 001's order): type of deposit, file,
cadre and marché, actors (supplier, bank details, recipient, service, MOE), references,
amounts, attachments, checks. Only widgets and their ids: what they show comes from the
deposit form model (`decompte.sdk.deposit_form`), through the pane."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, RadioButton, RadioSet

from decompte.sdk.vocabulary import PAYMENT_MODE_LABELS, VAT_TYPE_LABELS

from ...safe_text import Label, Select, Static

#: The Selects' options: (label, code), labels from the one vocabulary.
VAT_TYPES = tuple((label, code) for code, label in VAT_TYPE_LABELS.items())
PAYMENT_MODES = tuple((label, code) for code, label in PAYMENT_MODE_LABELS.items())


def form_row(
    label: str, *widgets: Widget, note: str = "", row_id: str | None = None
) -> ComposeResult:
    """A labelled row, and the note under it where the row's findings are shown."""
    with Horizontal(classes="form-row", id=row_id):
        yield Label(label, classes="form-label")
        yield from widgets
    if note:
        yield Static("", id=f"note-{note}", classes="note")


def deposit_type() -> ComposeResult:
    yield Static("1. Type de dépôt", classes="section")
    with RadioSet(id="dep-mode"):
        yield RadioButton("Dépôt initial", value=True, id="dep-mode-initial")
        yield RadioButton("À partir d'une pièce existante", id="dep-mode-after")
    yield from form_row(
        "Pièce précédente",
        Input(placeholder="numéro de la pièce reçue", compact=True, id="dep-prev"),
        Button("Charger", id="dep-prev-load", compact=True),
        note="prev",
        row_id="dep-prev-row",
    )
    yield Static("", id="dep-prev-info")


def file_section() -> ComposeResult:
    yield Static("2. Fichier à importer", classes="section")
    yield from form_row(
        "Fichier",
        Input(placeholder="PDF ou XML", compact=True, id="dep-file"),
        Button("Parcourir… ^O", id="dep-file-browse", compact=True),
        note="file",
    )
    yield Static("", id="dep-file-format", classes="muted")


def cadre_section() -> ComposeResult:
    yield Static("3. Cadre de facturation", classes="section")
    yield Static("", id="dep-depositor")
    yield from form_row(
        "Cadre *",
        Select([], prompt="Choisissez le cadre", compact=True, id="dep-cadre"),
        note="cadre",
    )
    yield from form_row(
        "Marché *",
        Select([], prompt="Choisissez le marché", compact=True, id="dep-marche"),
        note="marche",
        row_id="dep-marche-row",
    )


def actors_section() -> ComposeResult:
    yield Static("4. Acteurs", classes="section")
    yield from form_row("Fournisseur", Static("—", id="dep-supplier"), note="supplier")
    yield from form_row(
        "Réf. bancaires",
        Select([], prompt="Compte (IBAN)", compact=True, id="dep-iban"),
        note="iban",
    )
    yield from form_row(
        "Destinataire *",
        Input(
            placeholder="SIRET de la MOA ou du service financier",
            compact=True,
            id="dep-recipient",
        ),
        Button("Rechercher ^F", id="dep-recipient-find", compact=True),
        note="recipient",
    )
    yield Static("", id="dep-recipient-name", classes="muted indent")
    yield from form_row(
        "Service",
        Select([], prompt="Aucun service", compact=True, id="dep-service"),
        note="service",
    )
    yield from form_row(
        "Maîtrise d'œuvre",
        Input(
            placeholder="SIRET de la MOE du marché (pas celui de l'État)",
            compact=True,
            id="dep-moe",
        ),
        Button("Rechercher", id="dep-moe-find", compact=True),
        note="moe",
    )
    yield Static("", id="dep-moe-name", classes="muted indent")


def references_section() -> ComposeResult:
    yield Static("5. Références", classes="section")
    yield from form_row(
        "Numéro *",
        Input(
            placeholder="35 caractères : A-Z a-z 0-9 + - _ /",
            compact=True,
            max_length=40,
            id="dep-number",
        ),
        note="number",
    )
    yield from form_row(
        "Date *", Input(placeholder="JJ/MM/AAAA", compact=True, id="dep-date"), note="date"
    )
    yield from form_row(
        "Devise *", Input("EUR", compact=True, max_length=3, id="dep-currency"), note="currency"
    )
    yield from form_row(
        "Type de TVA *",
        Select(VAT_TYPES, value="DEBITS", allow_blank=False, compact=True, id="dep-vat-type"),
        note="vat-type",
    )
    yield from form_row(
        "Motif d'exonération", Input(compact=True, id="dep-exemption"), note="exemption"
    )
    yield from form_row(
        "N° d'engagement",
        Input(compact=True, max_length=60, id="dep-engagement"),
        note="engagement",
    )
    yield from form_row(
        "Mode de règlement *",
        Select(PAYMENT_MODES, value="VIREMENT", allow_blank=False, compact=True, id="dep-payment"),
        note="payment",
    )


def amounts_section() -> ComposeResult:
    yield Static("6. Montants (base HT et TVA par taux)", classes="section")
    yield Vertical(id="dep-lines")
    with Horizontal(classes="form-row"):
        yield Label("", classes="form-label")
        yield Button("+ Ajouter un taux ^N", id="dep-add-line", compact=True)
        yield Button("− Retirer le dernier", id="dep-remove-line", compact=True)
    yield from form_row(
        "Remise globale TTC", Input("0,00", compact=True, id="dep-discount"), note="discount"
    )
    yield Static("", id="dep-totals")
    yield Static("", id="note-totals", classes="note")


def attachments_section() -> ComposeResult:
    yield Static("7. Pièces jointes", classes="section")
    yield OptionList(id="dep-attachments")
    with Horizontal(classes="form-row"):
        yield Label("", classes="form-label")
        yield Button("+ Ajouter une pièce jointe ^T", id="dep-attach", compact=True)
        yield Button("Retirer la sélection", id="dep-detach", compact=True)
    yield Static("", id="note-attachments", classes="note")


def checks_section() -> ComposeResult:
    yield Static("8. Contrôles", classes="section")
    yield Static("", id="dep-findings")
    with Horizontal(classes="form-row buttons"):
        yield Button("Valider et envoyer (F9)", id="dep-submit", variant="primary", compact=True)
        yield Button("Nouveau dépôt", id="dep-reset", compact=True)


SECTIONS = (
    deposit_type,
    file_section,
    cadre_section,
    actors_section,
    references_section,
    amounts_section,
    attachments_section,
    checks_section,
)


class DeposerForm(VerticalScroll):
    """The fields, mounted the first time the tab is shown."""

    def compose(self) -> ComposeResult:
        for section in SECTIONS:
            yield from section()
