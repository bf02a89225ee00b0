"""The transition table: where each action leads from each state, as data.

One row says: from this state (or any state of this stage), this action, done by this actor
on a piece held in this role (and, for a refusal, for this motive), when these named guards
hold, leads to this state; who holds the piece next; whether it closes the dossier or starts
the MOE's payment clock; what the history says; and which automatic step follows. The engine
(`workflow`, `deposit`) looks rows up and applies them; the CLI prints them
(``decompte states``); plugins add rows through the ``decompte_transitions`` hook.

Lookup: the rows of the piece's state come before those of its stage; a row for the piece's
cadre comes before a row for any cadre; within those, the first row whose guards hold and
whose actor is the acting structure is applied. This module needs no database: what a guard
reads from the store comes through `Situation.successors`.

Why it is long (~600 lines): the built-in table itself (about 125 lines of rows), its named
guards and the load-time checks of plugins' rows sit with the lookup they serve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .errors import Conflict, DecompteError, NotAuthorised, NotHolder, UsageError
from .model import ActorRole
from .states import (
    PAID_STATE,
    REFUSAL_MOTIVES,
    STATES,
    SUSPENDERS,
    Action,
    Holder,
    Motive,
    Stage,
    State,
    label,
)
from .text_safety import printable
from .vocabulary import (
    ACTION_LABELS,
    ACTOR_LABELS,
    DOSSIER_STATUS_LABELS,
    GUARD_LABELS,
    MOTIVE_LABELS,
    MOTIVE_REFUSALS,
    REFUSAL_WARNING,
    STAGE_LABELS,
    TRANSITION_REFUSALS,
    WHO,
    motive_choices,
)

if TYPE_CHECKING:
    from .cadres import Cadre, CadreTable


class Actor(StrEnum):
    """Who may apply a row."""

    HOLDER = "holder"  # the structure holding the piece
    DEPOSITOR = "depositor"  # the structure that deposited it
    SUPPLIER = "supplier"  # the dossier's supplier (tacit procedure)
    MOE = "moe"  # the piece's maîtrise d'œuvre, for the MOA holding it (tacit procedure, A24)
    NEXT_DEPOSITOR = "next_depositor"  # the depositor of a refused next piece
    SYSTEM = "system"  # the engine itself (deadlines, forwarding)


class NextHolder(StrEnum):
    """Who holds the piece after the row."""

    SAME = "same"
    DEPOSITOR = "depositor"  # in the role DEPOSANT
    SUSPENDER = "suspender"  # whoever suspended it, in the role it acted in
    NEXT = "next"  # the cadre's next role, at the piece's next structure
    SECOND_VALIDATOR = "second_validator"
    ROUTE = "route"  # a deposit: the holder the routing found
    NOBODY = "nobody"


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the transition table.

    `source`: a state code, a `Stage` value (every state of that stage) or "" for a deposit
    (`target` is then the new piece's first state; `role` the role that receives it).
    `guard`: names of `GUARDS` that must all hold. `closes`: the dossier status it sets, when
    the guard `closes_if` holds (always when empty). `clock`: starts the dossier's payment
    clock when the piece reaches a role of `PAYMENT_CLOCK_ROLES` (if it has not started).
    `reason`: a `vocabulary.REASON_TEXTS` key for the history ("": the user's comment).
    `then`: the automatic action applied next, in the same transaction (a `Actor.SYSTEM` row
    from `target`). `acting`: the role written in the history ("": the holder's role).
    """

    source: str
    action: Action
    target: str
    role: str = ""
    actor: Actor = Actor.HOLDER
    holder: NextHolder = NextHolder.SAME
    guard: tuple[str, ...] = ()
    motive: str = ""
    cadre: str = ""
    closes: str = ""
    closes_if: str = ""
    clock: bool = False
    reason: str = ""
    then: str = ""
    acting: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.guard, str):  # one guard may be given by its name alone
            object.__setattr__(self, "guard", (self.guard,) if self.guard else ())
        # codes given as text become their enums; an unknown one stays as is, and
        # `row_problem` names it
        for name, kind in (("action", Action), ("actor", Actor), ("holder", NextHolder)):
            value = getattr(self, name)
            if not isinstance(value, kind) and value in {k.value for k in kind}:
                object.__setattr__(self, name, kind(value))

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["guard"] = list(self.guard)
        return row


