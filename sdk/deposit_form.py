"""One deposit form for both front-ends. The CLI's `deposit` command and the app's Déposer
tab open the same `DepositForm`: from the acting session, the marché (or the previous piece
for a next piece) it computes the cadres the structure may deposit, the defaults (recipient,
MOE and MOA from the marché's identity card, service, engagement, the supplier's bank
details), completes what the user typed with them, and checks the result with the rules the
deposit itself runs (`Workflow.check`). Same inputs, same draft, same findings, whichever
front-end the user types in.

A blank field takes its default, in the CLI as in the app (the app shows the defaults in the
fields when the form opens).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cadres import Cadre
from .errors import DecompteError, NotAuthorised, NotFound
from .findings import Finding, Severity
from .model import ActorRole, BankAccount, Marche, Piece, PieceDraft, Service, Structure

if TYPE_CHECKING:
    from .core import Core
    from .files_check import AttachmentInput
    from .session import Session

SUPPLIER_ROLES = frozenset({ActorRole.FOURNISSEUR, ActorRole.COTRAITANT, ActorRole.SOUSTRAITANT})
#: who may receive a first piece as its recipient, in order of preference (fiche identité)
RECIPIENT_ROLES = (ActorRole.SERVICE_FINANCIER, ActorRole.MOA)


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a blank field of the form becomes."""

    supplier: Structure | None = None
    recipient: Structure | None = None
    moe: Structure | None = None
    moa: Structure | None = None
    service_code: str = ""
    engagement: str = ""
    iban: str = ""
    bic: str = ""


@dataclass(frozen=True, slots=True)
class DepositForm:
    """The form as it opens for one session: a first piece on a marché, or the next piece
    after `prev`. Built by `open_form`; pure afterwards (no store access)."""

    session: Session
    role: str  # the acting role chosen at login ("" when the front-end has none)
    roles: frozenset[ActorRole]  # the roles the structure holds (on the marché once known)
    marches: tuple[tuple[str, str], ...]  # (number, object) the structure may deposit on
    marche: Marche | None
    prev: Piece | None
    cadres: tuple[Cadre, ...]  # the cadres offered, in the table's order
    structures: Mapping[int, Structure] = field(default_factory=dict)
    services: tuple[Service, ...] = ()  # active services of the default recipient
    accounts: tuple[BankAccount, ...] = ()  # the supplier's bank accounts
    defaults: Defaults = Defaults()

    @property
    def marche_number(self) -> str:
        if self.prev is not None:
            return self.prev.marche_number
        return self.marche.number if self.marche is not None else ""

    @property
    def after(self) -> int | None:
        return self.prev.id if self.prev is not None else None

    @property
    def default_cadre(self) -> str:
        """The cadre chosen for the user when only one is possible."""
        return self.cadres[0].code if len(self.cadres) == 1 else ""

    @property
    def service_choices(self) -> list[tuple[str, str]]:
        """(label, code) of the services offered: the recipient's active ones, and the
        service the identity card names for the MOA when the recipient has no such code."""
        choices = [(f"{s.code} — {s.label}", s.code) for s in self.services]
        card = self._card_service()
        if card and card not in {code for _, code in choices}:
            choices.append((f"{card} (service de la MOA)", card))
        return choices

    def structure(self, identifier: str) -> Structure | None:
        """A structure of the form (the card's, the previous piece's) by its identifier."""
        wanted = identifier.replace(" ", "")
        return next((s for s in self.structures.values() if s.identifier == wanted), None)

    def complete(self, draft: PieceDraft) -> PieceDraft:
        """The draft with every blank field the form knows a default for filled in."""
        d = self.defaults
        changes: dict[str, object] = {
            "marche_number": draft.marche_number.strip() or self.marche_number,
            "currency": (draft.currency.strip() or "EUR").upper(),
            "supplier_identifier": _ident(draft.supplier_identifier) or _ident_of(d.supplier),
            "recipient_identifier": _ident(draft.recipient_identifier) or _ident_of(d.recipient),
            "moe_identifier": _ident(draft.moe_identifier) or _ident_of(d.moe),
            "moa_identifier": _ident(draft.moa_identifier) or _ident_of(d.moa),
            "service_code": draft.service_code.strip() or d.service_code,
            "engagement": draft.engagement.strip() or d.engagement,
        }
        iban = _ident(draft.iban) or d.iban
        changes.update(iban=iban, bic=draft.bic.strip() or self._bic_of(iban))
        if not draft.cadre.strip() and self.default_cadre:
            changes["cadre"] = self.default_cadre
        return dataclasses.replace(draft, **changes)

    def check(
        self,
        core: Core,
        draft: PieceDraft,
        *,
        file: Path | None = None,
        attachments: Iterable[AttachmentInput] = (),
    ) -> list[Finding]:
        """Every finding the deposit of this (completed) draft would meet, nothing written.
        A refusal before the rules (unknown marché, a piece that no longer accepts a next
        one, no right to act…) becomes an error finding on its field."""
        try:
            return list(
                core.workflow.check(
                    self.session, draft, file=file, attachments_in=attachments, after=self.after
                )
            )
        except DecompteError as exc:
            return [Finding("workflow", Severity.ERROR, exc.field, exc.message, exc.hint)]

    def _bic_of(self, iban: str) -> str:
        """The BIC that goes with a known IBAN (the default's, or the chosen account's)."""
        if iban and iban == self.defaults.iban:
            return self.defaults.bic
        return next((a.bic for a in self.accounts if a.iban.replace(" ", "") == iban), "")

    def _card_service(self) -> str:
        if self.marche is None:
            return ""
        moa = self.marche.one(ActorRole.MOA)
        actor = self.marche.actor(moa, ActorRole.MOA) if moa else None
        return actor.service_code if actor else ""


