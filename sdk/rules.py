"""Built-in checks run on a draft piece before its deposit (domain notes §8).

A rule is a function `(draft, ctx) -> Iterable[Finding]` carrying a stable `rule_id`. Write
one with the `rule("id")` decorator and the `error` / `warning` / `info` helpers, which
leave the rule id blank for the decorator to fill in. Field names are `PieceDraft`
attribute names ("vat_lines[1].amount" is the second line, counting from 0).

Why it is long (~650 lines): it is the catalogue of the 29 built-in rules, each a short
function with its French message and hint, in the order of the domain notes (§ 8); one file
keeps every rule id findable in one place.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from . import identifiers as ids
from .amounts import (
    VAT_RATES,
    amount_problem,
    compute_totals,
    format_amount,
    rate_problem,
    vat_amount,
)
from .currencies import CIRCULATING
from .field_limits import LIMITS
from .findings import Finding, Severity
from .model import ActorRole, IdentifierType, PaymentMode, PieceDraft, RoutingMode, VatType

if TYPE_CHECKING:
    from .deadlines import TacitCountdown

__all__ = [
    "BUILTIN_RULES",
    "PSEUDO_SERVICE",
    "Rule",
    "RuleContext",
    "check_draft",
    "error",
    "info",
    "rule",
    "warning",
]

PSEUDO_SERVICE = "FACTURES_PUBLIQUES"
NUMBER_MAX = LIMITS["piece_number"]
ENGAGEMENT_MAX = LIMITS["engagement"]
_NUMBER_CHARS = re.compile(r"[A-Za-z0-9+\-_/]*", re.ASCII)
_ROLE_LABELS = {
    ActorRole.FOURNISSEUR: "le fournisseur (titulaire)",
    ActorRole.COTRAITANT: "un cotraitant",
    ActorRole.SOUSTRAITANT: "un sous-traitant",
    ActorRole.MOE: "la maîtrise d'œuvre",
    ActorRole.MOA: "la maîtrise d'ouvrage",
    ActorRole.SERVICE_FINANCIER: "le service financier",
}


def _never_taken(number: str) -> bool:
    return False


@dataclass(frozen=True)
class RuleContext:
    """What the rules need beyond the draft: today, roles, recipient directory data."""

    today: date
    depositor_role: str  # ActorRole value the depositing structure acts as
    cadre_depositor_role: str  # role the cadre table expects for draft.cadre ("" if unknown)
    cadre_known: bool
    qualification: bool = False  # sandbox: the recipient's SIRET checksum failure is a warning
    recipient_routing_mode: RoutingMode = RoutingMode.NONE
    # active service code -> EJ required; empty means "services not known", not "none exist"
    recipient_services: Mapping[str, bool] = field(default_factory=dict)
    vat_rates: tuple[Decimal, ...] = VAT_RATES["metropole"]
    number_taken: Callable[[str], bool] = _never_taken  # number already used by this supplier
    contractor_draft_total_ht: Decimal | None = None  # previous piece's HT, for MOE/MOA pieces
    #: the owner side's window the deposited cadre waits for (A22, A23: tacit procedure)
    tacit: TacitCountdown | None = None


Rule = Callable[[PieceDraft, RuleContext], Iterable[Finding]]


def error(field_name: str, message: str, hint: str = "") -> Finding:
    return Finding("", Severity.ERROR, field_name, message, hint)


def warning(field_name: str, message: str, hint: str = "") -> Finding:
    return Finding("", Severity.WARNING, field_name, message, hint)


def info(field_name: str, message: str, hint: str = "") -> Finding:
    return Finding("", Severity.INFO, field_name, message, hint)


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    """Give a rule its stable id, stamped on every finding it yields without one."""

    def decorate(fn: Rule) -> Rule:
        @functools.wraps(fn)
        def run(draft: PieceDraft, ctx: RuleContext) -> list[Finding]:
            return [
                f if f.rule_id else dataclasses.replace(f, rule_id=rule_id) for f in fn(draft, ctx)
            ]

        run.rule_id = rule_id  # type: ignore[attr-defined]
        return run

    return decorate


def _eur(value: Decimal) -> str:
    return f"{format_amount(value)} €"


def _pct(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + " %"


def _finite(*values: Decimal) -> bool:
    """The values are amounts the other rules can compute with: finite and within
    `MAX_AMOUNT` (beyond it, `amounts.precision` reports them and the arithmetic of the
    other rules would overflow the decimal context)."""
    return all(amount_problem(v) is None for v in values)


# --- numbering -------------------------------------------------------------------------------


@rule("number.format")
def number_format(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    hint = f"Au plus {NUMBER_MAX} caractères parmi A–Z, a–z, 0–9 et + - _ / (sans espace ni accent)"
    if not d.number:
        yield error("number", "Le numéro de la pièce est obligatoire", hint)
        return
    if len(d.number) > NUMBER_MAX:
        yield error(
            "number", f"Le numéro compte {len(d.number)} caractères ({NUMBER_MAX} au plus)", hint
        )
    if not _NUMBER_CHARS.fullmatch(d.number):
        bad = sorted({ch for ch in d.number if not _NUMBER_CHARS.fullmatch(ch)})
        shown = ", ".join("« espace »" if ch.isspace() else f"« {ch} »" for ch in bad)
        yield error("number", f"Caractères refusés dans le numéro : {shown}", hint)
    elif not (d.number[0].isalnum() and d.number[-1].isalnum()) or "//" in d.number:
        # « FA/2026/001 » is a number; « /tmp/x », « x/ » or « a//b » are paths or typos
        # that would become file and folder names on the recipient's side.
        yield error(
            "number",
            "Le numéro doit commencer et finir par une lettre ou un chiffre, sans « // »",
            hint,
        )


@rule("number.unique")
def number_unique(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.number and ctx.number_taken(d.number):
        yield error(
            "number",
            f"Le numéro {d.number} est déjà utilisé par ce fournisseur",
            "Choisissez un nouveau numéro : une pièce refusée se redépose toujours sous un "
            "nouveau numéro",
        )


# --- identifiers -----------------------------------------------------------------------------


def _siret_findings(
    value: str, kind: IdentifierType, name: str, field_name: str, required: bool, lenient: bool
) -> Iterator[Finding]:
    if kind is not IdentifierType.SIRET:
        return
    if not value.strip():
        if required:
            yield error(field_name, f"Le SIRET {name} est obligatoire", "Saisissez ses 14 chiffres")
        return
    problem = ids.check_siret(value)
    if problem is None:
        return
    hint = f"Vérifiez le SIRET {name} sur l'annuaire des entreprises (14 chiffres)"
    if lenient and ids.check_siret(value, checksum=False) is None:
        yield warning(
            field_name,
            f"{problem} (toléré en qualification)",
            "Les structures de l'espace de qualification ont souvent un SIRET fictif",
        )
    else:
        yield error(field_name, problem, hint)


@rule("siret.supplier")
def siret_supplier(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    yield from _siret_findings(
        d.supplier_identifier,
        d.supplier_identifier_type,
        "du fournisseur",
        "supplier_identifier",
        required=True,
        lenient=False,
    )


@rule("siret.recipient")
def siret_recipient(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    yield from _siret_findings(
        d.recipient_identifier,
        d.recipient_identifier_type,
        "du destinataire",
        "recipient_identifier",
        required=True,
        lenient=ctx.qualification,
    )


@rule("siret.moe")
def siret_moe(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    yield from _siret_findings(
        d.moe_identifier,
        IdentifierType.SIRET,
        "de la maîtrise d'œuvre",
        "moe_identifier",
        required=False,
        lenient=False,
    )


@rule("siret.moa")
def siret_moa(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    yield from _siret_findings(
        d.moa_identifier,
        IdentifierType.SIRET,
        "de la maîtrise d'ouvrage",
        "moa_identifier",
        required=False,
        lenient=False,
    )


@rule("vat_number")
def vat_number(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if not d.supplier_vat_number.strip() or d.supplier_identifier_type is not IdentifierType.SIRET:
        return
    problem = ids.check_fr_vat(d.supplier_vat_number)
    if problem:
        yield error(
            "supplier_vat_number",
            problem,
            "Format attendu : FR, 2 caractères de clé, puis les 9 chiffres du SIREN",
        )
        return
    siren = ids.compact(d.supplier_vat_number)[4:]
    siret = ids.compact(d.supplier_identifier)
    if len(siret) == 14 and siret[:9] != siren and not siren.startswith("000"):
        yield warning(
            "supplier_vat_number",
            f"Le numéro de TVA porte le SIREN {siren}, "
            f"le SIRET du fournisseur le SIREN {siret[:9]}",
            "Vérifiez le numéro de TVA (un assujetti unique de groupe TVA peut différer)",
        )


# --- payment ---------------------------------------------------------------------------------


@rule("iban")
def iban(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.iban.strip() and (problem := ids.check_iban(d.iban)):
        yield error("iban", problem, "Recopiez l'IBAN depuis le RIB de la structure")


@rule("bic")
def bic(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.bic.strip() and (problem := ids.check_bic(d.bic)):
        yield error("bic", problem, "Recopiez le BIC depuis le RIB de la structure")


@rule("payment.iban_required")
def payment_iban_required(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.credit_note:
        if d.iban.strip():
            yield info(
                "iban",
                "Un avoir ne porte pas de mode de règlement : l'IBAN ne sera pas transmis",
            )
        return
    if d.payment_mode is PaymentMode.VIREMENT and not d.iban.strip():
        yield error(
            "iban",
            "Un règlement par virement exige un IBAN",
            "Choisissez un compte bancaire de la structure (seul l'IBAN est accepté)",
        )


# --- routing ---------------------------------------------------------------------------------


def _is_pseudo(code: str) -> bool:
    return code.strip().upper() == PSEUDO_SERVICE


@rule("engagement.format")
def engagement_format(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if len(d.engagement) > ENGAGEMENT_MAX:
        yield error(
            "engagement",
            f"Le numéro d'engagement compte {len(d.engagement)} caractères "
            f"({ENGAGEMENT_MAX} au plus)",
            "Recopiez le numéro d'engagement juridique (EJ) figurant sur le bon de commande",
        )


@rule("routing.service_required")
def routing_service_required(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    modes = (RoutingMode.SERVICE, RoutingMode.SERVICE_AND_ENGAGEMENT)
    if ctx.recipient_routing_mode in modes and not d.service_code.strip():
        yield error(
            "service_code",
            "Le destinataire exige un code service",
            "Choisissez un service actif du destinataire (fourni par l'acheteur public)",
        )


@rule("routing.engagement_required")
def routing_engagement_required(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.engagement.strip():
        return
    hint = "Demandez le numéro d'engagement juridique (EJ) à l'acheteur public"
    modes = (RoutingMode.ENGAGEMENT, RoutingMode.SERVICE_AND_ENGAGEMENT)
    if ctx.recipient_routing_mode in modes:
        yield error("engagement", "Le destinataire exige un numéro d'engagement", hint)
    elif ctx.recipient_services.get(d.service_code.strip()):
        yield error(
            "engagement",
            f"Le service {d.service_code.strip()} du destinataire exige un numéro d'engagement",
            hint,
        )


@rule("routing.service_or_engagement")
def routing_service_or_engagement(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.recipient_routing_mode is not RoutingMode.SERVICE_OR_ENGAGEMENT:
        return
    if not d.service_code.strip() and not d.engagement.strip():
        yield error(
            "service_code",
            "Le destinataire exige un code service ou un numéro d'engagement",
            "Renseignez au moins l'un des deux",
        )


@rule("routing.service_unknown")
def routing_service_unknown(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    code = d.service_code.strip()
    if (
        code
        and not _is_pseudo(code)
        and ctx.recipient_services
        and code not in ctx.recipient_services
    ):
        yield error(
            "service_code",
            f"Le service {code} n'existe pas ou n'est pas actif chez le destinataire",
            "Choisissez un service dans la liste des services actifs du destinataire",
        )


@rule("routing.pseudo_service")
def routing_pseudo_service(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if _is_pseudo(d.service_code):
        yield error(
            "service_code",
            f"Le pseudo-service {PSEUDO_SERVICE} ne doit jamais être transmis",
            "Laissez le code service vide ou choisissez un service réel du destinataire",
        )


# --- amounts ---------------------------------------------------------------------------------

_HEADER = ("total_ht", "total_vat", "total_ttc", "discount_ttc", "prepaid", "amount_due")
_EXEMPT = (VatType.EXONERATION, VatType.SANS_TVA)


def _amount_fields(d: PieceDraft) -> Iterator[tuple[str, Decimal]]:
    for name in _HEADER:
        yield name, getattr(d, name)
    for i, line in enumerate(d.vat_lines):
        yield f"vat_lines[{i}].base", line.base
        yield f"vat_lines[{i}].amount", line.amount
        yield f"vat_lines[{i}].rate", line.rate


@rule("amounts.precision")
def amounts_precision(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    for name, value in _amount_fields(d):
        is_rate = name.endswith(".rate")
        problem = rate_problem(value) if is_rate else amount_problem(value)
        if problem:
            yield error(
                name,
                problem[0].upper() + problem[1:],
                "Saisissez un taux en pourcentage, ex. 20"
                if is_rate
                else "Saisissez un nombre, ex. 1 234,56",
            )
        elif not is_rate and value != value.quantize(Decimal("0.01")):
            yield error(name, f"Montant {value} : au plus 2 décimales", "Arrondissez au centime")


@rule("amounts.negative")
def amounts_negative(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    statement = bool(d.cadre) and ctx.cadre_known and "FACTURE" not in d.cadre.upper()
    for name, value in _amount_fields(d):
        if not _finite(value) or value >= 0:
            continue
        if name in ("discount_ttc", "prepaid") or name.endswith(".rate"):
            yield error(
                name, f"Valeur négative : {value}", "Saisissez une valeur positive ou nulle"
            )
        elif statement:
            yield warning(
                name,
                f"Montant négatif : {_eur(value)}",
                "Admis sur un décompte (solde négatif) : vérifiez-le avant de confirmer",
            )
        else:
            yield error(
                name,
                f"Montant négatif sur une facture : {_eur(value)}",
                "Pour réduire une somme déjà facturée, déposez un avoir",
            )


@rule("amounts.vat_line")
def amounts_vat_line(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    seen: set[Decimal] = set()
    for i, line in enumerate(d.vat_lines):
        if not _finite(line.rate, line.base, line.amount):
            continue
        expected = vat_amount(line.base, line.rate)
        if line.amount != expected:
            yield error(
                f"vat_lines[{i}].amount",
                f"TVA de la ligne {i + 1} à {_pct(line.rate)} : {_eur(line.amount)} saisis, "
                f"{_eur(expected)} attendus",
                "La TVA d'une ligne vaut base × taux, arrondie au centime",
            )
        if line.rate in seen:
            yield warning(
                f"vat_lines[{i}].rate",
                f"Deux lignes au taux de {_pct(line.rate)}",
                "Regroupez les bases d'un même taux sur une seule ligne",
            )
        seen.add(line.rate)


@rule("amounts.rate_unknown")
def amounts_rate_unknown(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    allowed = set(ctx.vat_rates)
    for i, line in enumerate(d.vat_lines):
        if not _finite(line.rate) or line.rate in allowed:
            continue
        if line.rate == 0:
            if d.vat_type not in _EXEMPT:
                yield error(
                    f"vat_lines[{i}].rate",
                    "Ligne à 0 % alors que la TVA est due",
                    "Choisissez le type de TVA « exonéré » ou « sans TVA » et indiquez le motif",
                )
            continue
        yield warning(
            f"vat_lines[{i}].rate",
            f"Taux de TVA {_pct(line.rate)} absent du barème applicable",
            "Vérifiez le taux (barème : "
            + ", ".join(_pct(r) for r in ctx.vat_rates)
            + ") ; un taux ancien ou d'outre-mer peut être légitime",
        )


@rule("amounts.header")
def amounts_header(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    header = [getattr(d, name) for name in _HEADER]
    lines_ok = all(_finite(x.base, x.amount) for x in d.vat_lines)
    if not _finite(*header) or not lines_ok:
        return
    hint = "Les totaux d'en-tête doivent égaler la somme des lignes de TVA"
    if not d.vat_lines:
        yield info(
            "vat_lines",
            "Pas de ventilation de la TVA par taux",
            "Ajoutez une ligne (base HT et TVA) par taux appliqué",
        )
    else:
        sums = compute_totals(d.vat_lines)
        for name, stated, expected in (
            ("total_ht", d.total_ht, sums.total_ht),
            ("total_vat", d.total_vat, sums.total_vat),
        ):
            if stated != expected:
                yield error(name, f"{_eur(stated)} saisis, {_eur(expected)} selon les lignes", hint)
    ttc = d.total_ht + d.total_vat
    if d.total_ttc != ttc:
        yield error(
            "total_ttc",
            f"TTC {_eur(d.total_ttc)} saisi, {_eur(ttc)} attendu (HT + TVA)",
            "Le TTC avant remise vaut montant HT + TVA",
        )
    due = d.total_ttc - d.discount_ttc - d.prepaid
    if d.amount_due != due:
        yield error(
            "amount_due",
            f"Montant à payer {_eur(d.amount_due)} saisi, {_eur(due)} attendu",
            "Le montant à payer vaut TTC − remise globale TTC − montant déjà payé",
        )


@rule("amounts.exemption")
def amounts_exemption(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.vat_type not in _EXEMPT:
        if d.exemption_motive.strip():
            yield info(
                "exemption_motive",
                "Motif d'exonération ignoré : la TVA est due",
                "Effacez le motif, ou choisissez le type « exonéré » ou « sans TVA »",
            )
        return
    label = "exonérée" if d.vat_type is VatType.EXONERATION else "sans TVA"
    for i, line in enumerate(d.vat_lines):
        if _finite(line.rate) and line.rate != 0:
            yield error(
                f"vat_lines[{i}].rate",
                f"Pièce {label} : la ligne {i + 1} doit être à 0 % (et non {_pct(line.rate)})",
                "Mettez le taux à 0 %, ou choisissez le type de TVA « débits » "
                "ou « encaissements »",
            )
    if not d.exemption_motive.strip():
        yield error(
            "exemption_motive",
            f"Pièce {label} : le motif d'exonération est obligatoire",
            "Citez la disposition applicable, ex. « Autoliquidation, art. 283-2 nonies du CGI »",
        )


@rule("amounts.differs_from_draft")
def amounts_differs_from_draft(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    previous = ctx.contractor_draft_total_ht
    if previous is None or not _finite(previous, d.total_ht) or previous == d.total_ht:
        return
    yield warning(
        "total_ht",
        f"Montant HT {_eur(d.total_ht)} différent de celui de la pièce précédente "
        f"({_eur(previous)}, écart {_eur(d.total_ht - previous)})",
        "Un écart est admis sur un état d'acompte ou un décompte : confirmez s'il est voulu",
    )


# --- dates, cadre, currency ------------------------------------------------------------------


@rule("dates.future")
def dates_future(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.issue_date > ctx.today:
        yield error(
            "issue_date",
            f"Date d'émission {d.issue_date.isoformat()} postérieure à aujourd'hui "
            f"({ctx.today.isoformat()})",
            "Une pièce ne peut pas être datée dans le futur",
        )


@rule("dates.due_before_issue")
def dates_due_before_issue(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.due_date is not None and d.due_date < d.issue_date:
        yield error(
            "due_date",
            f"Échéance {d.due_date.isoformat()} antérieure à la date d'émission "
            f"{d.issue_date.isoformat()}",
            "L'échéance doit être égale ou postérieure à la date d'émission",
        )


@rule("cadre.unknown")
def cadre_unknown(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if not d.cadre.strip():
        yield error("cadre", "Le cadre de facturation est obligatoire", "Choisissez un cadre")
    elif not ctx.cadre_known:
        yield error(
            "cadre",
            f"Cadre de facturation inconnu : {d.cadre}",
            "Choisissez un cadre dans la liste (A4 projet de décompte mensuel, A15 état "
            "d'acompte…)",
        )


def _role_label(role: str) -> str:
    try:
        return _ROLE_LABELS[ActorRole(role)]
    except ValueError:
        return role or "(rôle inconnu)"


@rule("cadre.role")
def cadre_role(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.cadre_known or not ctx.cadre_depositor_role:
        return
    if ctx.cadre_depositor_role != ctx.depositor_role:
        yield error(
            "cadre",
            f"Le cadre {d.cadre} est déposé par {_role_label(ctx.cadre_depositor_role)} ; "
            f"votre structure intervient comme {_role_label(ctx.depositor_role)}",
            "Choisissez le cadre correspondant à votre rôle sur ce marché",
        )


@rule("tacit.window")
def tacit_window(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    """A22 / A23 deposited while the owner side's window still runs (`[deadlines]`)."""
    if ctx.tacit is not None and not ctx.tacit.open:
        message, hint = ctx.tacit.too_early()
        yield warning("cadre", message, hint)


