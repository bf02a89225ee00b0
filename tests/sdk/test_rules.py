"""Built-in pre-deposit rules: each fires on its fault and stays silent on a clean draft."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decompte.sdk.amounts import VAT_RATES, compute_totals, vat_line
from decompte.sdk.findings import Finding, Severity
from decompte.sdk.model import (
    IdentifierType,
    PaymentMode,
    PieceDraft,
    RoutingMode,
    VatLine,
    VatType,
)
from decompte.sdk.rules import BUILTIN_RULES, RuleContext, check_draft, error, rule

TODAY = date(2024, 5, 15)
SUPPLIER = "73282932000074"
RECIPIENT = "40483304800014"
MOE = "55200844300012"
MOA = "44312197500017"
MAINLAND = VAT_RATES["metropole"]
AMOUNT_RULES = [r for r in BUILTIN_RULES if r.rule_id.startswith("amounts.")]


def with_totals(draft: PieceDraft, discount=D("0.00"), prepaid=D("0.00")) -> PieceDraft:
    t = compute_totals(draft.vat_lines, discount, prepaid)
    draft.total_ht, draft.total_vat, draft.total_ttc = t.total_ht, t.total_vat, t.total_ttc
    draft.discount_ttc, draft.prepaid, draft.amount_due = discount, prepaid, t.amount_due
    return draft


@pytest.fixture
def draft() -> PieceDraft:
    return with_totals(
        PieceDraft(
            cadre="A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
            number="PDM-2024/001",
            issue_date=date(2024, 5, 10),
            marche_number="M2024-17",
            due_date=date(2024, 6, 10),
            iban="FR7630006000011234567890189",
            bic="BNPAFRPP",
            vat_lines=[vat_line(D("1000.00"), D("20")), vat_line(D("200.00"), D("5.5"))],
            supplier_identifier=SUPPLIER,
            supplier_vat_number="FR44732829320",
            recipient_identifier=RECIPIENT,
            moe_identifier=MOE,
            moa_identifier=MOA,
        ),
        discount=D("10.00"),
        prepaid=D("100.00"),
    )


@pytest.fixture
def ctx() -> RuleContext:
    return RuleContext(
        today=TODAY,
        depositor_role="FOURNISSEUR",
        cadre_depositor_role="FOURNISSEUR",
        cadre_known=True,
    )


def fired(draft: PieceDraft, ctx: RuleContext, rule_id: str) -> list[Finding]:
    return [f for f in check_draft(draft, ctx) if f.rule_id == rule_id]


def only(draft: PieceDraft, ctx: RuleContext, rule_id: str) -> Finding:
    found = fired(draft, ctx, rule_id)
    assert len(found) == 1, found
    return found[0]


# --- framework -------------------------------------------------------------------------------


def test_clean_draft_has_no_findings(draft, ctx):
    assert check_draft(draft, ctx) == []


def test_rule_ids_are_stable_and_unique():
    ids = [r.rule_id for r in BUILTIN_RULES]
    assert len(ids) == len(set(ids))
    assert set(ids) >= {
        "number.format",
        "number.unique",
        "siret.supplier",
        "siret.recipient",
        "siret.moe",
        "vat_number",
        "iban",
        "bic",
        "payment.iban_required",
        "engagement.format",
        "routing.service_required",
        "routing.engagement_required",
        "routing.service_or_engagement",
        "routing.service_unknown",
        "routing.pseudo_service",
        "amounts.vat_line",
        "amounts.rate_unknown",
        "amounts.header",
        "amounts.exemption",
        "amounts.negative",
        "amounts.differs_from_draft",
        "dates.future",
        "dates.due_before_issue",
        "cadre.unknown",
        "cadre.role",
        "tacit.window",
        "currency",
    }


def test_every_finding_is_french_and_has_a_hint(draft, ctx):
    draft.number = "é" * 40
    draft.supplier_identifier = "123"
    draft.vat_lines[0] = VatLine(rate=D("7"), base=D("-1.00"), amount=D("5.00"))
    draft.currency = "eur"
    draft.service_code = "FACTURES_PUBLIQUES"
    findings = check_draft(draft, ctx)
    assert len(findings) >= 8
    for f in findings:
        assert f.rule_id and f.message and f.hint, f


def test_decorator_stamps_rule_id_and_check_draft_accepts_custom_rules(draft, ctx):
    @rule("plugin.demo")
    def demo(d, c):
        yield error("comment", "Commentaire obligatoire", "Saisissez un commentaire")

    def crashing(d, c):
        raise RuntimeError("boom")

    crashing.rule_id = "plugin.crash"
    found = check_draft(draft, ctx, rules=(demo, crashing))
    assert demo.rule_id == "plugin.demo"
    assert [(f.rule_id, f.severity) for f in found] == [
        ("plugin.demo", Severity.ERROR),
        ("plugin.crash", Severity.ERROR),
    ]
    assert "RuntimeError (incident " in found[1].message
    assert "boom" not in found[1].message  # an exception's text may quote data: log only


# --- numbering -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["A" * 35, "a-Z_0+9/x", "2024/12", "FA/2026/001", "7"])
def test_number_format_accepts(draft, ctx, number):
    draft.number = number
    assert fired(draft, ctx, "number.format") == []


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "obligatoire"),
        ("A" * 36, "36 caractères (35 au plus)"),
        ("FAC 001", "« espace »"),
        ("FAC.001", "« . »"),
        ("FACTUREÉ", "« É »"),
        ("/tmp/x", "commencer et finir"),
        ("FA/2026/", "commencer et finir"),
        ("-rf", "commencer et finir"),
        ("FA//001", "« // »"),
    ],
)
def test_number_format_refuses(draft, ctx, number, fragment):
    draft.number = number
    found = fired(draft, ctx, "number.format")
    assert found and found[0].severity is Severity.ERROR and found[0].field == "number"
    assert fragment in found[0].message


def test_number_unique(draft, ctx):
    assert fired(draft, ctx, "number.unique") == []
    taken = dataclasses.replace(ctx, number_taken=lambda n: n == "PDM-2024/001")
    f = only(draft, taken, "number.unique")
    assert f.severity is Severity.ERROR and "déjà utilisé" in f.message
    assert "refusée" in f.hint and "nouveau numéro" in f.hint


# --- identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attr", "rule_id"),
    [
        ("supplier_identifier", "siret.supplier"),
        ("recipient_identifier", "siret.recipient"),
        ("moe_identifier", "siret.moe"),
        ("moa_identifier", "siret.moa"),
    ],
)
def test_siret_rules_fire_on_bad_key(draft, ctx, attr, rule_id):
    setattr(draft, attr, "73282932000079")
    f = only(draft, ctx, rule_id)
    assert f.severity is Severity.ERROR and f.field == attr
    assert f.message == "Clé de contrôle du SIRET invalide"


def test_siret_required_for_supplier_and_recipient_only(draft, ctx):
    draft.supplier_identifier = ""
    draft.recipient_identifier = ""
    draft.moe_identifier = ""
    draft.moa_identifier = ""
    assert "obligatoire" in only(draft, ctx, "siret.supplier").message
    assert "obligatoire" in only(draft, ctx, "siret.recipient").message
    assert fired(draft, ctx, "siret.moe") == fired(draft, ctx, "siret.moa") == []


def test_siret_checks_skipped_for_other_identifier_types(draft, ctx):
    draft.supplier_identifier = "DE123456789"
    draft.supplier_identifier_type = IdentifierType.UE_HORS_FRANCE
    draft.recipient_identifier = "XYZ"
    draft.recipient_identifier_type = IdentifierType.AUTRE
    draft.supplier_vat_number = "DE123456789"
    assert fired(draft, ctx, "siret.supplier") == []
    assert fired(draft, ctx, "siret.recipient") == []
    assert fired(draft, ctx, "vat_number") == []


def test_qualification_downgrades_recipient_checksum_to_warning(draft, ctx):
    draft.recipient_identifier = "11111111111111"  # sandbox-like, fails Luhn
    assert only(draft, ctx, "siret.recipient").severity is Severity.ERROR
    sandbox = dataclasses.replace(ctx, qualification=True)
    f = only(draft, sandbox, "siret.recipient")
    assert f.severity is Severity.WARNING and "qualification" in f.message


def test_qualification_keeps_length_errors_and_supplier_errors(draft, ctx):
    sandbox = dataclasses.replace(ctx, qualification=True)
    draft.recipient_identifier = "1111111111111"
    draft.supplier_identifier = "73282932000079"
    assert only(draft, sandbox, "siret.recipient").severity is Severity.ERROR
    assert only(draft, sandbox, "siret.supplier").severity is Severity.ERROR


def test_la_poste_supplier_siret_passes(draft, ctx):
    draft.supplier_identifier = "35600000049837"
    draft.supplier_vat_number = ""
    assert fired(draft, ctx, "siret.supplier") == []
    draft.supplier_identifier = "35600000000014"
    assert "La Poste" in only(draft, ctx, "siret.supplier").message


def test_vat_number_bad_key(draft, ctx):
    draft.supplier_vat_number = "FR45732829320"
    f = only(draft, ctx, "vat_number")
    assert f.severity is Severity.ERROR and f.field == "supplier_vat_number"
    assert "44 attendu" in f.message


def test_vat_number_other_siren_is_a_warning(draft, ctx):
    draft.supplier_vat_number = "FR46443121975"  # valid, but not the supplier's SIREN
    f = only(draft, ctx, "vat_number")
    assert f.severity is Severity.WARNING and "443121975" in f.message


def test_vat_number_optional(draft, ctx):
    draft.supplier_vat_number = ""
    assert fired(draft, ctx, "vat_number") == []


# --- payment ---------------------------------------------------------------------------------


def test_iban_and_bic_rules(draft, ctx):
    draft.iban = "FR7630006000011234567890188"
    draft.bic = "BNPAFRP"
    assert only(draft, ctx, "iban").field == "iban"
    assert "(7 saisis)" in only(draft, ctx, "bic").message


def test_virement_requires_iban(draft, ctx):
    draft.iban = ""
    f = only(draft, ctx, "payment.iban_required")
    assert f.severity is Severity.ERROR and f.field == "iban"
    assert fired(draft, ctx, "iban") == []


@pytest.mark.parametrize("mode", [PaymentMode.CHEQUE, PaymentMode.PRELEVEMENT, PaymentMode.AUTRE])
def test_other_payment_modes_need_no_iban(draft, ctx, mode):
    draft.iban = ""
    draft.payment_mode = mode
    assert fired(draft, ctx, "payment.iban_required") == []


def test_credit_note_carries_no_payment_mode(draft, ctx):
    draft.credit_note = True
    assert only(draft, ctx, "payment.iban_required").severity is Severity.INFO
    draft.iban = ""
    assert fired(draft, ctx, "payment.iban_required") == []


# --- routing ---------------------------------------------------------------------------------


def test_engagement_length(draft, ctx):
    draft.engagement = "E" * 50
    assert fired(draft, ctx, "engagement.format") == []
    draft.engagement = "E" * 51
    assert "51 caractères" in only(draft, ctx, "engagement.format").message


@pytest.mark.parametrize(
    ("mode", "service", "engagement", "expected"),
    [
        (RoutingMode.NONE, "", "", set()),
        (RoutingMode.SERVICE, "", "", {"routing.service_required"}),
        (RoutingMode.SERVICE, "SRV1", "", set()),
        (RoutingMode.ENGAGEMENT, "", "", {"routing.engagement_required"}),
        (RoutingMode.ENGAGEMENT, "", "1300012345", set()),
        (
            RoutingMode.SERVICE_AND_ENGAGEMENT,
            "",
            "",
            {"routing.service_required", "routing.engagement_required"},
        ),
        (RoutingMode.SERVICE_AND_ENGAGEMENT, "SRV1", "", {"routing.engagement_required"}),
        (RoutingMode.SERVICE_AND_ENGAGEMENT, "SRV1", "1300012345", set()),
        (RoutingMode.SERVICE_OR_ENGAGEMENT, "", "", {"routing.service_or_engagement"}),
        (RoutingMode.SERVICE_OR_ENGAGEMENT, "SRV1", "", set()),
        (RoutingMode.SERVICE_OR_ENGAGEMENT, "", "1300012345", set()),
    ],
)
def test_routing_modes(draft, ctx, mode, service, engagement, expected):
    draft.service_code, draft.engagement = service, engagement
    routed = dataclasses.replace(ctx, recipient_routing_mode=mode)
    found = {f.rule_id for f in check_draft(draft, routed) if f.rule_id.startswith("routing.")}
    assert found == expected


def test_service_with_ej_flag_requires_engagement(draft, ctx):
    services = dataclasses.replace(ctx, recipient_services={"SRV1": True, "SRV2": False})
    draft.service_code = "SRV1"
    f = only(draft, services, "routing.engagement_required")
    assert "SRV1" in f.message and f.field == "engagement"
    draft.service_code = "SRV2"
    assert fired(draft, services, "routing.engagement_required") == []
    draft.service_code, draft.engagement = "SRV1", "1300012345"
    assert fired(draft, services, "routing.engagement_required") == []


def test_service_unknown(draft, ctx):
    services = dataclasses.replace(ctx, recipient_services={"SRV1": False})
    draft.service_code = "SRV9"
    assert only(draft, services, "routing.service_unknown").field == "service_code"
    draft.service_code = "SRV1"
    assert fired(draft, services, "routing.service_unknown") == []
    draft.service_code = "SRV9"  # services not known: no verdict
    assert fired(draft, ctx, "routing.service_unknown") == []


@pytest.mark.parametrize("code", ["FACTURES_PUBLIQUES", " factures_publiques "])
def test_pseudo_service_never_sent(draft, ctx, code):
    services = dataclasses.replace(ctx, recipient_services={"SRV1": False})
    draft.service_code = code
    found = [f for f in check_draft(draft, services) if f.rule_id.startswith("routing.")]
    assert [f.rule_id for f in found] == ["routing.pseudo_service"]
    assert found[0].severity is Severity.ERROR


# --- amounts ---------------------------------------------------------------------------------


def test_vat_line_wrong_amount(draft, ctx):
    draft.vat_lines[1] = VatLine(rate=D("5.5"), base=D("200.00"), amount=D("11.01"))
    with_totals(draft)
    f = only(draft, ctx, "amounts.vat_line")
    assert f.field == "vat_lines[1].amount" and f.severity is Severity.ERROR
    assert "ligne 2" in f.message and "11,00" in f.message and "11,01" in f.message
    assert fired(draft, ctx, "amounts.header") == []  # totals follow the stated lines


def test_vat_line_duplicate_rate_warns(draft, ctx):
    draft.vat_lines.append(vat_line(D("50.00"), D("20")))
    with_totals(draft)
    f = only(draft, ctx, "amounts.vat_line")
    assert f.severity is Severity.WARNING and f.field == "vat_lines[2].rate"


def test_rate_unknown_is_a_warning_and_rates_are_data(draft, ctx):
    draft.vat_lines = [vat_line(D("100.00"), D("8.5"))]
    with_totals(draft)
    f = only(draft, ctx, "amounts.rate_unknown")
    assert f.severity is Severity.WARNING and f.field == "vat_lines[0].rate"
    overseas = dataclasses.replace(ctx, vat_rates=VAT_RATES["guadeloupe_martinique_reunion"])
    assert fired(draft, overseas, "amounts.rate_unknown") == []


def test_zero_rate_requires_exempt_vat_type(draft, ctx):
    draft.vat_lines = [vat_line(D("100.00"), D("0"))]
    with_totals(draft)
    f = only(draft, ctx, "amounts.rate_unknown")
    assert f.severity is Severity.ERROR and "0 %" in f.message
    draft.vat_type, draft.exemption_motive = VatType.EXONERATION, "Autoliquidation"
    assert fired(draft, ctx, "amounts.rate_unknown") == []


@pytest.mark.parametrize(
    ("attr", "value", "field"),
    [
        ("total_ht", D("1200.01"), "total_ht"),
        ("total_vat", D("210.99"), "total_vat"),
        ("total_ttc", D("1411.01"), "total_ttc"),
        ("amount_due", D("1311.00"), "amount_due"),
    ],
)
def test_header_totals_must_match(draft, ctx, attr, value, field):
    setattr(draft, attr, value)
    found = fired(draft, ctx, "amounts.header")
    assert found and all(f.severity is Severity.ERROR for f in found)
    assert field in {f.field for f in found}


def test_header_amount_due_formula(draft, ctx):
    assert draft.amount_due == D("1411.00") - D("10.00") - D("100.00")
    draft.amount_due = D("1401.00")  # prepaid forgotten
    f = only(draft, ctx, "amounts.header")
    assert f.field == "amount_due" and "1\u00a0301,00" in f.message


def test_header_without_lines_is_info(draft, ctx):
    draft.vat_lines = []
    found = fired(draft, ctx, "amounts.header")
    assert [f.severity for f in found] == [Severity.INFO]


@pytest.mark.parametrize("vat_type", [VatType.EXONERATION, VatType.SANS_TVA])
def test_exemption_needs_zero_lines_and_motive(draft, ctx, vat_type):
    draft.vat_type = vat_type
    found = fired(draft, ctx, "amounts.exemption")
    assert {f.field for f in found} == {
        "vat_lines[0].rate",
        "vat_lines[1].rate",
        "exemption_motive",
    }
    draft.vat_lines = [vat_line(D("1200.00"), D("0"))]
    draft.exemption_motive = "Autoliquidation (art. 283-2 nonies du CGI)"
    with_totals(draft)
    assert check_draft(draft, ctx) == []


def test_motive_without_exemption_is_info(draft, ctx):
    draft.exemption_motive = "Autoliquidation"
    assert only(draft, ctx, "amounts.exemption").severity is Severity.INFO


def test_negative_amount_on_invoice_is_error(draft, ctx):
    draft.cadre = "A1_FACTURE_FOURNISSEUR"
    draft.vat_lines = [vat_line(D("-100.00"), D("20"))]
    with_totals(draft)
    found = fired(draft, ctx, "amounts.negative")
    assert found and all(f.severity is Severity.ERROR for f in found)
    assert "vat_lines[0].base" in {f.field for f in found}
    assert "avoir" in found[0].hint


def test_negative_balance_on_statement_is_warning(draft, ctx):
    draft.cadre = "A20_DECOMPTE_GENERAL_MOA"
    draft.vat_lines = [vat_line(D("-100.00"), D("20"))]
    with_totals(draft)
    found = fired(draft, ctx, "amounts.negative")
    assert found and all(f.severity is Severity.WARNING for f in found)


def test_negative_discount_is_always_error(draft, ctx):
    with_totals(draft, discount=D("-5.00"))
    f = only(draft, ctx, "amounts.negative")
    assert f.field == "discount_ttc" and f.severity is Severity.ERROR


def test_precision(draft, ctx):
    draft.total_ht = D("1200.001")
    found = fired(draft, ctx, "amounts.precision")
    assert [f.field for f in found] == ["total_ht"]
    draft.total_ht = D("NaN")
    assert only(draft, ctx, "amounts.precision").message.startswith("Montant invalide")
    check_draft(draft, ctx)  # a NaN must not crash any rule
    assert not [f for f in check_draft(draft, ctx) if "a échoué" in f.message]


def test_differs_from_draft_warns_never_blocks(draft, ctx):
    moe = dataclasses.replace(
        ctx,
        depositor_role="MOE",
        cadre_depositor_role="MOE",
        contractor_draft_total_ht=D("1250.00"),
    )
    draft.cadre = "A15_ETAT_ACOMPTE_MOE"
    f = only(draft, moe, "amounts.differs_from_draft")
    assert f.severity is Severity.WARNING and f.field == "total_ht"
    assert "-50,00" in f.message
    same = dataclasses.replace(moe, contractor_draft_total_ht=D("1200"))
    assert fired(draft, same, "amounts.differs_from_draft") == []


# --- dates, cadre, currency ------------------------------------------------------------------


def test_issue_date_not_in_future(draft, ctx):
    draft.issue_date = TODAY
    assert fired(draft, ctx, "dates.future") == []
    draft.issue_date = TODAY + timedelta(days=1)
    draft.due_date = None
    f = only(draft, ctx, "dates.future")
    assert f.field == "issue_date" and "2024-05-16" in f.message


def test_due_date_not_before_issue(draft, ctx):
    draft.due_date = draft.issue_date
    assert fired(draft, ctx, "dates.due_before_issue") == []
    draft.due_date = draft.issue_date - timedelta(days=1)
    assert only(draft, ctx, "dates.due_before_issue").field == "due_date"
    draft.due_date = None
    assert fired(draft, ctx, "dates.due_before_issue") == []


def test_cadre_unknown(draft, ctx):
    unknown = dataclasses.replace(ctx, cadre_known=False, cadre_depositor_role="")
    draft.cadre = "Z9_INCONNU"
    f = only(draft, unknown, "cadre.unknown")
    assert f.field == "cadre" and "Z9_INCONNU" in f.message
    assert fired(draft, unknown, "cadre.role") == []
    draft.cadre = ""
    assert "obligatoire" in only(draft, unknown, "cadre.unknown").message


def test_cadre_role_mismatch(draft, ctx):
    draft.cadre = "A15_ETAT_ACOMPTE_MOE"
    wrong = dataclasses.replace(ctx, cadre_depositor_role="MOE")
    f = only(draft, wrong, "cadre.role")
    assert f.severity is Severity.ERROR
    assert "maîtrise d'œuvre" in f.message and "fournisseur" in f.message


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        ("EUR", None),
        ("USD", Severity.WARNING),
        ("XPF", Severity.WARNING),  # the CFP franc is a currency: overseas collectivities
        ("eur", Severity.ERROR),
        ("EURO", Severity.ERROR),
        ("XXX", Severity.ERROR),  # ISO 4217's "no currency"
        ("XAU", Severity.ERROR),  # gold
        ("ABC", Severity.ERROR),
    ],
)
def test_currency(draft, ctx, code, severity):
    draft.currency = code
    assert [f.severity for f in fired(draft, ctx, "currency")] == ([severity] if severity else [])


# --- property: totals built by compute_totals pass the amount rules --------------------------

cents = st.integers(min_value=0, max_value=10**11).map(lambda n: D(n).scaleb(-2))


@given(
    st.lists(st.sampled_from(MAINLAND), min_size=1, max_size=4, unique=True),
    st.lists(cents, min_size=4, max_size=4),
    st.data(),
)
def test_compute_totals_draft_passes_amount_rules(rates, bases, data):
    lines = [vat_line(base, rate) for rate, base in zip(rates, bases, strict=False)]
    ttc_cents = int(compute_totals(lines).total_ttc * 100)
    discount = data.draw(st.integers(0, ttc_cents))
    prepaid = data.draw(st.integers(0, ttc_cents - discount))
    d = PieceDraft(cadre="A1_FACTURE_FOURNISSEUR", number="F1", issue_date=TODAY, vat_lines=lines)
    with_totals(d, D(discount).scaleb(-2), D(prepaid).scaleb(-2))
    c = RuleContext(TODAY, "FOURNISSEUR", "FOURNISSEUR", True)
    assert check_draft(d, c, rules=AMOUNT_RULES) == []