@dataclass(slots=True)
class Situation:
    """What guards and actors look at: the piece (a store row or a `Piece`), its cadre, the
    acting structure (None: the engine), the cadre being deposited after it, and a loader of
    its next pieces (state, depositor_structure_id)."""

    piece: Any
    cadre: Cadre | None
    me: int | None
    next_cadre: Cadre | None = None
    cadres: CadreTable | None = None
    successors: Callable[[], Sequence[Any]] | None = None
    _loaded: Sequence[Any] | None = field(default=None, repr=False)

    def next_pieces(self) -> Sequence[Any]:
        if self._loaded is None:
            self._loaded = self.successors() if self.successors else ()
        return self._loaded


# -- guards: named predicates --------------------------------------------------------------------

_SUPPLIERS = (ActorRole.FOURNISSEUR, ActorRole.COTRAITANT, ActorRole.SOUSTRAITANT)


def _final_cadre_taken_by_next_role(s: Situation) -> bool:
    return s.cadre is not None and s.cadre.final and s.piece.holder_role == str(s.cadre.next_role)


def _holder_may_suspend(s: Situation) -> bool:
    return s.piece.holder_role in SUSPENDERS


def _initial_piece(s: Situation) -> bool:
    return s.piece.previous_id is None


def _second_validator_named(s: Situation) -> bool:
    return bool(getattr(s.piece, "validator2_structure_id", None))


def _next_cadre_by_holder(s: Situation) -> bool:
    if s.next_cadre is not None:
        return s.next_cadre.by_holder
    # offered on the piece: some cadre may follow it, deposited by its holder
    return s.cadres is not None and any(c.by_holder for c in s.cadres.next_after(s.piece.cadre))


# The tacit procedure's deposits are never offered as an action on the piece: they are
# deposits « à partir d'une pièce existante » by a structure that does not hold it.


def _next_cadre_replaces(s: Situation) -> bool:
    # A22: the contractor's draft general statement takes the place of the pending piece
    return s.next_cadre is not None and not s.next_cadre.by_holder and s.next_cadre.replaces


def _next_cadre_by_supplier(s: Situation) -> bool:
    # A23: the contractor goes on with the procedure after its own A22
    n = s.next_cadre
    return n is not None and not n.by_holder and not n.replaces and n.depositor in _SUPPLIERS


def _next_cadre_by_moe(s: Situation) -> bool:
    # A24: the MOE deposits for the MOA, which holds the A22
    n = s.next_cadre
    return n is not None and not n.by_holder and n.depositor is ActorRole.MOE


def _next_piece_refused(s: Situation) -> bool:
    found = s.next_pieces()
    return bool(found) and all(STATES[p.state].stage is Stage.REFUSED for p in found)


GUARDS: dict[str, Callable[[Situation], bool]] = {
    "final_cadre_taken_by_next_role": _final_cadre_taken_by_next_role,
    "holder_may_suspend": _holder_may_suspend,
    "initial_piece": _initial_piece,
    "second_validator_named": _second_validator_named,
    "next_cadre_by_holder": _next_cadre_by_holder,
    "next_cadre_replaces": _next_cadre_replaces,
    "next_cadre_by_supplier": _next_cadre_by_supplier,
    "next_cadre_by_moe": _next_cadre_by_moe,
    "next_piece_refused": _next_piece_refused,
}


def _actor_is(actor: Actor, s: Situation) -> bool:
    p, me = s.piece, s.me
    if actor is Actor.SYSTEM:
        return me is None
    if me is None:
        return False
    if actor is Actor.HOLDER:
        return me == p.holder_structure_id
    if actor is Actor.DEPOSITOR:
        return me == p.depositor_structure_id
    if actor is Actor.SUPPLIER:
        return me == p.supplier_structure_id
    if actor is Actor.MOE:
        return me == p.moe_structure_id
    return any(n.depositor_structure_id == me for n in s.next_pieces())


# -- the built-in rows ---------------------------------------------------------------------------

_AT, _TAKEN, _VALIDATING = Stage.AT_RECIPIENT.value, Stage.TAKEN.value, Stage.AT_VALIDATOR.value
_RECIPIENTS = ("FOURNISSEUR", "MOE", "MOA", "SERVICE_FINANCIER")
_VALIDATORS = ("PREMIER_VALIDEUR", "SECOND_VALIDEUR")
#: The roles whose receiving a piece (a `clock` row) starts the dossier's payment clock, the
#: first time only: the 30 days run « à compter du moment où la demande de paiement est mise
#: à disposition de la MOE » (seed 000); where the MOE is out of the tool (situations 2, 3
#: and 4: A5 to the MOA, A6 to the service financier, A8 / A23 to the MOA or the service
#: financier), the day the owner side first receives the request in the tool stands for it.
PAYMENT_CLOCK_ROLES = frozenset({"MOE", "MOA", "SERVICE_FINANCIER"})
_EXPIRED = {
    "PREMIER_VALIDEUR": "VALIDATION_1_HORS_DELAI",
    "SECOND_VALIDEUR": "VALIDATION_2_HORS_DELAI",
}


