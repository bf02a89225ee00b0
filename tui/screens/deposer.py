"""Déposer (seed 000 « Associer la pièce suivante », seed 001 « Déposer une facture »): a
guided form, initial deposit or from an existing piece; file with its detected format; cadre
limited to the acting role; actors from the marché register; per-rate VAT with live totals;
attachments; the rules' findings next to their field as you type; confirmation; récapitulatif.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
)
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from .. import keymap as K
from ..backend import ROLE_LABELS, parse_day
from ..widgets.identity import spaced_siret
from ..widgets.pane import Pane
from ..widgets.piece_columns import day, money
from ..widgets.tones import tone
from ..workers import describe_error, notify_error

if TYPE_CHECKING:
    from decompte.sdk.findings import Finding
    from decompte.sdk.model import Marche, Piece, PieceDraft, Structure

CHECK_DELAY = 0.3
RATES = ("20", "10", "5.5", "2.1", "0")
VAT_TYPES = (
    ("TVA sur les débits", "DEBITS"),
    ("TVA sur les encaissements", "ENCAISSEMENTS"),
    ("Exonéré", "EXONERATION"),
    ("Sans TVA", "SANS_TVA"),
)
PAYMENT_MODES = (
    ("Virement", "VIREMENT"),
    ("Chèque", "CHEQUE"),
    ("Prélèvement", "PRELEVEMENT"),
    ("Espèces", "ESPECE"),
    ("Report", "REPORT"),
    ("Autre", "AUTRE"),
)
SUPPLIER_ROLES = {"FOURNISSEUR", "COTRAITANT", "SOUSTRAITANT"}
#: finding field -> the note shown under that field
FIELD_NOTES = {
    "after": "prev",
    "file": "file",
    "cadre": "cadre",
    "marche_number": "marche",
    "supplier_identifier": "supplier",
    "supplier_vat_number": "supplier",
    "iban": "iban",
    "bic": "iban",
    "recipient_identifier": "recipient",
    "service_code": "service",
    "moe_identifier": "moe",
    "moa_identifier": "moe",
    "number": "number",
    "issue_date": "date",
    "due_date": "date",
    "currency": "currency",
    "vat_type": "vat-type",
    "exemption_motive": "exemption",
    "engagement": "engagement",
    "payment_mode": "payment",
    "discount_ttc": "discount",
    "prepaid": "totals",
    "total_ht": "totals",
    "total_vat": "totals",
    "total_ttc": "totals",
    "amount_due": "totals",
    "vat_lines": "totals",
}
#: form widget -> its note (the inverse is used to know if a field holds a value)
WIDGET_NOTES = {
    "dep-prev": "prev",
    "dep-file": "file",
    "dep-cadre": "cadre",
    "dep-marche": "marche",
    "dep-iban": "iban",
    "dep-recipient": "recipient",
    "dep-service": "service",
    "dep-moe": "moe",
    "dep-number": "number",
    "dep-date": "date",
    "dep-currency": "currency",
    "dep-vat-type": "vat-type",
    "dep-exemption": "exemption",
    "dep-engagement": "engagement",
    "dep-payment": "payment",
    "dep-discount": "discount",
}
ICONS = {"error": ("✖", "error"), "warning": ("⚠", "warning"), "info": ("ℹ", "info")}
_line_ids = itertools.count(1)


def rate_label(rate: str) -> str:
    return rate.replace(".", ",") + " %"


@dataclass
class FormContext:
    """What the form needs from the store, fetched in a worker."""

    marches: list[tuple[str, str]] = field(default_factory=list)  # (number, object)
    marche: Marche | None = None
    structures: dict[int, Structure] = field(default_factory=dict)
    services: list[Any] = field(default_factory=list)
    accounts: list[Any] = field(default_factory=list)
    prev: Piece | None = None
    prev_names: dict[str, str] = field(default_factory=dict)


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


def form_row(
    label: str, *widgets: Widget, note: str = "", row_id: str | None = None
) -> ComposeResult:
    with Horizontal(classes="form-row", id=row_id):
        yield Label(label, classes="form-label")
        yield from widgets
    if note:
        yield Static("", id=f"note-{note}", classes="note")


class DeposerForm(VerticalScroll):
    """The fields, mounted the first time the tab is shown."""

    def compose(self) -> ComposeResult:
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
        yield Static("2. Fichier à importer", classes="section")
        yield from form_row(
            "Fichier",
            Input(placeholder="PDF ou XML", compact=True, id="dep-file"),
            Button("Parcourir… ^O", id="dep-file-browse", compact=True),
            note="file",
        )
        yield Static("", id="dep-file-format", classes="muted")
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
            Select(
                PAYMENT_MODES, value="VIREMENT", allow_blank=False, compact=True, id="dep-payment"
            ),
            note="payment",
        )
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
        yield Static("7. Pièces jointes", classes="section")
        yield OptionList(id="dep-attachments")
        with Horizontal(classes="form-row"):
            yield Label("", classes="form-label")
            yield Button("+ Ajouter une pièce jointe ^T", id="dep-attach", compact=True)
            yield Button("Retirer la sélection", id="dep-detach", compact=True)
        yield Static("", id="note-attachments", classes="note")
        yield Static("8. Contrôles", classes="section")
        yield Static("", id="dep-findings")
        with Horizontal(classes="form-row buttons"):
            yield Button(
                "Valider et envoyer (F9)", id="dep-submit", variant="primary", compact=True
            )
            yield Button("Nouveau dépôt", id="dep-reset", compact=True)


class DeposerPane(Pane):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("deposer")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = FormContext()
        self.file_label = ""
        self.file_problems: list[str] = []
        self.attachments: list[Any] = []
        self.findings: list[Finding] = []
        self.local_findings: list[Finding] = []
        self._timer: Timer | None = None
        self._generation = 0
        self._pending_after: int | None = None
        self._busy = False
        self.form_ready = False
        self.touched: set[str] = set()
        self.show_all = False
        self._submit_requested = False
        self.checking = False  # a check is scheduled or running (tests wait on it)
        self._recompute_pending = False
        self._widgets: dict[str, Any] = {}

    # -- building the form --------------------------------------------------------------------
    def compose_content(self) -> ComposeResult:
        yield DeposerForm(id="deposer-form")

    def load(self) -> None:
        if not self.form_ready:
            self.form_ready = True
        self._start()

    def refresh_data(self) -> None:
        """Back from elsewhere: the form keeps what was typed."""

    def _start(self) -> None:
        if self.dapp.identity is None:
            return
        self._reset_values()
        after, self._pending_after = self._pending_after, None
        self.load_context(after)

    def _reset_values(self) -> None:
        today = self.dapp.clock().date()
        self.touched = set()
        self.show_all = False
        for widget in self.query("#deposer-form Input"):
            assert isinstance(widget, Input)
            widget.value = ""
        self.query_one("#dep-currency", Input).value = "EUR"
        self.query_one("#dep-date", Input).value = f"{today:%d/%m/%Y}"
        self.query_one("#dep-discount", Input).value = "0,00"
        self.query_one("#dep-vat-type", Select).value = "DEBITS"
        self.query_one("#dep-payment", Select).value = "VIREMENT"
        self.query_one("#dep-mode-initial", RadioButton).value = True
        self.attachments = []
        self._show_attachments()
        self.file_label, self.file_problems = "", []
        _set_text(self.query_one("#dep-file-format", Static), "")
        lines = self.query_one("#dep-lines", Vertical)
        lines.remove_children()
        lines.mount(VatLineRow())
        self._set_mode(after=False)

    def _set_mode(self, *, after: bool) -> None:
        self.query_one("#dep-prev-row").display = after
        self.query_one("#note-prev").set_classes("note")
        self.query_one("#dep-prev-info").display = after
        self.query_one("#dep-marche-row").display = not after
        if not after:
            self.ctx.prev = None
            self.query_one("#dep-prev-info", Static).update("")

    def focus_main(self) -> None:
        if not self.form_ready or not self.query("#dep-mode"):
            return
        focused = self.app.focused
        if focused is None or self not in focused.ancestors:
            self.query_one("#dep-mode").focus()

    def identity_changed(self) -> None:
        if self.form_ready:
            self.load_context(None)

    # -- context from the store ---------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-context")
    def load_context(self, after: int | None, marche_number: str | None = None) -> None:
        dapp = self.dapp
        session = dapp.session
        role = dapp.identity.actor_role if dapp.identity else ""
        try:
            core = dapp.backend.wait()
            ctx = FormContext()
            if after is not None:
                ctx.prev = core.queries.piece(session, after)
                marche_number = ctx.prev.marche_number
                ctx.marches = [(marche_number, "")]
            elif any(c.initial and (not role or str(c.depositor) == role) for c in core.cadres):
                ctx.marches = dapp.backend.marche_choices(session.structure.id, role)
            if not marche_number and len(ctx.marches) == 1:
                marche_number = ctx.marches[0][0]
            if marche_number:
                ctx.marche = core.register.by_number(marche_number)
            if ctx.marche is not None:
                self._fill_marche(core, ctx)
        except Exception as exc:
            notify_error(self.app, exc, "Déposer")
            return
        self.app.call_from_thread(self._context_loaded, ctx)

    def _fill_marche(self, core: Any, ctx: FormContext) -> None:
        marche = ctx.marche
        assert marche is not None
        ids = {a.structure_id for a in marche.actors}
        if ctx.prev is not None:
            ids |= {
                ctx.prev.supplier_structure_id,
                ctx.prev.recipient_structure_id or 0,
                ctx.prev.moe_structure_id or 0,
            } - {0}
        ctx.structures = {sid: core.org.structure(sid) for sid in ids}
        recipient = self._default_recipient(ctx)
        ctx.services = core.org.services(recipient) if recipient else []
        supplier = self._supplier_id(ctx)
        ctx.accounts = core.org.bank_accounts(supplier) if supplier else []
        if ctx.prev is not None:
            ctx.prev_names = {
                "supplier": ctx.structures[ctx.prev.supplier_structure_id].name,
                "recipient": ctx.structures[ctx.prev.recipient_structure_id].name
                if ctx.prev.recipient_structure_id in ctx.structures
                else "—",
            }

    def _supplier_id(self, ctx: FormContext) -> int | None:
        from decompte.sdk.model import ActorRole

        if ctx.prev is not None:
            return ctx.prev.supplier_structure_id
        identity = self.dapp.identity
        if identity is not None and identity.actor_role in SUPPLIER_ROLES:
            return identity.structure.id
        return ctx.marche.one(ActorRole.FOURNISSEUR) if ctx.marche else None

    def _default_recipient(self, ctx: FormContext) -> int | None:
        from decompte.sdk.model import ActorRole

        if ctx.prev is not None and ctx.prev.recipient_structure_id:
            return ctx.prev.recipient_structure_id
        if ctx.marche is None:
            return None
        return ctx.marche.one(ActorRole.SERVICE_FINANCIER) or ctx.marche.one(ActorRole.MOA)

    def _context_loaded(self, ctx: FormContext) -> None:
        from decompte.sdk.model import ActorRole

        self.ctx = ctx
        identity = self.dapp.identity
        if identity is None:
            return
        core = self.dapp.core
        role = identity.actor_role
        if ctx.marche is None and role in SUPPLIER_ROLES:
            self.query_one("#dep-supplier", Static).update(
                f"{identity.structure.name} ({spaced_siret(identity.structure.identifier)})"
            )
        self.query_one("#dep-depositor", Static).update(
            Text.assemble(
                ("Déposant : ", "bold"),
                f"{identity.structure.name} ({spaced_siret(identity.structure.identifier)})",
                ("  Rôle : ", "bold"),
                ROLE_LABELS.get(role, role),
            )
        )
        # cadres: the acting role's, initial ones or those allowed after the previous piece
        if ctx.prev is not None:
            allowed = core.cadres.next_after(ctx.prev.cadre)
            mine = [c for c in allowed if not role or str(c.depositor) == role]
            cadres = mine or allowed
        else:
            cadres = [
                c for c in core.cadres if c.initial and (not role or str(c.depositor) == role)
            ]
        cadre_select = self.query_one("#dep-cadre", Select)
        chosen = cadre_select.value
        with cadre_select.prevent(Select.Changed):
            cadre_select.set_options((f"{c.short} — {c.label}", c.code) for c in cadres)
            if len(cadres) == 1:
                cadre_select.value = cadres[0].code
            elif chosen in {c.code for c in cadres}:
                cadre_select.value = chosen
        marche_select = self.query_one("#dep-marche", Select)
        with marche_select.prevent(Select.Changed):
            marche_select.set_options(
                (f"{number} — {label}" if label else number, number)
                for number, label in ctx.marches
            )
            if ctx.marche is not None:
                marche_select.value = ctx.marche.number
        if ctx.prev is not None:
            prev = ctx.prev
            self.query_one("#dep-mode-after", RadioButton).value = True
            self._set_mode(after=True)
            self.query_one("#dep-prev", Input).value = prev.number
            self.query_one("#dep-prev-info", Static).update(
                Text.assemble(
                    ("Cadre de facturation : ", "bold"),
                    prev.cadre.split("_", 1)[0],
                    " — ",
                    core.cadres.get(prev.cadre).label if core.cadres.get(prev.cadre) else "",
                    ("\nNuméro : ", "bold"),
                    prev.number,
                    ("   Marché : ", "bold"),
                    prev.marche_number,
                    ("\nFournisseur : ", "bold"),
                    ctx.prev_names.get("supplier", ""),
                    ("\nDestinataire : ", "bold"),
                    ctx.prev_names.get("recipient", ""),
                    ("\nMontant HT : ", "bold"),
                    money(prev.total_ht),
                )
            )
            if prev.vat_lines:
                lines = self.query_one("#dep-lines", Vertical)
                lines.remove_children()
                lines.mount_all(
                    VatLineRow(
                        f"{line.rate.normalize():f}", money(line.base).replace("\u00a0", " ")
                    )
                    for line in prev.vat_lines
                )
        if ctx.marche is not None:
            marche = ctx.marche
            by_id = ctx.structures
            supplier = self._supplier_id(ctx)
            self.query_one("#dep-supplier", Static).update(
                f"{by_id[supplier].name} ({spaced_siret(by_id[supplier].identifier)})"
                if supplier in by_id
                else "—"
            )
            recipient = self._default_recipient(ctx)
            self.query_one("#dep-recipient", Input).value = (
                by_id[recipient].identifier if recipient in by_id else ""
            )
            moe = ctx.prev.moe_structure_id if ctx.prev is not None else marche.one(ActorRole.MOE)
            self.query_one("#dep-moe", Input).value = by_id[moe].identifier if moe in by_id else ""
            moa = marche.one(ActorRole.MOA)
            moa_actor = marche.actor(moa, ActorRole.MOA) if moa else None
            service_select = self.query_one("#dep-service", Select)
            codes = [(f"{s.code} — {s.label}", s.code) for s in ctx.services if s.active]
            default_service = moa_actor.service_code if moa_actor else ""
            if default_service and default_service not in {c for _, c in codes}:
                codes.append((f"{default_service} (service de la MOA)", default_service))
            service_select.set_options(codes)
            if default_service:
                service_select.value = default_service
            if ctx.prev is not None and ctx.prev.service_code:
                service_select.value = ctx.prev.service_code
            engagement = self.query_one("#dep-engagement", Input)
            if ctx.prev is not None and ctx.prev.engagement:
                engagement.value = ctx.prev.engagement
            elif marche.engagements:
                engagement.value = marche.engagements[0]
            iban_select = self.query_one("#dep-iban", Select)
            iban_select.set_options((f"{a.label} — {a.iban}", a.iban) for a in ctx.accounts)
            if ctx.accounts:
                iban_select.value = ctx.accounts[0].iban
        self._names_for_actors()
        self.recompute()
        if ctx.prev is not None:  # next step: the cadre, or the number when it is chosen
            target = "#dep-number" if self._select("#dep-cadre") else "#dep-cadre"
            self.query_one(target).focus(scroll_visible=False)
        self.call_after_refresh(self._settle_scroll)

    def _settle_scroll(self) -> None:
        """The same scroll position whatever the timing: from the top, to the focus."""
        form = self.query_one(DeposerForm)
        form.scroll_home(animate=False, immediate=True)
        focused = self.app.focused
        if focused is not None and form in focused.ancestors:
            form.scroll_to_widget(focused, animate=False, immediate=True)

    @on(Select.Changed, "#dep-marche")
    def _marche_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or self.ctx.prev is not None:
            return
        if self.ctx.marche is not None and self.ctx.marche.number == event.value:
            return
        self.load_context(None, str(event.value))

    @on(RadioSet.Changed, "#dep-mode")
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        after = event.pressed.id == "dep-mode-after"
        if after == (self.ctx.prev is not None):
            return
        self._set_mode(after=after)
        if after:
            self.query_one("#dep-prev", Input).focus()
        else:
            self.load_context(None)

    @on(Input.Submitted, "#dep-prev")
    @on(Button.Pressed, "#dep-prev-load")
    def _load_prev(self) -> None:
        number = self.query_one("#dep-prev", Input).value.strip()
        if number:
            self.find_prev(number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-prev")
    def find_prev(self, number: str) -> None:
        dapp = self.dapp
        try:
            piece = dapp.backend.wait().queries.find_piece(dapp.session, number)
        except Exception as exc:
            self.app.call_from_thread(self._prev_failed, exc)
        else:
            self.app.call_from_thread(self.load_context, piece.id)

    def _prev_failed(self, exc: BaseException) -> None:
        note = self.query_one("#note-prev", Static)
        note.update(f"✖ {describe_error(exc)}")
        note.set_classes("note shown error")

    def start_after(self, piece_id: int) -> None:
        """Called from the piece screen: « Déposer la pièce suivante du dossier »."""
        if not self.form_ready:
            self._pending_after = piece_id
            return
        self._reset_values()
        self.load_context(piece_id)

    # -- actors -------------------------------------------------------------------------------
    def _structure_name(self, identifier: str) -> str:
        for structure in self.ctx.structures.values():
            if structure.identifier == identifier:
                return f"{structure.name} ({spaced_siret(identifier)})"
        return spaced_siret(identifier) or "—"

    def _names_for_actors(self) -> None:
        by_ident = {s.identifier: s for s in self.ctx.structures.values()}
        for which in ("recipient", "moe"):
            ident = self.query_one(f"#dep-{which}", Input).value.strip().replace(" ", "")
            found = by_ident.get(ident)
            text = f"{found.name} — {found.address.postcode} {found.address.city}" if found else ""
            _set_text(self.query_one(f"#dep-{which}-name", Static), text)

    @on(Button.Pressed, "#dep-recipient-find")
    def _find_recipient(self) -> None:
        self._find("recipient")

    @on(Button.Pressed, "#dep-moe-find")
    def _find_moe(self) -> None:
        self._find("moe")

    def action_find_structure(self) -> None:
        focused = self.app.focused
        which = (
            "moe"
            if focused is not None and (focused.id or "").startswith("dep-moe")
            else "recipient"
        )
        self._find(which)

    def _find(self, which: str) -> None:
        from .structure_picker import StructurePicker

        title = (
            "Recherche de destinataire (MOA ou service financier)"
            if which == "recipient"
            else "Recherche de la maîtrise d'œuvre"
        )
        picker = StructurePicker(
            title, public=True if which == "recipient" else None, purpose=which
        )

        def chosen(structure: Structure | None) -> None:
            if structure is None:
                return
            self.ctx.structures[structure.id] = structure
            self.query_one(f"#dep-{which}", Input).value = structure.identifier
            self._names_for_actors()
            if which == "recipient":
                self.load_services(structure.id)
            self.query_one(f"#dep-{which}", Input).focus()

        self.app.push_screen(picker, chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-services")
    def load_services(self, structure_id: int) -> None:
        try:
            services = self.dapp.backend.wait().org.services(structure_id)
        except Exception as exc:
            notify_error(self.app, exc, "Services")
            return
        self.app.call_from_thread(self._services_loaded, services)

    def _services_loaded(self, services: list[Any]) -> None:
        select = self.query_one("#dep-service", Select)
        select.set_options((f"{s.code} — {s.label}", s.code) for s in services if s.active)

    # -- files --------------------------------------------------------------------------------
    @on(Button.Pressed, "#dep-file-browse")
    def action_pick_file(self) -> None:
        from .file_picker import FilePicker

        current = self.query_one("#dep-file", Input).value
        self.app.push_screen(FilePicker(piece=True, current=current), self._file_chosen)

    def _file_chosen(self, chosen: Any) -> None:
        if chosen is None:
            return
        self.query_one("#dep-file", Input).value = str(chosen.path)
        self.query_one("#dep-number", Input).focus()

    @on(Input.Changed, "#dep-file")
    def _file_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if not text:
            self.file_label, self.file_problems = "", []
            _set_text(self.query_one("#dep-file-format", Static), "")
            return
        _set_text(self.query_one("#dep-file-format", Static), "Lecture du fichier…")
        self.inspect_file(Path(text).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-file")
    def inspect_file(self, path: Path) -> None:
        from .file_picker import describe_file

        worker = get_current_worker()
        label, problems = describe_file(path, True)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._file_described, label, problems)

    def _file_described(self, label: str, problems: list[str]) -> None:
        self.file_label, self.file_problems = label, problems
        text = Text()
        if label:
            text.append("Format de dépôt : ", "bold")
            text.append(label)
        for problem in problems:
            text.append(f"\n⚠ {problem}", tone(self.app, "warning"))
        _set_text(self.query_one("#dep-file-format", Static), text)
        self.schedule_check()

    @on(Button.Pressed, "#dep-attach")
    def action_attach(self) -> None:
        from .file_picker import FilePicker

        self.app.push_screen(FilePicker(piece=False), self._attached)

    def _attached(self, chosen: Any) -> None:
        if chosen is None:
            return
        self.attachments.append(chosen)
        self._show_attachments()
        self.schedule_check()

    @on(Button.Pressed, "#dep-detach")
    def _remove_attachment(self) -> None:
        listing = self.query_one("#dep-attachments", OptionList)
        index = listing.highlighted
        if index is not None and 0 <= index < len(self.attachments):
            del self.attachments[index]
            self._show_attachments()
            self.schedule_check()

    def _show_attachments(self) -> None:
        listing = self.query_one("#dep-attachments", OptionList)
        listing.clear_options()
        for item in self.attachments:
            listing.add_option(
                Option(f"{item.kind} · {item.designation or '—'} · {item.path.name}")
            )
        listing.display = bool(self.attachments)

    # -- VAT lines and totals -----------------------------------------------------------------
    @on(Button.Pressed, "#dep-add-line")
    def action_add_line(self) -> None:
        row = VatLineRow("10")
        self.query_one("#dep-lines", Vertical).mount(row)
        self.call_after_refresh(lambda: self.query_one(f"#base-{row.n}").focus())
        self.schedule_check()

    @on(Button.Pressed, "#dep-remove-line")
    def action_remove_line(self) -> None:
        rows = list(self.query(VatLineRow))
        if len(rows) <= 1:
            self.notify("Une pièce garde au moins un taux", timeout=3)
            return
        focused = self.app.focused
        target = next((r for r in rows if focused is not None and r in focused.ancestors), rows[-1])
        target.remove()
        self.call_after_refresh(self.recompute)

    def _note_key(self, widget_id: str) -> str | None:
        if widget_id.startswith(("base-", "rate-")):
            return "line-" + widget_id.split("-", 1)[1]
        return WIDGET_NOTES.get(widget_id)

    def _has_value(self, key: str) -> bool:
        """Does the field of this note hold something? (empty untouched fields stay quiet)"""
        if key.startswith("line-"):
            return bool(self.query(f"#base-{key[5:]}")) and bool(
                self.query_one(f"#base-{key[5:]}", Input).value.strip()
            )
        for widget_id, note in WIDGET_NOTES.items():
            if note == key and self.query(f"#{widget_id}"):
                widget = self.query_one(f"#{widget_id}")
                if isinstance(widget, Input):
                    return bool(widget.value.strip())
                if isinstance(widget, Select):
                    return widget.value is not Select.NULL
        return key in ("totals", "attachments", "supplier")

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Any) -> None:
        widget_id = event.control.id or ""
        if self.form_ready and event.control.has_focus_within:
            key = self._note_key(widget_id)
            if key:
                self.touched.add(key)
        if not self.form_ready or widget_id in ("dep-prev", "dep-file", "dep-marche"):
            return
        if event.control.id in ("dep-recipient", "dep-moe"):
            self._names_for_actors()
        self.recompute()

    def recompute(self) -> None:
        """Live totals on the next frame (a burst of changes counts once); the rules after
        a short pause in typing."""
        self.checking = True
        if not self._recompute_pending:
            self._recompute_pending = True
            self.call_after_refresh(self._recompute_now)

    def _recompute_now(self) -> None:
        self._recompute_pending = False
        if not self.form_ready:
            self.checking = False
            return
        draft, local = self.build_draft()
        self.local_findings = local
        self._show_totals(draft)
        self.schedule_check()

    def schedule_check(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.checking = True
        self._timer = self.set_timer(CHECK_DELAY, self._check_now)

    def _show_totals(self, draft: PieceDraft | None) -> None:
        from decompte.sdk.amounts import vat_line

        for row in self.query(VatLineRow):
            text = ""
            try:
                from decompte.sdk.amounts import parse_amount

                base = parse_amount(row.base_text)
                text = f"TVA {money(vat_line(base, Decimal(row.rate_value)).amount)}"
            except ValueError:
                pass
            for cell in row.query(f"#vat-{row.n}"):
                assert isinstance(cell, Static)
                cell.update(text)
        if draft is None:
            return
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
        self.query_one("#dep-totals", Static).update(table)

    def _widget(self, selector: str) -> Any:
        """A field of the form, looked up once (the form has ~150 widgets)."""
        found = self._widgets.get(selector)
        if found is None or not found.is_attached:
            found = self._widgets[selector] = self.query_one(selector)
        return found

    def _select(self, selector: str) -> str:
        value = self._widget(selector).value
        return "" if value is Select.NULL or value is None else str(value)

    def _input(self, selector: str) -> str:
        return self._widget(selector).value.strip()

    def build_draft(self) -> tuple[PieceDraft | None, list[Finding]]:
        """The draft as typed, and the findings of what cannot even be read (amounts,
        dates). Header totals are computed from the VAT lines, as the portal does."""
        from decompte.sdk.amounts import ZERO, compute_totals, parse_amount, vat_line
        from decompte.sdk.findings import Finding, Severity
        from decompte.sdk.model import ActorRole, PaymentMode, PieceDraft, VatType

        if not self.form_ready:
            return None, []
        local: list[Finding] = []

        def bad(field_name: str, message: str, hint: str = "") -> None:
            local.append(Finding("form.input", Severity.ERROR, field_name, message, hint))

        lines = []
        for i, row in enumerate(self.query(VatLineRow)):
            text = row.base_text
            if not text.strip():
                bad(f"vat_lines[{i}].base", "Base HT obligatoire", "ex. 12 500,00")
                continue
            try:
                lines.append(vat_line(parse_amount(text), Decimal(row.rate_value)))
            except ValueError as exc:
                bad(f"vat_lines[{i}].base", str(exc))
        try:
            discount = parse_amount(self._input("#dep-discount") or "0")
        except ValueError as exc:
            bad("discount_ttc", str(exc))
            discount = ZERO
        totals = compute_totals(lines, discount)
        today = self.dapp.clock().date()
        try:
            issue = parse_day(self._input("#dep-date"))
            if issue is None:
                bad("issue_date", "La date de la pièce est obligatoire", "format JJ/MM/AAAA")
        except ValueError as exc:
            bad("issue_date", str(exc))
            issue = None
        ctx = self.ctx
        by_id = ctx.structures
        supplier = self._supplier_id(ctx)
        moa = ctx.marche.one(ActorRole.MOA) if ctx.marche else None
        marche_number = (
            ctx.prev.marche_number if ctx.prev is not None else self._select("#dep-marche")
        )
        draft = PieceDraft(
            cadre=self._select("#dep-cadre"),
            number=self._input("#dep-number"),
            issue_date=issue or today,
            marche_number=marche_number,
            currency=self._input("#dep-currency").upper(),
            vat_type=VatType(self._select("#dep-vat-type") or "DEBITS"),
            exemption_motive=self._input("#dep-exemption"),
            payment_mode=PaymentMode(self._select("#dep-payment") or "VIREMENT"),
            engagement=self._input("#dep-engagement"),
            service_code=self._select("#dep-service"),
            iban=self._select("#dep-iban"),
            vat_lines=lines,
            total_ht=totals.total_ht,
            total_vat=totals.total_vat,
            total_ttc=totals.total_ttc,
            discount_ttc=discount,
            amount_due=totals.amount_due,
            supplier_identifier=by_id[supplier].identifier if supplier in by_id else "",
            recipient_identifier=self._input("#dep-recipient").replace(" ", ""),
            moe_identifier=self._input("#dep-moe").replace(" ", ""),
            moa_identifier=by_id[moa].identifier if moa in by_id else "",
            file_name=Path(self._input("#dep-file")).name if self._input("#dep-file") else "",
        )
        if not draft.marche_number:
            bad(
                "marche_number",
                "Le numéro de marché est obligatoire",
                "choisissez le marché auquel la pièce se rattache",
            )
        return draft, local

    # -- live findings ------------------------------------------------------------------------
    def _check_now(self) -> None:
        draft, local = self.build_draft()
        if draft is None:
            self.checking = False
            return
        self._generation += 1
        file_text = self._input("#dep-file")
        file = Path(file_text).expanduser() if file_text else None
        prev_id = self.ctx.prev.id if self.ctx.prev is not None else None
        self.check(self._generation, draft, local, file, list(self.attachments), prev_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-check")
    def check(
        self,
        generation: int,
        draft: PieceDraft,
        local: list[Finding],
        file: Path | None,
        attachments: list[Any],
        prev_id: int | None,
    ) -> None:
        worker = get_current_worker()
        try:
            found = self._rule_findings(draft, file, attachments, prev_id)
        except Exception as exc:
            from decompte.sdk.findings import Finding, Severity

            found = [
                Finding(
                    "form.check",
                    Severity.WARNING,
                    "",
                    f"Contrôles indisponibles : {describe_error(exc)}",
                )
            ]
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_findings, generation, local + found)

    def _rule_findings(
        self, draft: PieceDraft, file: Path | None, attachments: list[Any], prev_id: int | None
    ) -> list[Finding]:
        """Every finding the deposit would meet (workflow.check: same rules, same
        context, nothing written). A refusal before the rules (unknown marché, piece that
        no longer accepts a next one…) becomes a finding on its field."""
        from decompte.sdk.errors import DecompteError
        from decompte.sdk.findings import Finding, Severity

        dapp = self.dapp
        core = dapp.backend.wait()
        try:
            return list(
                core.workflow.check(
                    dapp.session,
                    draft,
                    file=file,
                    attachments_in=self._attachment_inputs(attachments),
                    after=prev_id,
                )
            )
        except DecompteError as exc:
            return [Finding("workflow", Severity.ERROR, exc.field, exc.message, exc.hint)]

    def _attachment_inputs(self, attachments: list[Any]) -> list[Any]:
        from decompte.sdk.files_check import AttachmentInput

        return [AttachmentInput(a.path, a.kind or "AUTRE", a.designation) for a in attachments]

    def _show_findings(self, generation: int, findings: list[Finding]) -> None:
        if generation != self._generation or not self.form_ready:
            return
        self.checking = False
        self.findings = findings
        if self._submit_requested:
            self._submit_requested = False
            self.show_all = True
            self._display_findings(findings)
            self._proceed_submit()
            return
        self._display_findings(findings)

    def _display_findings(self, findings: list[Finding]) -> None:
        notes: dict[str, list[Finding]] = {}
        rows = {i: row for i, row in enumerate(self.query(VatLineRow))}
        general: list[Finding] = []
        for finding in findings:
            target = FIELD_NOTES.get(finding.field)
            if finding.field.startswith("vat_lines["):
                index = int(finding.field[len("vat_lines[") :].split("]")[0])
                target = f"line-{rows[index].n}" if index in rows else "totals"
            elif finding.field.startswith("attachments"):
                target = "attachments"
            if target is None:
                general.append(finding)
            else:
                notes.setdefault(target, []).append(finding)

        def shown(key: str) -> list[Finding]:
            items = notes.get(key, [])
            if self.show_all or key in self.touched or self._has_value(key):
                return items
            return []

        for note in self.query(".note"):
            key = (note.id or "").removeprefix("note-")
            assert isinstance(note, Static)
            _set_note(note, shown(key))
        for row in rows.values():
            items = shown(f"line-{row.n}")
            note_id = f"note-line-{row.n}"
            existing = self.query(f"#{note_id}")
            if items and not existing:
                widget = Static("", id=note_id, classes="note")
                self.query_one("#dep-lines").mount(widget, after=row)
                _set_note(widget, items)
            elif existing:
                _set_note(existing.first(Static), items)
        counts = {
            s: sum(1 for f in findings if str(f.severity) == s)
            for s in ("error", "warning", "info")
        }
        summary = Text()
        if not findings:
            summary.append(
                "✔ Aucun constat : la pièce peut être envoyée (F9)",
                tone(self.app, "success", bold=True),
            )
        else:
            summary.append(
                f"{counts['error']} erreur(s) bloquante(s), "
                f"{counts['warning']} avertissement(s) à confirmer, "
                f"{counts['info']} information(s)\n",
                "bold",
            )
            summary.append_text(_finding_text(findings, with_field=True, app=self.app))
        self.query_one("#dep-findings", Static).update(summary)
        # Notes that open above the field being typed in push it down: keep it in view.
        focused = self.app.focused
        if focused is not None and self in focused.ancestors:
            self.call_after_refresh(focused.scroll_visible, animate=False)

    # -- submitting ---------------------------------------------------------------------------
    @on(Button.Pressed, "#dep-submit")
    def action_submit(self) -> None:
        """Check again with what is on screen now, then ask for confirmation."""
        if not self.form_ready or self._busy:
            return
        if self._timer is not None:
            self._timer.stop()
        self._submit_requested = True
        self._check_now()

    def _proceed_submit(self) -> None:
        from .confirm_deposit import ConfirmDeposit

        draft, local = self.build_draft()
        if draft is None:
            return
        if local:
            self.notify(
                "Corrigez les champs signalés avant l'envoi",
                title="Déposer",
                severity="error",
                timeout=5,
            )
            return
        errors = [f for f in self.findings if str(f.severity) == "error"]
        if errors:
            self.notify(
                f"{len(errors)} erreur(s) bloquent le dépôt : {errors[0].message}",
                title="Déposer",
                severity="error",
                timeout=6,
            )
            return
        warnings = [f for f in self.findings if str(f.severity) == "warning"]
        core = self.dapp.core
        cadre = core.cadres.get(draft.cadre)
        summary = [
            ("Cadre", f"{cadre.short} — {cadre.label}" if cadre else draft.cadre or "—"),
            ("Numéro", draft.number or "—"),
            ("Date", day(draft.issue_date)),
            ("Marché", draft.marche_number or "—"),
            ("Destinataire", self._structure_name(draft.recipient_identifier)),
            ("Montant HT", money(draft.total_ht)),
            ("Montant TVA", money(draft.total_vat)),
            ("Montant à payer", money(draft.amount_due)),
            ("Fichier", f"{draft.file_name or '—'} {self.file_label}".strip()),
            ("Pièces jointes", str(len(self.attachments))),
        ]

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._deposit(draft, bool(warnings))

        self.app.push_screen(ConfirmDeposit(summary, warnings), confirmed)

    def _deposit(self, draft: PieceDraft, confirm_warnings: bool) -> None:
        self._busy = True
        self.query_one("#dep-submit", Button).disabled = True
        file_text = self._input("#dep-file")
        file = Path(file_text).expanduser() if file_text else None
        prev_id = self.ctx.prev.id if self.ctx.prev is not None else None
        self.deposit(
            draft, file, self._attachment_inputs(self.attachments), prev_id, confirm_warnings
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-deposit")
    def deposit(
        self,
        draft: PieceDraft,
        file: Path | None,
        attachments: list[Any],
        prev_id: int | None,
        confirm_warnings: bool,
    ) -> None:
        dapp = self.dapp
        try:
            receipt = dapp.backend.wait().workflow.deposit(
                dapp.session,
                draft,
                file=file,
                attachments_in=attachments,
                after=prev_id,
                confirm_warnings=confirm_warnings,
            )
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc, draft)
        else:
            self.app.call_from_thread(self._deposited, receipt)

    def _refused(self, exc: BaseException, draft: PieceDraft) -> None:
        from .confirm_deposit import ConfirmDeposit

        self._busy = False
        self.query_one("#dep-submit", Button).disabled = False
        findings = list(getattr(exc, "findings", []) or [])
        if findings:
            self._generation += 1
            self.findings = findings
            self._display_findings(findings)
            errors = [f for f in findings if str(f.severity) == "error"]
            if not errors:  # warnings only: ask again, listing them
                warnings = [f for f in findings if str(f.severity) == "warning"]

                def confirmed(ok: bool | None) -> None:
                    if ok:
                        self._deposit(draft, True)

                self.app.push_screen(
                    ConfirmDeposit([("Numéro", draft.number)], warnings), confirmed
                )
                return
            self.notify(
                f"Dépôt refusé : {errors[0].message}", title="Déposer", severity="error", timeout=8
            )
            return
        field_name = getattr(exc, "field", "")
        target = FIELD_NOTES.get(field_name)
        if target and self.query(f"#note-{target}"):
            note = self.query_one(f"#note-{target}", Static)
            note.update(f"✖ {describe_error(exc)}")
            note.set_classes("note shown error")
        self.notify(describe_error(exc), title="Dépôt refusé", severity="error", timeout=8)

    def _deposited(self, receipt: Any) -> None:
        from .recap import RecapScreen

        self._busy = False
        self.query_one("#dep-submit", Button).disabled = False
        piece_id = receipt.piece.id

        def after_recap(choice: str | None) -> None:
            self._start()
            if choice == "piece":
                self.dapp.open_piece(piece_id)

        self.app.push_screen(RecapScreen(receipt), after_recap)

    @on(Button.Pressed, "#dep-reset")
    def action_reset(self) -> None:
        from .confirm import ConfirmModal

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._start()

        self.app.push_screen(
            ConfirmModal("Nouveau dépôt", "Effacer le formulaire en cours ?", "Effacer"), confirmed
        )


def _set_text(widget: Static, text: str | Text) -> None:
    widget.update(text)
    widget.display = bool(str(text))


def _set_note(note: Static, findings: list[Finding]) -> None:
    severities = {str(f.severity) for f in findings}
    worst = next((s for s in ("error", "warning", "info") if s in severities), "")
    note.update(_finding_text(findings))
    note.set_class(bool(findings), "shown")
    for severity in ("error", "warning", "info"):
        note.set_class(severity == worst, severity)


def _finding_text(findings: list[Finding], *, with_field: bool = False, app: Any = None) -> Text:
    text = Text()
    for i, finding in enumerate(findings):
        icon, kind = ICONS.get(str(finding.severity), ("•", ""))
        colour = _tone(app, kind) if with_field and app is not None else Style()
        if i:
            text.append("\n")
        text.append(f"{icon} ", colour + Style(bold=True))
        if with_field and finding.field:
            text.append(f"[{finding.field}] ", "dim")
        text.append(finding.message, colour)
        if finding.hint:
            text.append(f" — {finding.hint}", "dim")
    return text


def _tone(app: Any, kind: str) -> Style:
    name = {"error": "error", "warning": "warning", "info": "accent"}.get(kind)
    return tone(app, name) if name else Style()
