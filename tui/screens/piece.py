"""The piece screen: all its data, attachments, the billing file as a chain, the history
(suivi du traitement), and the actions the acting structure may take on it."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import LoadingIndicator

from decompte.sdk.actions import PIECE_ACTIONS
from decompte.sdk.vocabulary import (
    ACTION_LABELS,
    ATTACHMENT_KIND_LABELS,
    DOWNLOAD_LABEL,
    FORMAT_LABELS,
    PAYMENT_MODE_LABELS,
    VAT_TYPE_LABELS,
    role_label,
)

from .. import keymap as K
from ..backend import PieceDetail
from ..safe_text import Static, Table
from ..widgets.identity import IdentityBar, spaced_siret
from ..widgets.keybar import KeyBar
from ..widgets.piece_columns import day, money
from ..widgets.tones import tone
from ..workers import describe_error
from .dossier import STATUSES

if TYPE_CHECKING:
    from decompte.sdk.model import Piece

    from ..app import DecompteApp

#: What the actions line shows for each offered action: its binding id and its label (the
#: core's table of actions, plus the download, which is not a transition).
OFFERED: dict[str, tuple[str, str]] = {
    **{str(a.action): (a.binding, a.label) for a in PIECE_ACTIONS},
    "download": ("piece.download", DOWNLOAD_LABEL),
}


def chain_text(pieces: list[Any], current_id: int) -> Text:
    from decompte.sdk.states import label

    text = Text()
    for i, item in enumerate(pieces):
        if i:
            text.append("  →  ", "dim")
        short = item.cadre.split("_", 1)[0]
        style = "reverse bold" if item.id == current_id else ""
        text.append(f" {short} {item.number} ", style)
        text.append(f" {label(item.state)}", "italic dim")
    return text


def _pairs(rows: list[tuple[str, str, str, str]]) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(style="bold", no_wrap=True, min_width=10)
    table.add_column(ratio=1)
    table.add_column(style="bold", no_wrap=True, min_width=10)
    table.add_column(ratio=1)
    for row in rows:
        table.add_row(*row)
    return table


class PieceScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = K.bindings("piece")

    def __init__(self, piece_id: int) -> None:
        super().__init__()
        self.piece_id = piece_id
        self.detail: PieceDetail | None = None

    @property
    def dapp(self) -> DecompteApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield IdentityBar()
        yield Static("Pièce", id="piece-title", classes="screen-title")
        with VerticalScroll(id="piece-body"):
            yield LoadingIndicator(id="piece-loading")
            yield Static("", id="piece-state")
            yield Static("", id="piece-actions", classes="muted")
            yield Static("Données de la pièce", classes="section")
            yield Static("", id="piece-data")
            yield Static("", id="piece-signature")  # « Signature : valide (…) », signed PDFs
            yield Static("Acteurs", classes="section")
            yield Static("", id="piece-actors")
            yield Static("Montants", classes="section")
            yield Static("", id="piece-amounts")
            yield Static("Pièces jointes", classes="section")
            yield Static("", id="piece-attachments")
            yield Static("Dossier de facturation", classes="section", id="piece-dossier-title")
            yield Static("", id="piece-dossier")
            yield Static("Suivi du traitement", classes="section")
            yield Static("", id="piece-history")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#piece-body").focus()
        self.query_one("#piece-signature").display = False
        self.load()
        self.load_signature()

    # -- data ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="piece")
    def load(self) -> None:
        dapp = self.dapp
        try:
            detail = dapp.backend.piece_detail(dapp.session, self.piece_id)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
        else:
            self.app.call_from_thread(self._show, detail)

    @work(thread=True, exclusive=True, exit_on_error=False, group="piece-signature")
    def load_signature(self) -> None:
        dapp = self.dapp
        try:
            check = dapp.backend.wait().queries.signature_check(dapp.session, self.piece_id)
        except Exception as exc:
            line = f"Signature : non vérifiable ({describe_error(exc)})"
        else:
            worst = check.worst if check is not None else None
            line = f"Signature : {worst.summary()}" if worst is not None else ""
        self.app.call_from_thread(self._show_signature, line)

    def _show_signature(self, line: str) -> None:
        shown = self.query_one("#piece-signature", Static)
        shown.display = bool(line)
        shown.update(Text(line))

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#piece-loading").display = False
        self.query_one("#piece-state", Static).update(
            Text(describe_error(exc), tone(self.app, "error", bold=True))
        )
        self.notify(describe_error(exc), title="Pièce", severity="error", timeout=8)

    def _show(self, detail: PieceDetail) -> None:
        from decompte.sdk.states import label

        self.detail = detail
        piece = detail.piece
        self.query_one("#piece-loading").display = False
        self.query_one("#piece-title", Static).update(f"{detail.document} n° {piece.number}")
        state = Text.assemble(
            ("État courant : ", "bold"),
            (label(piece.state), "bold"),
            f" depuis le {day(piece.state_date)}",
        )
        if piece.holder_structure_id:
            state.append(
                f"\nÀ traiter par : {detail.name(piece.holder_structure_id)} "
                f"({role_label(piece.holder_role)})"
            )
        if detail.deadline is not None:
            colour = (
                tone(self.app, "error", bold=True)
                if detail.deadline.overdue
                else (
                    tone(self.app, "warning", bold=True)
                    if detail.deadline.days_left <= 2
                    else tone(self.app, "success")
                )
            )
            state.append("\n")
            state.append(detail.deadline.describe(), colour)
        if detail.tacit is not None:
            state.append("\n")
            state.append(
                detail.tacit.describe(),
                tone(self.app, "warning", bold=True) if detail.tacit.open else "",
            )
        payment = detail.payment
        if payment is not None:
            state.append("\n")
            state.append(payment.describe(), tone(self.app, "error") if payment.overdue else "")
            if payment.late is not None:
                state.append("\n")
                state.append(payment.late.describe(), tone(self.app, "warning"))
        self.query_one("#piece-state", Static).update(state)
        self.query_one("#piece-actions", Static).update(self._actions_text(detail))
        fmt = piece.file_format
        fmt = f" ({FORMAT_LABELS.get(fmt, fmt)})" if fmt else ""
        head = Table.grid(padding=(0, 2), expand=True)
        head.add_column(style="bold", no_wrap=True, min_width=10)
        head.add_column(ratio=1)
        head.add_row("Cadre", detail.cadre_title)
        head.add_row("Fichier", f"{piece.file_name or '—'}{fmt}")
        self.query_one("#piece-data", Static).update(
            Group(
                head,
                _pairs(
                    [
                        ("Numéro", piece.number, "Date", day(piece.issue_date)),
                        ("Marché", piece.marche_number, "Dossier", piece.dossier_number),
                        (
                            "Dépôt",
                            f"{piece.deposited_at:%d/%m/%Y %H:%M}",
                            "Certificat",
                            piece.certificate,
                        ),
                        (
                            "Engagement",
                            piece.engagement or "—",
                            "Service",
                            piece.service_code or "—",
                        ),
                        (
                            "TVA",
                            VAT_TYPE_LABELS.get(piece.vat_type, piece.vat_type),
                            "Règlement",
                            PAYMENT_MODE_LABELS.get(piece.payment_mode, piece.payment_mode),
                        ),
                        ("Téléchargée", "oui" if piece.downloaded else "non", "", ""),
                    ]
                ),
            )
        )

        def actor(sid: int | None) -> str:
            if sid is None:
                return "—"
            return f"{detail.name(sid)} ({spaced_siret(detail.ident(sid))})"

        actors = Table.grid(padding=(0, 2), expand=True)
        actors.add_column(style="bold", no_wrap=True)
        actors.add_column(ratio=1)
        for role, sid in (
            ("Fournisseur", piece.supplier_structure_id),
            ("Destinataire", piece.recipient_structure_id),
            ("Maîtrise d'œuvre", piece.moe_structure_id),
            ("Maîtrise d'ouvrage", piece.moa_structure_id),
            ("Déposant", piece.depositor_structure_id),
        ):
            actors.add_row(role, actor(sid))
        self.query_one("#piece-actors", Static).update(actors)
        amounts = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        amounts.add_column("Taux de TVA", justify="right")
        amounts.add_column("Base HT", justify="right")
        amounts.add_column("Montant TVA", justify="right")
        for line in piece.vat_lines:
            rate = f"{line.rate.normalize():f}".replace(".", ",")
            amounts.add_row(f"{rate} %", money(line.base), money(line.amount))
        totals = _pairs(
            [
                ("Montant HT", money(piece.total_ht), "Montant TVA", money(piece.total_vat)),
                ("Montant TTC", money(piece.total_ttc), "Montant à payer", money(piece.amount_due)),
            ]
        )
        self.query_one("#piece-amounts", Static).update(Group(amounts, totals))
        if detail.attachments:
            att = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
            att.add_column("Type")
            att.add_column("Désignation")
            att.add_column("Fichier")
            att.add_column("Taille", justify="right")
            for a in detail.attachments:
                att.add_row(
                    ATTACHMENT_KIND_LABELS.get(str(a.get("kind", "")), str(a.get("kind", ""))),
                    str(a.get("designation", "")),
                    str(a.get("name", "")),
                    f"{int(a.get('size') or 0):,} o".replace(",", "\u00a0"),
                )
            self.query_one("#piece-attachments", Static).update(att)
        else:
            self.query_one("#piece-attachments", Static).update(Text("Aucune pièce jointe", "dim"))
        dossier = detail.dossier
        self.query_one("#piece-dossier-title", Static).update(
            f"Dossier de facturation n° {dossier['number']} "
            f"({STATUSES.get(dossier['status'], dossier['status'])})"
        )
        self.query_one("#piece-dossier", Static).update(chain_text(dossier["pieces"], piece.id))
        history = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
        history.add_column("Date", no_wrap=True)
        history.add_column("Par")
        history.add_column("Action")
        history.add_column("État")
        history.add_column("Commentaire", ratio=1)
        for event in detail.history:
            action = ACTION_LABELS.get(event.action) or event.action.capitalize()
            who = event.user_login.split("@")[0]
            if event.structure_id:
                who = f"{who} ({detail.name(event.structure_id)})"
            history.add_row(
                f"{event.at:%d/%m/%Y %H:%M}", who, action, label(event.to_state), event.reason
            )
        self.query_one("#piece-history", Static).update(history)
        self.refresh_bindings()

    def _actions_text(self, detail: PieceDetail) -> Text:
        keymap = getattr(self.app, "_keymap", {})
        text = Text("Actions : ", "bold")
        for i, action in enumerate(detail.actions):
            binding_id, what = OFFERED.get(action, ("", action))
            key = K.effective_keys(binding_id, keymap).split(",")[0] if binding_id else ""
            if i:
                text.append(" · ")
            text.append(f"{key} ", "bold reverse")
            text.append(f" {what}")
        return text

    # -- actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act":
            if self.detail is None:
                return False
            return bool(parameters) and parameters[0] in self.detail.actions
        if action == "download":
            return self.detail is not None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    def action_dossier(self) -> None:
        if self.detail is not None:
            self.dapp.open_dossier(self.detail.piece.dossier_id)

    def action_act(self, action: str) -> None:
        from decompte.sdk.actions import piece_action

        from .action import ActionModal, spec_for

        detail = self.detail
        if detail is None or action not in detail.actions:
            return
        piece = detail.piece
        if piece_action(action).deposit:
            self.dapp.deposit_after(piece.id)
            return
        spec = spec_for(action, piece.number, detail.document, tuple(detail.motives))
        perform = partial(
            self.dapp.backend.perform, self.dapp.session, action, piece.id, piece.version
        )
        self.app.push_screen(ActionModal(spec, piece.id, perform), self._after_action)

    def _after_action(self, piece: Piece | None) -> None:
        if piece is None:
            return
        from decompte.sdk.states import label

        self.notify(
            f"Pièce n° {piece.number} : {label(piece.state)}", title="Enregistré", timeout=5
        )
        self.load()

    def action_download(self) -> None:
        from .download import DownloadModal

        detail = self.detail
        if detail is None:
            return
        files = ([detail.piece.file_name] if detail.piece.file_name else []) + [
            str(a.get("name", "")) for a in detail.attachments
        ]
        self.app.push_screen(
            DownloadModal(detail.piece.id, detail.piece.number, files), self._downloaded
        )

    def _downloaded(self, written: list[Path] | None) -> None:
        if not written:
            return
        folder = written[0].parent
        self.notify(
            f"{len(written)} fichier(s) copiés dans {folder}", title="Téléchargement", timeout=6
        )
        self.load()