def _builtin() -> list[Transition]:
    T, A, N = Transition, Action, NextHolder
    rows: list[Transition] = []
    # deposit: the new piece is made available to the role the routing found
    for role in (*_RECIPIENTS, "PREMIER_VALIDEUR"):
        rows.append(
            T("", A.DEPOSIT, f"MISE_A_DISPOSITION_{role}", role, holder=N.ROUTE, clock=True)
        )
    for role in _RECIPIENTS:
        rows.append(
            T(
                _AT,
                A.TAKE,
                f"PRISE_EN_COMPTE_{role}",
                role,
                closes="TERMINE",
                closes_if="final_cadre_taken_by_next_role",
            )
        )
    for role in (*_RECIPIENTS, *_VALIDATORS):
        for motive in sorted(REFUSAL_MOTIVES[role]):
            for source in (_VALIDATING,) if role in _VALIDATORS else (_AT, _TAKEN):
                rows.append(
                    T(
                        source,
                        A.REFUSE,
                        f"REFUSEE_{role}_{motive}",
                        role,
                        holder=N.DEPOSITOR,
                        motive=motive,
                        closes="REFUSE",
                        closes_if="initial_piece",
                    )
                )
    for source in (_AT, _TAKEN):
        rows.append(
            T(source, A.SUSPEND, "SUSPENDUE", holder=N.DEPOSITOR, guard=("holder_may_suspend",))
        )
    rows.append(
        T(
            Stage.SUSPENDED.value,
            A.COMPLETE,
            "COMPLETEE",
            actor=Actor.DEPOSITOR,
            holder=N.SUSPENDER,
            acting=Holder.DEPOSANT.value,
        )
    )
    # validators: the first forwards to the second when there is one, else to the next role;
    # a validator who lets the delay pass is skipped by the engine (deadline sweep)
    for role in _VALIDATORS:
        for action, target in (
            (A.VALIDATE, f"VALIDEE_PAR_{role}"),
            (A.EXPIRE, _EXPIRED[role]),
        ):
            source = _VALIDATING if action is A.VALIDATE else f"MISE_A_DISPOSITION_{role}"
            actor = Actor.HOLDER if action is A.VALIDATE else Actor.SYSTEM
            if role == "PREMIER_VALIDEUR":
                rows.append(
                    T(
                        source,
                        action,
                        target,
                        role,
                        actor,
                        N.NOBODY,
                        guard=("second_validator_named",),
                        then=A.FORWARD.value,
                    )
                )
                rows.append(
                    T(
                        target,
                        A.FORWARD,
                        "MISE_A_DISPOSITION_SECOND_VALIDEUR",
                        role,
                        Actor.SYSTEM,
                        N.SECOND_VALIDATOR,
                        guard=("second_validator_named",),
                        reason="to_second_validator",
                    )
                )
            rows.append(
                T(source, action, target, role, actor, N.NEXT, clock=True, reason="to_next_holder")
            )
    # the next piece of the dossier ends this one: deposited by its holder, or, in the tacit
    # procedure, by the supplier after its A22 (A23) or by the MOE for the MOA holding the A22
    # (A24); an A22 replaces the owner side's pending piece instead
    for source in (_AT, _TAKEN):
        for target, actor, guard in (
            ("ASSOCIEE", Actor.HOLDER, "next_cadre_by_holder"),
            ("REMPLACEE_PAR_A22", Actor.SUPPLIER, "next_cadre_replaces"),
            ("ASSOCIEE", Actor.SUPPLIER, "next_cadre_by_supplier"),
            ("ASSOCIEE", Actor.MOE, "next_cadre_by_moe"),
        ):
            rows.append(
                T(
                    source,
                    A.ASSOCIATE,
                    target,
                    actor=actor,
                    holder=N.NOBODY,
                    guard=(guard,),
                    reason="next_piece",
                )
            )
    # a refused next piece is deposited again, under a new number, by its depositor
    for source in ("ASSOCIEE", "REMPLACEE_PAR_A22"):
        rows.append(
            T(
                source,
                A.ASSOCIATE,
                source,
                actor=Actor.NEXT_DEPOSITOR,
                holder=N.NOBODY,
                guard=("next_piece_refused",),
                reason="next_piece",
            )
        )
    # mise en paiement: the service financier records the day paid; the dossier ends there
    for source in (_AT, _TAKEN):
        rows.append(
            T(
                source,
                A.PAY,
                PAID_STATE,
                "SERVICE_FINANCIER",
                holder=N.NOBODY,
                closes="TERMINE",
            )
        )
    return rows


