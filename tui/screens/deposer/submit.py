"""Sending the Déposer form: check again with what is on screen, ask for confirmation (the
warnings listed), deposit in a worker, then the récapitulatif; a refusal shows its findings
under their fields. « Nouveau dépôt » clears the form after a confirmation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.timer import Timer
from textual.widgets import Button

from ...safe_text import Static
from ...widgets.pane import Pane
from ...widgets.piece_columns import day, money
from ...workers import describe_error
from .notes import FIELD_NOTES

if TYPE_CHECKING:
    from decompte.sdk.deposit_form import DepositForm
    from decompte.sdk.findings import Finding
    from decompte.sdk.model import PieceDraft


class SubmitPart(Pane):
    """The submit handlers of the Déposer pane."""

    form: DepositForm | None
    findings: list[Finding]
    attachments: list[Any]
    file_label: str
    form_ready: bool
    _busy: bool
    _timer: Timer | None
    _submit_requested: bool
    _generation: int

    if TYPE_CHECKING:

        def build_draft(self) -> tuple[PieceDraft | None, list[Finding]]: ...
        def file_path(self) -> Path | None: ...
        def attachment_inputs(self) -> list[Any]: ...
        def structure_name(self, identifier: str) -> str: ...
        def display_findings(self, findings: list[Finding]) -> None: ...
        def _check_now(self) -> None: ...
        def restart(self) -> None: ...

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
        from ..confirm_deposit import ConfirmDeposit

        draft, unreadable = self.build_draft()
        if draft is None:
            return
        if unreadable:
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
        cadre = self.dapp.core.cadres.get(draft.cadre)
        summary = [
            ("Cadre", cadre.title if cadre else draft.cadre or "—"),
            ("Numéro", draft.number or "—"),
            ("Date", day(draft.issue_date)),
            ("Marché", draft.marche_number or "—"),
            ("Destinataire", self.structure_name(draft.recipient_identifier)),
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
        after = self.form.after if self.form is not None else None
        self.deposit(draft, self.file_path(), self.attachment_inputs(), after, confirm_warnings)

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
        from ..confirm_deposit import ConfirmDeposit

        self._busy = False
        self.query_one("#dep-submit", Button).disabled = False
        findings = list(getattr(exc, "findings", []) or [])
        if findings:
            self._generation += 1
            self.findings = findings
            self.display_findings(findings)
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
        from ..recap import RecapScreen

        self._busy = False
        self.query_one("#dep-submit", Button).disabled = False
        piece_id = receipt.piece.id

        def after_recap(choice: str | None) -> None:
            self.restart()
            if choice == "piece":
                self.dapp.open_piece(piece_id)

        self.app.push_screen(RecapScreen(receipt), after_recap)

    @on(Button.Pressed, "#dep-reset")
    def action_reset(self) -> None:
        from ..confirm import ConfirmModal

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.restart()

        self.app.push_screen(
            ConfirmModal("Nouveau dépôt", "Effacer le formulaire en cours ?", "Effacer"), confirmed
        )