@rule("currency")
def currency(d: PieceDraft, ctx: RuleContext) -> Iterator[Finding]:
    if d.currency not in CIRCULATING:
        yield error(
            "currency",
            f"Devise « {d.currency} » invalide : code ISO 4217 d'une monnaie en circulation "
            "attendu",
            "Saisissez par exemple EUR",
        )
    elif d.currency != "EUR":
        yield warning(
            "currency",
            f"Pièce en {d.currency} et non en euros",
            "Les marchés publics français se règlent en principe en EUR : confirmez la devise",
        )


BUILTIN_RULES: tuple[Rule, ...] = (
    number_format,
    number_unique,
    siret_supplier,
    siret_recipient,
    siret_moe,
    siret_moa,
    vat_number,
    iban,
    bic,
    payment_iban_required,
    engagement_format,
    routing_service_required,
    routing_engagement_required,
    routing_service_or_engagement,
    routing_service_unknown,
    routing_pseudo_service,
    amounts_precision,
    amounts_negative,
    amounts_vat_line,
    amounts_rate_unknown,
    amounts_header,
    amounts_exemption,
    amounts_differs_from_draft,
    dates_future,
    dates_due_before_issue,
    cadre_unknown,
    cadre_role,
    tacit_window,
    currency,
)


def check_draft(
    draft: PieceDraft, ctx: RuleContext, rules: Iterable[Rule] = BUILTIN_RULES
) -> list[Finding]:
    """Run `rules` in order; a rule that crashes yields one blocking finding instead."""
    found: list[Finding] = []
    for r in rules:
        rule_id = getattr(r, "rule_id", getattr(r, "__name__", "rule"))
        try:
            found.extend(
                f if f.rule_id else dataclasses.replace(f, rule_id=rule_id) for f in r(draft, ctx)
            )
        except Exception as exc:  # a plugin bug must not silently skip its check
            from .incidents import failure_text

            found.append(
                Finding(
                    rule_id,
                    Severity.ERROR,
                    "",
                    f"La règle {rule_id} a échoué : {failure_text(exc)}",
                    "Signalez l'anomalie à l'auteur de la règle ; le dépôt reste bloqué",
                )
            )
    return found