# -- checking rows -------------------------------------------------------------------------------


def row_problem(row: object, states: dict[str, State]) -> str:
    """Why a row cannot go into the table ("" when it can), in French."""
    if not isinstance(row, Transition):
        return f"{row!r} n'est pas une Transition"
    try:
        action = Action(row.action)
    except ValueError:
        return f"transition {row.source or 'dépôt'} : action inconnue {row.action}"
    where = f"transition {row.source or 'dépôt'} → {row.target} ({action})"
    stages = {s.value for s in Stage}
    if (row.source == "") != (action is Action.DEPOSIT):
        return f"{where} : seul un dépôt part de « » (aucun état)"
    if row.source and row.source not in states and row.source not in stages:
        return f"{where} : état de départ inconnu {row.source}"
    if row.target not in states:
        return f"{where} : état d'arrivée inconnu {row.target}"
    if row.then and row.then not in {a.value for a in Action}:
        return f"{where} : action suivante inconnue {row.then}"
    for name in (*row.guard, *((row.closes_if,) if row.closes_if else ())):
        if name not in GUARDS:
            return f"{where} : condition inconnue {name}"
    if row.motive and row.motive not in {m.value for m in Motive}:
        return f"{where} : motif inconnu {row.motive}"
    try:
        Actor(row.actor), NextHolder(row.holder)
    except ValueError as exc:
        return f"{where} : {exc}"
    return ""


# -- the table -----------------------------------------------------------------------------------