def open_form(
    core: Core,
    session: Session,
    *,
    role: str = "",
    marche_number: str = "",
    after: int | None = None,
) -> DepositForm:
    """The form for a first piece (on `marche_number`, or on the structure's only marché)
    or for the next piece after the piece `after`. An unknown marché leaves the form without
    one: the check then says what is wrong, on its field."""
    me = session.structure.id
    prev = core.queries.piece(session, after) if after is not None else None
    if prev is not None:
        marches: tuple[tuple[str, str], ...] = ((prev.marche_number, ""),)
        marche_number = prev.marche_number
    else:  # the marchés where the structure deposits a first piece in one of its roles
        held = _narrowed(frozenset(core.register.roles_of(me)), role)
        deposits = any(c.initial and c.depositor in held for c in core.cadres)
        marches = tuple(core.register.choices_for(me, role=role)) if deposits else ()
        if not marche_number.strip() and len(marches) == 1:
            marche_number = marches[0][0]
    marche = _marche(core, session, marche_number)
    if marche is not None:
        roles = _narrowed(frozenset(a.role for a in marche.actors if a.structure_id == me), role)
    else:
        roles = _narrowed(frozenset(core.register.roles_of(me)), role)
    form = DepositForm(
        session=session,
        role=role,
        roles=roles,
        marches=marches,
        marche=marche,
        prev=prev,
        cadres=tuple(_eligible_cadres(core, session, roles, prev)),
    )
    if marche is None:  # the supplier is known before the marché when it deposits itself
        own = session.structure if roles & SUPPLIER_ROLES else None
        return dataclasses.replace(form, defaults=Defaults(supplier=own))
    return _with_defaults(core, form)


def _narrowed(roles: frozenset[ActorRole], role: str) -> frozenset[ActorRole]:
    """The roles, narrowed to the acting role when the front-end has one."""
    return roles & {ActorRole(role)} if role else roles


def _marche(core: Core, session: Session, number: str) -> Marche | None:
    """The marché's identity card, as the access policy lets the session read it (the same
    read as ``decompte marche show``): a marché it may not read leaves the form without
    defaults, and the check names the refusal."""
    if not number.strip():
        return None
    try:
        return core.register.card(session, number)[0]
    except (NotFound, NotAuthorised):
        return None


