"""The Déposer tab (seed 000 « Associer la pièce suivante », seed 001 « Déposer une facture »):
a guided form, initial deposit or from an existing piece. The pane holds no business rule: it
opens the core's deposit form model (`decompte.sdk.deposit_form`) in a worker, shows what the
model offers (cadres, marchés, defaults from the marché's identity card or the previous piece),
sends what is typed to it (`deposit_entry.read_entry`) and shows its findings. The sections'
handlers live beside it: files, actors, checks, submit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Button, Input, RadioButton, RadioSet

from ... import keymap as K
from ...backend import ROLE_LABELS
from ...safe_text import Select, Static, plain
from ...widgets.identity import spaced_siret
from ...widgets.piece_columns import money
from ...workers import describe_error, notify_error
from .actors import ActorsPart
from .checks import ChecksPart
from .fields import DeposerForm
from .files import FilesPart
from .notes import note_key
from .submit import SubmitPart
from .vat_lines import VatLineRow, row_for, totals_text

if TYPE_CHECKING:
    from decompte.sdk.deposit_entry import Entry
    from decompte.sdk.deposit_form import DepositForm
    from decompte.sdk.findings import Finding
    from decompte.sdk.model import PieceDraft, Structure


class DeposerPane(ActorsPart, FilesPart, ChecksPart, SubmitPart):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("deposer")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.form: DepositForm | None = None
        self.picked: dict[str, Structure] = {}
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
        self.restart()

    def refresh_data(self) -> None:
        """Back from elsewhere: the form keeps what was typed."""

    def restart(self) -> None:
        """An empty form (a first piece, or the next piece the piece screen asked for)."""
        if self.dapp.identity is None:
            return
        self._reset_values()
        after, self._pending_after = self._pending_after, None
        self.load_form(after)

    def _reset_values(self) -> None:
        today = self.dapp.clock().date()
        self.touched = set()
        self.show_all = False
        self.picked = {}
        for widget in self.query("#deposer-form Input"):
            assert isinstance(widget, Input)
            widget.value = ""
        self.query_one("#dep-currency", Input).value = "EUR"
        self.query_one("#dep-date", Input).value = f"{today:%d/%m/%Y}"
        self.query_one("#dep-discount", Input).value = "0,00"
        self.query_one("#dep-vat-type", Select).value = "DEBITS"
        self.query_one("#dep-payment", Select).value = "VIREMENT"
        self.query_one("#dep-mode-initial", RadioButton).value = True
        self.clear_files()
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
            self.query_one("#dep-prev-info", Static).update("")

    def focus_main(self) -> None:
        if not self.form_ready or not self.query("#dep-mode"):
            return
        focused = self.app.focused
        if focused is None or self not in focused.ancestors:
            self.query_one("#dep-mode").focus()

    def identity_changed(self) -> None:
        if self.form_ready:
            self.load_form(None)

    # -- the form model, from the store -------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-context")
    def load_form(self, after: int | None, marche_number: str = "") -> None:
        from decompte.sdk.deposit_form import open_form

        dapp = self.dapp
        role = dapp.identity.actor_role if dapp.identity else ""
        try:
            form = open_form(
                dapp.backend.wait(),
                dapp.session,
                role=role,
                marche_number=marche_number,
                after=after,
            )
        except Exception as exc:
            notify_error(self.app, exc, "Déposer")
            return
        self.app.call_from_thread(self._form_loaded, form)

    def _form_loaded(self, form: DepositForm) -> None:
        self.form = form
        identity = self.dapp.identity
        if identity is None:
            return
        me = identity.structure
        self.query_one("#dep-depositor", Static).update(
            Text.assemble(
                ("Déposant : ", "bold"),
                f"{me.name} ({spaced_siret(me.identifier)})",
                ("  Rôle : ", "bold"),
                ROLE_LABELS.get(identity.actor_role, identity.actor_role),
            )
        )
        supplier = form.defaults.supplier
        if supplier is not None:
            self.query_one("#dep-supplier", Static).update(
                f"{supplier.name} ({spaced_siret(supplier.identifier)})"
            )
        elif form.marche is not None:
            self.query_one("#dep-supplier", Static).update("—")
        self._show_choices(form)
        if form.prev is not None:
            self._show_prev(form)
        if form.marche is not None:
            self._show_defaults(form)
        self.show_actor_names()
        self.recompute()
        if form.prev is not None:  # next step: the cadre, or the number when it is chosen
            target = "#dep-number" if self._select("#dep-cadre") else "#dep-cadre"
            self.query_one(target).focus(scroll_visible=False)
        self.call_after_refresh(self._settle_scroll)

    def _show_choices(self, form: DepositForm) -> None:
        """The cadres and marchés the model offers (kept when still offered)."""
        cadre_select = self.query_one("#dep-cadre", Select)
        chosen = cadre_select.value
        with cadre_select.prevent(Select.Changed):
            cadre_select.set_options((c.title, c.code) for c in form.cadres)
            if form.default_cadre:
                cadre_select.value = form.default_cadre
            elif chosen in {c.code for c in form.cadres}:
                cadre_select.value = chosen
        marche_select = self.query_one("#dep-marche", Select)
        with marche_select.prevent(Select.Changed):
            marche_select.set_options(
                (f"{number} — {label}" if label else number, number)
                for number, label in form.marches
            )
            if form.marche is not None:
                marche_select.value = form.marche.number

    def _show_prev(self, form: DepositForm) -> None:
        prev = form.prev
        assert prev is not None
        cadre = self.dapp.core.cadres.get(prev.cadre)
        names = form.structures
        self.query_one("#dep-mode-after", RadioButton).value = True
        self._set_mode(after=True)
        self.query_one("#dep-prev", Input).value = plain(prev.number)
        self.query_one("#dep-prev-info", Static).update(
            Text.assemble(
                ("Cadre de facturation : ", "bold"),
                cadre.short if cadre else prev.cadre.split("_", 1)[0],
                " — ",
                cadre.label if cadre else "",
                ("\nNuméro : ", "bold"),
                prev.number,
                ("   Marché : ", "bold"),
                prev.marche_number,
                ("\nFournisseur : ", "bold"),
                names[prev.supplier_structure_id].name
                if prev.supplier_structure_id in names
                else "—",
                ("\nDestinataire : ", "bold"),
                names[prev.recipient_structure_id].name
                if prev.recipient_structure_id in names
                else "—",
                ("\nMontant HT : ", "bold"),
                money(prev.total_ht),
            )
        )
        if prev.vat_lines:
            lines = self.query_one("#dep-lines", Vertical)
            lines.remove_children()
            lines.mount_all(row_for(line.rate, line.base) for line in prev.vat_lines)

    def _show_defaults(self, form: DepositForm) -> None:
        """The fields the model has a default for: recipient, MOE, service, engagement,
        bank details."""
        d = form.defaults
        # Stored values shown in an input are neutralised like any text on screen: an input
        # draws its value as it is.
        self.query_one("#dep-recipient", Input).value = plain(
            d.recipient.identifier if d.recipient else ""
        )
        self.query_one("#dep-moe", Input).value = plain(d.moe.identifier if d.moe else "")
        _set_choices(self.query_one("#dep-service", Select), form.service_choices, d.service_code)
        if d.engagement:
            self.query_one("#dep-engagement", Input).value = plain(d.engagement)
        accounts = [(f"{a.label} — {a.iban}", a.iban) for a in form.accounts]
        _set_choices(self.query_one("#dep-iban", Select), accounts, d.iban)

    def _settle_scroll(self) -> None:
        """The same scroll position whatever the timing: from the top, to the focus."""
        form = self.query_one(DeposerForm)
        form.scroll_home(animate=False, immediate=True)
        focused = self.app.focused
        if focused is not None and form in focused.ancestors:
            form.scroll_to_widget(focused, animate=False, immediate=True)

    @on(Select.Changed, "#dep-marche")
    def _marche_changed(self, event: Select.Changed) -> None:
        form = self.form
        if event.value is Select.NULL or (form is not None and form.prev is not None):
            return
        if form is not None and form.marche is not None and form.marche.number == event.value:
            return
        self.load_form(None, str(event.value))

    @on(RadioSet.Changed, "#dep-mode")
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        after = event.pressed.id == "dep-mode-after"
        if after == (self.form is not None and self.form.prev is not None):
            return
        self._set_mode(after=after)
        if after:
            self.query_one("#dep-prev", Input).focus()
        else:
            self.load_form(None)

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
            self.app.call_from_thread(self.load_form, piece.id)

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
        self.load_form(piece_id)

    # -- what is typed ------------------------------------------------------------------------
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

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Any) -> None:
        widget_id = event.control.id or ""
        if self.form_ready and event.control.has_focus_within:
            key = note_key(widget_id)
            if key:
                self.touched.add(key)
        if not self.form_ready or widget_id in ("dep-prev", "dep-file", "dep-marche"):
            return
        if event.control.id in ("dep-recipient", "dep-moe"):
            self.show_actor_names()
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
        draft, unreadable = self.build_draft()
        self.local_findings = unreadable
        for row in self.query(VatLineRow):
            row.show_vat()
        if draft is not None:
            self.query_one("#dep-totals", Static).update(totals_text(draft))
        self.schedule_check()

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

    def entry(self) -> Entry:
        """The fields as typed, for the model."""
        from decompte.sdk.deposit_entry import Entry

        after = self.form is not None and self.form.prev is not None
        return Entry(
            cadre=self._select("#dep-cadre"),
            marche_number="" if after else self._select("#dep-marche"),
            number=self._input("#dep-number"),
            issue_date=self._input("#dep-date"),
            currency=self._input("#dep-currency"),
            vat_type=self._select("#dep-vat-type"),
            exemption_motive=self._input("#dep-exemption"),
            payment_mode=self._select("#dep-payment"),
            engagement=self._input("#dep-engagement"),
            service_code=self._select("#dep-service"),
            iban=self._select("#dep-iban"),
            recipient=self._input("#dep-recipient"),
            moe=self._input("#dep-moe"),
            lines=tuple((row.rate_value, row.base_text) for row in self.query(VatLineRow)),
            discount=self._input("#dep-discount"),
            file=self._input("#dep-file"),
        )

    def build_draft(self) -> tuple[PieceDraft | None, list[Finding]]:
        """The draft the model reads from the fields (completed with its defaults), and the
        findings of what cannot even be read (amounts, dates)."""
        from decompte.sdk.deposit_entry import read_entry

        if not self.form_ready or self.form is None:
            return None, []
        return read_entry(self.entry(), self.form, self.dapp.clock().date())


def _set_choices(select: Select, choices: list[tuple[str, str]], value: str) -> None:
    """Offer `choices` and pick `value` (offered too when the list lacks it)."""
    if value and value not in {code for _, code in choices}:
        choices = [*choices, (value, value)]
    select.set_options(choices)
    if value:
        select.value = value