class TransitionTable:
    """The rows, indexed by (source, action): a lookup costs two dictionary reads."""

    def __init__(self, rows: Iterable[Transition] = ()) -> None:
        self._rows: list[Transition] = []
        self._index: dict[tuple[str, str], list[Transition]] = {}
        for row in rows:
            self.add(row)

    def add(self, row: Transition) -> None:
        """Add a row (checked by `row_problem` first); a row for one cadre goes before the
        rows for any cadre of the same source and action."""
        self._rows.append(row)
        same = self._index.setdefault((row.source, str(row.action)), [])
        if row.cadre:
            at = next((i for i, r in enumerate(same) if not r.cadre), len(same))
            same.insert(at, row)
        else:
            same.append(row)

    def remove(self, row: Transition) -> None:
        self._rows.remove(row)
        self._index[(row.source, str(row.action))].remove(row)

    def __iter__(self) -> Iterator[Transition]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, row: object) -> bool:
        return row in self._rows

    def candidates(self, state: str, action: Action, cadre: str) -> list[Transition]:
        """The rows for this action from this state, else from its stage, for the cadre."""
        known = STATES.get(state)
        for source in (state, known.stage.value if known else None):
            rows = self._index.get((source, str(action))) if source is not None else None
            if rows:
                found = [r for r in rows if not r.cadre or r.cadre == cadre]
                if found:
                    return found
        return []

    def initial(self, cadre: str, role: str) -> Transition:
        """The deposit row: the first state of a piece of `cadre` made available to `role`."""
        for row in self._index.get(("", str(Action.DEPOSIT)), ()):
            if (not row.cadre or row.cadre == cadre) and row.role in ("", str(role)):
                return row
        raise Conflict(
            f"Aucun état initial pour un dépôt vers {role}",
            field="cadre",
            hint="le cadre n'a pas de transition de dépôt (plugin ?)",
        )

    def first(self, action: Action, *, role: str = "", motive: str = "") -> Transition:
        """The first row of this action for this role (and motive), from any source."""
        for row in self._rows:
            if row.action == action and row.role in ("", role) and row.motive in ("", motive):
                return row
        raise KeyError(f"aucune transition {action} pour {role}")

    def sources(self, action: Action) -> list[str]:
        """The states a row of this action leaves from (e.g. those the deadline sweep reads)."""
        return list(dict.fromkeys(r.source for r in self._rows if r.action == action))

    def follow(self, row: Transition, s: Situation) -> Transition | None:
        """The automatic row a row chains to (`then`), if one's guards hold."""
        if not row.then:
            return None
        for nxt in self.candidates(row.target, Action(row.then), s.piece.cadre):
            if nxt.actor is Actor.SYSTEM and all(GUARDS[g](s) for g in nxt.guard):
                return nxt
        return None

    def offered(self, action: Action, s: Situation) -> bool:
        """Whether the acting structure may apply this action now (no refusal raised)."""
        piece = s.piece
        for row in self.candidates(piece.state, action, piece.cadre):
            if (
                row.role in ("", piece.holder_role)
                and row.actor is not Actor.SYSTEM
                and all(GUARDS[g](s) for g in row.guard)
                and _actor_is(row.actor, s)
            ):
                return True
        return False

    def motives(self, state: str, cadre: str, role: str) -> list[str]:
        """The refusal motives the holder in `role` may choose for a piece in `state`: those
        of the refusal rows that apply (a row without a motive admits every motive)."""
        rows = [r for r in self.candidates(state, Action.REFUSE, cadre) if r.role in ("", role)]
        return _motives_of(rows)

    def held_actions(self) -> set[Action]:
        """The actions only the piece's holder applies: every row of theirs a user applies is
        the holder's (or the depositor's, who holds a suspended piece). An action that another
        actor may apply (the next piece, by the dossier's supplier) is not one of them."""
        actors: dict[Action, set[Actor]] = {}
        for row in self._rows:
            if row.actor is not Actor.SYSTEM:
                actors.setdefault(Action(row.action), set()).add(Actor(row.actor))
        return {a for a, who in actors.items() if who <= {Actor.HOLDER, Actor.DEPOSITOR}}

    def require_holder(self, action: Action, s: Situation, field: str = "piece") -> None:
        """A structure that does not hold the piece gets one answer, `NotHolder` (exit code 4),
        to every action only the holder applies, whatever the piece's state: the action's
        rows from that state are not looked at. A piece no one holds (ended) is left to the
        table, which names its state."""
        holder = s.piece.holder_structure_id
        if s.me is None or holder is None or s.me == holder:
            return
        if action in self.held_actions():
            raise NotHolder(field)

    def resolve(
        self,
        action: Action,
        s: Situation,
        *,
        motive: str | None = None,
        actor_first: bool = True,
        field: str = "piece",
    ) -> Transition:
        """The row to apply, or the named refusal: a piece held by another structure
        (`NotHolder`), no row from this state (Conflict), not the acting structure's turn
        (NotAuthorised), a missing motive or one the role may not use (UsageError, listing
        those it may), a guard that does not hold (its own refusal, else Conflict).
        `motive`: None for an action that takes none; "" when a refusal was given none."""
        piece = s.piece
        if actor_first:
            self.require_holder(action, s, field)
        rows = self.candidates(piece.state, action, piece.cadre)
        if not rows:
            raise _no_transition(action, piece.state)
        if actor_first and not any(_actor_is(r.actor, s) for r in rows):
            raise _wrong_actor(action, rows[0].actor, field)
        role = piece.holder_role
        rows = [r for r in rows if r.role in ("", role)]
        if motive is not None:
            allowed = _motives_of(rows)
            rows = [r for r in rows if r.motive == motive or (not r.motive and motive in allowed)]
            if not rows:
                raise motive_refusal(motive, allowed, role)
        failed_guard, failed_actor = "", None
        for row in rows:
            bad = next((g for g in row.guard if not GUARDS[g](s)), "")
            if bad:
                failed_guard = failed_guard or bad
            elif _actor_is(row.actor, s):
                return row
            else:
                failed_actor = failed_actor or row
        if failed_actor is not None:
            raise _wrong_actor(action, failed_actor.actor, field)
        if failed_guard in TRANSITION_REFUSALS:
            raise NotAuthorised(
                TRANSITION_REFUSALS[failed_guard],
                field=field,
                hint=TRANSITION_REFUSALS.get(f"{failed_guard}_hint", ""),
            )
        raise _no_transition(action, piece.state)

    def closes(self, row: Transition, s: Situation) -> str:
        """The dossier status the row sets here ("" none)."""
        if row.closes and (not row.closes_if or GUARDS[row.closes_if](s)):
            return row.closes
        return ""


