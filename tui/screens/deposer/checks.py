"""The Déposer form's live findings: after a short pause in typing, the draft the model reads
from the fields is checked in a worker (`DepositForm.check`: the deposit's own rules, nothing
written) and every finding is shown under its field and in the « Contrôles » section."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import get_current_worker

from ...safe_text import Select, Static
from ...widgets.pane import Pane
from ...workers import describe_error
from . import notes
from .vat_lines import VatLineRow

if TYPE_CHECKING:
    from decompte.sdk.deposit_form import DepositForm
    from decompte.sdk.findings import Finding
    from decompte.sdk.model import PieceDraft

CHECK_DELAY = 0.3


class ChecksPart(Pane):
    """The live-check handlers of the Déposer pane."""

    form: DepositForm | None
    findings: list[Finding]
    touched: set[str]
    show_all: bool
    form_ready: bool
    checking: bool  # a check is scheduled or running (tests wait on it)
    _generation: int
    _timer: Timer | None
    _submit_requested: bool

    if TYPE_CHECKING:

        def build_draft(self) -> tuple[PieceDraft | None, list[Finding]]: ...
        def file_path(self) -> Path | None: ...
        def attachment_inputs(self) -> list[Any]: ...
        def _proceed_submit(self) -> None: ...

    def schedule_check(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.checking = True
        self._generation += 1  # a result of an earlier check no longer counts
        self._timer = self.set_timer(CHECK_DELAY, self._check_now)

    def _check_now(self) -> None:
        draft, unreadable = self.build_draft()
        if draft is None or self.form is None:
            self.checking = False
            return
        self.check(
            self._generation,
            self.form,
            draft,
            unreadable,
            self.file_path(),
            self.attachment_inputs(),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="deposer-check")
    def check(
        self,
        generation: int,
        form: DepositForm,
        draft: PieceDraft,
        unreadable: list[Finding],
        file: Path | None,
        attachments: list[Any],
    ) -> None:
        worker = get_current_worker()
        try:
            core = self.dapp.backend.wait()
            found = form.check(core, draft, file=file, attachments=attachments)
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
            self.app.call_from_thread(self._show_findings, generation, unreadable + found)

    def _show_findings(self, generation: int, findings: list[Finding]) -> None:
        if generation != self._generation or not self.form_ready:
            return
        self.checking = False
        self.findings = findings
        if self._submit_requested:
            self._submit_requested = False
            self.show_all = True
            self.display_findings(findings)
            self._proceed_submit()
            return
        self.display_findings(findings)

    def display_findings(self, findings: list[Finding]) -> None:
        rows = {i: row for i, row in enumerate(self.query(VatLineRow))}
        by_note, _general = notes.by_note(findings, {i: row.n for i, row in rows.items()})

        def shown(key: str) -> list[Finding]:
            items = by_note.get(key, [])
            if self.show_all or key in self.touched or self._has_value(key):
                return items
            return []

        for note in self.query(".note"):
            key = (note.id or "").removeprefix("note-")
            assert isinstance(note, Static)
            notes.set_note(note, shown(key))
        for row in rows.values():
            items = shown(f"line-{row.n}")
            note_id = f"note-line-{row.n}"
            existing = self.query(f"#{note_id}")
            if items and not existing:
                widget = Static("", id=note_id, classes="note")
                self.query_one("#dep-lines").mount(widget, after=row)
                notes.set_note(widget, items)
            elif existing:
                notes.set_note(existing.first(Static), items)
        self.query_one("#dep-findings", Static).update(notes.summary(findings, self.app))
        # Notes that open above the field being typed in push it down: keep it in view.
        focused = self.app.focused
        if focused is not None and self in focused.ancestors:
            self.call_after_refresh(focused.scroll_visible, animate=False)

    def _has_value(self, key: str) -> bool:
        """Does the field of this note hold something? (empty untouched fields stay quiet)"""
        if key.startswith("line-"):
            return bool(self.query(f"#base-{key[5:]}")) and bool(
                self.query_one(f"#base-{key[5:]}", Input).value.strip()
            )
        for widget_id, note in notes.WIDGET_NOTES.items():
            if note == key and self.query(f"#{widget_id}"):
                widget = self.query_one(f"#{widget_id}")
                if isinstance(widget, Input):
                    return bool(widget.value.strip())
                if isinstance(widget, Select):
                    return widget.value is not Select.NULL
        return key in ("totals", "attachments", "supplier")