def _eligible_cadres(
    core: Core, session: Session, roles: frozenset[ActorRole], prev: Piece | None
) -> list[Cadre]:
    """First piece: the initial cadres whose depositor role the structure holds. Next piece:
    the cadres the structure may deposit after it (`Workflow.cadres_after`: the holder's and
    the tacit procedure's); those of its roles, or all of them when none is (the check then
    says why)."""
    if prev is None:
        return [c for c in core.cadres if c.initial and c.depositor in roles]
    following = core.cadres.next_after(prev.cadre)
    possible = core.workflow.cadres_after(prev, session.structure.id) or following
    return [c for c in possible if c.depositor in roles] or possible


def _with_defaults(core: Core, form: DepositForm) -> DepositForm:
    marche, prev = form.marche, form.prev
    assert marche is not None
    ids = {a.structure_id for a in marche.actors}
    if prev is not None:
        ids |= {prev.supplier_structure_id, prev.recipient_structure_id, prev.moe_structure_id}
    structures = {sid: core.org.structure(sid) for sid in ids - {None}}
    supplier_id = _supplier_id(form)
    recipient_id = (prev.recipient_structure_id if prev is not None else None) or next(
        filter(None, (marche.one(r) for r in RECIPIENT_ROLES)), None
    )
    moe_id = (prev.moe_structure_id if prev is not None else None) or marche.one(ActorRole.MOE)
    services = tuple(s for s in core.org.services(recipient_id) if s.active) if recipient_id else ()
    accounts = _accounts(core, form.session, supplier_id)
    form = dataclasses.replace(form, structures=structures, services=services, accounts=accounts)
    iban, bic = _bank_details(core, form)
    defaults = Defaults(
        supplier=structures.get(supplier_id or 0),
        recipient=structures.get(recipient_id or 0),
        moe=structures.get(moe_id or 0),
        moa=structures.get(marche.one(ActorRole.MOA) or 0),
        service_code=(prev.service_code if prev is not None else "") or form._card_service(),
        engagement=(prev.engagement if prev is not None else "")
        or next(iter(marche.engagements), ""),
        iban=iban,
        bic=bic,
    )
    return dataclasses.replace(form, defaults=defaults)


def _supplier_id(form: DepositForm) -> int | None:
    """The previous piece's supplier; the acting structure when it deposits as a supplier;
    the marché's titulaire otherwise."""
    if form.prev is not None:
        return form.prev.supplier_structure_id
    if form.roles & SUPPLIER_ROLES:
        return form.session.structure.id
    return form.marche.one(ActorRole.FOURNISSEUR) if form.marche is not None else None


def _accounts(core: Core, session: Session, supplier_id: int | None) -> tuple[BankAccount, ...]:
    """The supplier's bank accounts when the policy lets the session read them (the acting
    structure's own, with the works space or as a manager); none otherwise."""
    if supplier_id is None or supplier_id != session.structure.id:
        return ()
    try:
        return tuple(core.org.bank_details(session))
    except NotAuthorised:
        return ()


def _bank_details(core: Core, form: DepositForm) -> tuple[str, str]:
    """The previous piece's IBAN and BIC carry over; otherwise the supplier's bank account
    when it has exactly one (with several, the user chooses)."""
    if form.prev is not None:
        from .piece_rows import piece_row

        with core.store.read() as conn:
            row = piece_row(conn, form.prev.id)
        if row.iban:
            return row.iban, row.bic
    if len(form.accounts) == 1:
        return form.accounts[0].iban, form.accounts[0].bic
    return "", ""


def _first(values: tuple[str, ...]) -> str:
    return values[0] if values else ""


def _ident(text: str) -> str:
    return text.strip().replace(" ", "")


def _ident_of(structure: Structure | None) -> str:
    return structure.identifier if structure is not None else ""