def describe(row: Transition, short: Callable[[str], str]) -> tuple[str, str, str, str, str]:
    """One row in French for a person (no codes): from, action, by whom, to, conditions.
    `short` names a cadre (« C1 ») from its code."""
    stages = {s.value: s for s in Stage}
    if not row.source:
        origin = "nouvelle pièce"
    elif row.source in stages:
        origin = f"tout état « {STAGE_LABELS[row.source]} »"
    else:
        origin = label(row.source)
    if row.actor is Actor.HOLDER:
        by = WHO[row.role][1] if row.role in WHO else "le détenteur"
    else:
        by = ACTOR_LABELS[row.actor]
    by = by[0].upper() + by[1:]
    conditions = [f"cadre {short(row.cadre)}"] if row.cadre else []
    if row.motive:
        conditions.append(f"motif : {MOTIVE_LABELS[row.motive]}")
    conditions += [GUARD_LABELS.get(g, g) for g in row.guard]
    if row.closes:
        when = f" si {GUARD_LABELS.get(row.closes_if, row.closes_if)}" if row.closes_if else ""
        conditions.append(f"dossier {DOSSIER_STATUS_LABELS.get(row.closes, row.closes)}{when}")
    return origin, ACTION_LABELS[row.action], by, label(row.target), " ; ".join(conditions)


def holder_after(
    row: Transition,
    piece: Any,
    cadre: Cadre | None,
    today: date,
    suspender: tuple[int, str] | None = None,
) -> tuple[int | None, str, date | None]:
    """Who holds the piece after `row` (structure id, role) and since when; `suspender` is
    who suspended it last (structure id, role), for `NextHolder.SUSPENDER`."""
    n = row.holder
    if n is NextHolder.SAME:
        return piece.holder_structure_id, piece.holder_role, piece.holder_since
    if n is NextHolder.DEPOSITOR:
        return piece.depositor_structure_id, Holder.DEPOSANT.value, today
    if n is NextHolder.SUSPENDER and suspender is not None:
        return suspender[0], suspender[1], today
    if n is NextHolder.NEXT:
        role = str(cadre.next_role) if cadre is not None else Holder.MOE.value
        return piece.next_structure_id, role, today
    if n is NextHolder.SECOND_VALIDATOR:
        return piece.validator2_structure_id, Holder.SECOND_VALIDEUR.value, today
    if n is NextHolder.NOBODY:
        return None, Holder.NONE.value, today
    raise ValueError(f"détenteur {n} : à fixer par l'appelant")


def _motives_of(rows: Iterable[Transition]) -> list[str]:
    """The motives refusal rows admit (a row without a motive admits every motive)."""
    rows = list(rows)
    if any(not r.motive for r in rows):
        return sorted(m.value for m in Motive)
    return sorted({r.motive for r in rows})


def motive_refusal(
    motive: str, allowed: Sequence[str], role: str = "", *, in_dialog: bool = False
) -> UsageError:
    """The usage error of a refusal without a motive ("") or with one the holder in `role`
    may not give: it lists the motives it may give, with their labels and the codes the CLI
    takes, and recalls that an amount difference is not one. The app's refuse dialog gives
    it too, before calling the engine (`in_dialog`: the labels alone, and no reminder, which
    the dialog already shows)."""
    if motive:
        who = WHO[role][1] if role in WHO else role
        message = MOTIVE_REFUSALS["unknown"].format(motive=printable(motive)[:40], who=who)
    else:
        message = MOTIVE_REFUSALS["missing"]
    choices = motive_choices(tuple(allowed), with_codes=not in_dialog)
    hint = MOTIVE_REFUSALS["hint"].format(allowed=choices)
    return UsageError(
        message, field="motive", hint=hint if in_dialog else f"{hint}. {REFUSAL_WARNING}"
    )


def _no_transition(action: Action, state: str) -> DecompteError:
    associate = action is Action.ASSOCIATE
    key = "associate" if associate else "no_transition"
    return Conflict(
        TRANSITION_REFUSALS[key].format(action=ACTION_LABELS[action], state=label(state)),
        field="after" if associate else "state",
        hint="" if action is Action.ASSOCIATE else TRANSITION_REFUSALS["no_transition_hint"],
    )


def _wrong_actor(action: Action, actor: Actor, field: str) -> DecompteError:
    key = f"{action}_{actor}" if f"{action}_{actor}" in TRANSITION_REFUSALS else str(actor)
    return NotAuthorised(
        TRANSITION_REFUSALS[key], field=field, hint=TRANSITION_REFUSALS.get(f"{key}_hint", "")
    )


BUILTIN_TRANSITIONS: tuple[Transition, ...] = tuple(_builtin())

#: The engine's table: the built-in rows, then those the plugins add (`PluginHost.install_states`).
TRANSITIONS = TransitionTable(BUILTIN_TRANSITIONS)
