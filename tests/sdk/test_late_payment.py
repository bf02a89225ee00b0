"""The payment clock of a piece made available to the service financier directly, the
« mise en paiement » and the late-payment interest, worked out by hand in each test."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from decompte.sdk.config import load_config
from decompte.sdk.deadlines import DeadlineConfig
from decompte.sdk.errors import Conflict, NotAuthorised, UsageError
from decompte.sdk.late_payment import (
    EcbRate,
    LatePaymentConfig,
    late_interest,
    piece_payment,
    semester_start,
)
from decompte.sdk.store.schema import dossiers

from engines import ENGINES, demo_core
from support import LOGINS, TODAY

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
CONFIG = LatePaymentConfig()


# -- the interest, by hand -----------------------------------------------------------------------


def test_ten_thousand_euros_paid_fifteen_days_late_in_the_second_half_of_2025():
    # deadline 10/09/2025; interest runs from 11/09/2025, in the half-year from 01/07/2025:
    # ECB 2.15 % on 01/07/2025 (since 11/06/2025) + 8 = 10.15 %;
    # 10 000 × 0.1015 × 15 / 365 = 41.7123… → 41.71 €, plus 40 € once.
    late = late_interest(Decimal("10000.00"), date(2025, 9, 10), date(2025, 9, 25), CONFIG)
    assert late is not None
    assert (late.days, late.began, late.semester) == (15, date(2025, 9, 11), date(2025, 7, 1))
    assert (late.ecb_rate, late.rate) == (Decimal("2.15"), Decimal("10.15"))
    assert late.interest == Decimal("41.71")
    assert late.indemnity == Decimal("40.00")
    assert late.total == Decimal("81.71")
    assert "estimation" in late.describe()
    assert "41,71 € (15 j à 10,15 %)" in late.describe()


def test_first_half_of_2025_takes_the_rate_in_force_on_the_first_of_january():
    # 01/01/2025: 3.15 % (since 18/12/2024), although it fell to 2.90 % on 05/02/2025;
    # 24 590,50 × 0.1115 × 31 / 365 = 232.8663… → 232.87 €.
    late = late_interest(Decimal("24590.50"), date(2025, 2, 1), date(2025, 3, 4), CONFIG)
    assert late is not None
    assert (late.days, late.rate, late.interest) == (31, Decimal("11.15"), Decimal("232.87"))


def test_a_delay_across_two_half_years_keeps_the_rate_of_the_one_it_began_in():
    # Décret 2013-269 art. 8 (CCP R2192-31): the rate of the half-year in which the interest
    # began to run holds for the whole delay. Deadline 20/06/2024, paid 10/07/2024: 20 days
    # from 21/06/2024; rate on 01/01/2024 = 4.50 + 8 = 12.50 % (not 4.25 on 01/07/2024);
    # 5 000 × 0.125 × 20 / 365 = 34.2465… → 34.25 €.
    late = late_interest(Decimal("5000.00"), date(2024, 6, 20), date(2024, 7, 10), CONFIG)
    assert late is not None
    assert (late.semester, late.rate, late.interest) == (
        date(2024, 1, 1),
        Decimal("12.50"),
        Decimal("34.25"),
    )


def test_a_deadline_on_the_last_day_of_june_starts_the_interest_in_july():
    # Interest runs from the day after the deadline: 01/07/2024, rate 4.25 + 8 = 12.25 %;
    # 1 000 × 0.1225 × 1 / 365 = 0.3356… → 0.34 €.
    late = late_interest(Decimal("1000.00"), date(2024, 6, 30), date(2024, 7, 1), CONFIG)
    assert late is not None
    assert (late.semester, late.rate, late.interest) == (
        date(2024, 7, 1),
        Decimal("12.25"),
        Decimal("0.34"),
    )


def test_half_up_rounding_to_the_cent():
    # 1 825.00 × 10.15 % × 1 / 365 = 0.5075 exactly → 0.51 (half-up; banker's would say 0.50)
    config = LatePaymentConfig(ecb_rates=(EcbRate(date(2020, 1, 1), Decimal("2.15")),))
    late = late_interest(Decimal("1825.00"), date(2025, 9, 10), date(2025, 9, 11), config)
    assert late is not None and late.interest == Decimal("0.51")


def test_paid_on_the_deadline_or_before_owes_nothing():
    assert late_interest(Decimal("100"), date(2025, 9, 10), date(2025, 9, 10), CONFIG) is None
    assert late_interest(Decimal("100"), date(2025, 9, 10), date(2025, 9, 1), CONFIG) is None


def test_an_unknown_ecb_rate_still_owes_the_indemnity_and_says_so():
    late = late_interest(Decimal("1000"), date(2019, 3, 1), date(2019, 3, 11), CONFIG)
    assert late is not None
    assert (late.rate, late.interest, late.total) == (None, None, Decimal("40.00"))
    assert "taux BCE inconnu" in late.describe()


def test_semester_start():
    assert semester_start(date(2025, 6, 30)) == date(2025, 1, 1)
    assert semester_start(date(2025, 7, 1)) == date(2025, 7, 1)
    assert semester_start(date(2025, 12, 31)) == date(2025, 7, 1)


def test_which_piece_carries_the_payment_deadline():
    deadlines = DeadlineConfig()
    start, today = date(2025, 9, 1), date(2025, 10, 16)  # due 01/10/2025, 15 days late

    def of(state: str, state_date: date = start):
        return piece_payment(
            state, state_date, Decimal("10000.00"), start, today, deadlines, CONFIG
        )

    unpaid = of("PRISE_EN_COMPTE_SERVICE_FINANCIER")
    assert unpaid is not None and unpaid.due == date(2025, 10, 1)
    assert (unpaid.paid_on, unpaid.days_left) == (None, -15)
    assert unpaid.late is not None and unpaid.late.interest == Decimal("41.71")
    assert unpaid.describe() == "Paiement : échéance dépassée de 15 j (01/10/2025)"
    assert of("SUSPENDUE") is not None  # still awaiting payment
    assert of("ASSOCIEE") is None  # the next piece carries it: never counted twice
    assert of("REFUSEE_SERVICE_FINANCIER_ACHEMINEMENT") is None
    paid = of("MISE_EN_PAIEMENT", date(2025, 9, 28))
    assert paid is not None and (paid.paid_on, paid.days_left, paid.late) == (
        date(2025, 9, 28),
        3,
        None,
    )
    assert paid.describe() == "Mise en paiement le 28/09/2025, dans le délai (échéance 01/10/2025)"
    assert (
        piece_payment("PRISE_EN_COMPTE_MOE", start, Decimal(1), None, today, deadlines, CONFIG)
        is None
    )


# -- the circuit: situation 4, then the mise en paiement -------------------------------------


def test_a_piece_made_available_to_the_service_financier_starts_the_payment_clock(
    core, as_, draft, clock
):
    titulaire, sf = as_("titulaire"), as_("sf")
    today = clock().date()
    a6 = core.workflow.deposit(titulaire, draft("A6", "T-EAV-PAY")).piece
    assert a6.state == "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    dossier = core.queries.dossier(sf, a6.dossier_id)
    assert dossier["payment"].due == today + timedelta(days=30)
    payment = core.queries.payment(a6)
    assert payment is not None
    assert (payment.due, payment.days_left, payment.late) == (
        today + timedelta(days=30),
        30,
        None,
    )


@pytest.mark.parametrize(
    ("cadre", "role"),
    [
        ("A5", "MOA"),  # situation 3: the MOE's état d'acompte deposited by the contractor
        ("A6", "SERVICE_FINANCIER"),  # situation 4: straight to the service financier
    ],
)
def test_a_payment_request_reaching_the_owner_side_outside_the_moe_starts_the_clock(
    core, as_, draft, clock, cadre, role
):
    piece = core.workflow.deposit(as_("titulaire"), draft(cadre, f"T-CLK-{cadre}")).piece
    assert piece.holder_role == role
    assert core.queries.payment(piece).due == clock().date() + timedelta(days=30)


def test_a_piece_for_a_validator_or_the_contractor_starts_no_clock(core, as_, draft):
    a10 = core.workflow.deposit(as_("soustraitant"), draft("A10", "T-CLK-A10")).piece
    assert a10.holder_role == "PREMIER_VALIDEUR"
    assert core.queries.dossier(as_("soustraitant"), a10.dossier_id)["payment"] is None
    assert core.queries.payment(a10) is None


def test_end_of_contract_clock_starts_at_the_moe_and_the_dgd_carries_it(core, as_, draft, clock):
    titulaire, moe, moa, sf = as_("titulaire"), as_("moe"), as_("moa"), as_("sf")
    m, start = "2025-VOI-014", clock().date()
    a7 = core.workflow.deposit(titulaire, draft("A7", "T-PDF-CLK", marche=m)).piece
    clock.advance(days=10)
    a17 = core.workflow.deposit(moe, draft("A17", "T-PDG-CLK", marche=m), after=a7.id).piece
    a20 = core.workflow.deposit(moa, draft("A20", "T-DG-CLK", marche=m), after=a17.id).piece
    assert core.queries.payment(a20).due == start + timedelta(days=30)
    clock.advance(days=10)
    a8 = core.workflow.deposit(titulaire, draft("A8", "T-DGD-CLK", marche=m), after=a20.id).piece
    assert a8.holder_role == "SERVICE_FINANCIER"
    assert core.queries.payment(a8).due == start + timedelta(days=30)  # not restarted
    assert core.workflow.pay(sf, a8.id).state == "MISE_EN_PAIEMENT"


def test_the_moe_clock_is_not_restarted_by_the_service_financier(core, as_, draft, clock):
    titulaire, moe, moa = as_("titulaire"), as_("moe"), as_("moa")
    start = clock().date()
    a4 = core.workflow.deposit(titulaire, draft(A4, "T-PDM-CLK")).piece
    clock.advance(days=5)
    a15 = core.workflow.deposit(moe, draft("A15", "T-EA-CLK"), after=a4.id).piece
    clock.advance(days=5)
    a19 = core.workflow.deposit(moa, draft("A19", "T-EAV-CLK"), after=a15.id).piece
    assert core.queries.payment(a19).due == start + timedelta(days=30)
    assert core.queries.payment(core.queries.piece(moe, a4.id)) is None  # associée


def test_mise_en_paiement_late_records_the_day_and_the_interest(core, as_, draft, clock):
    titulaire, sf = as_("titulaire"), as_("sf")
    deposited = clock().date()  # 23/11/2026, due 23/12/2026
    a6 = core.workflow.deposit(titulaire, draft("A6", "T-EAV-LATE", "10000.00")).piece
    core.workflow.take(sf, a6.id)
    clock.advance(days=50)  # 12/01/2027
    paid_on = deposited + timedelta(days=45)  # 07/01/2027: 15 days late
    paid = core.workflow.pay(sf, a6.id, on=paid_on)
    assert (paid.state, paid.state_date, paid.holder_structure_id) == (
        "MISE_EN_PAIEMENT",
        paid_on,
        None,
    )
    events = core.queries.history(sf, a6.id)
    assert [(e.action, e.from_state, e.to_state) for e in events[2:]] == [
        ("pay", "PRISE_EN_COMPTE_SERVICE_FINANCIER", "MISE_EN_PAIEMENT")
    ]
    assert events[-1].reason == "Mise en paiement le 07/01/2027"
    assert core.queries.dossier(titulaire, a6.dossier_id)["status"] == "TERMINE"
    payment = core.queries.payment(paid)
    # began 24/12/2026, half-year from 01/07/2026: the table's last rate (2.15 since
    # 11/06/2025) + 8 = 10.15 %; 12 000 TTC × 0.1015 × 15 / 365 = 50.0547… → 50.05 €
    assert payment is not None and payment.paid_on == paid_on and payment.days_left == -15
    assert payment.late is not None
    assert (payment.late.days, payment.late.rate, payment.late.interest) == (
        15,
        Decimal("10.15"),
        Decimal("50.05"),
    )
    clock.advance(days=100)  # paid: the clock stopped
    assert core.queries.payment(paid).late.days == 15


def test_unpaid_piece_past_its_deadline_owes_interest_at_a_given_today(core, as_, draft, clock):
    titulaire = as_("titulaire")
    a6 = core.workflow.deposit(titulaire, draft("A6", "T-EAV-UNPAID", "2500.00")).piece
    clock.advance(days=30)
    assert core.queries.payment(a6).late is None  # the last day of the delay
    clock.advance(days=10)
    late = core.queries.payment(a6).late
    # 3 000 TTC × 0.1015 × 10 / 365 = 8.3424… → 8.34 €, + 40 €
    assert (late.days, late.interest, late.total) == (10, Decimal("8.34"), Decimal("48.34"))


def test_pay_refuses_a_future_day_a_day_before_the_deposit_and_another_holder(
    core, as_, draft, clock
):
    titulaire, sf, moe = as_("titulaire"), as_("sf"), as_("moe")
    a6 = core.workflow.deposit(titulaire, draft("A6", "T-EAV-BAD")).piece
    today = clock().date()
    with pytest.raises(UsageError) as future:
        core.workflow.pay(sf, a6.id, on=today + timedelta(days=1))
    assert future.value.field == "date"
    with pytest.raises(UsageError) as before:
        core.workflow.pay(sf, a6.id, on=today - timedelta(days=1))
    assert before.value.field == "date"
    with pytest.raises(NotAuthorised):
        core.workflow.pay(titulaire, a6.id)
    a4 = core.workflow.deposit(titulaire, draft(A4, "T-PDM-NOPAY")).piece
    with pytest.raises(Conflict):
        core.workflow.pay(moe, a4.id)  # the MOE does not pay
    assert core.queries.piece(sf, a6.id).state == "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    assert len(core.queries.history(sf, a6.id)) == 1
    assert core.workflow.pay(sf, a6.id).state_date == today  # default: today


def test_pay_is_offered_to_the_service_financier_only(core, as_, draft):
    from decompte.sdk.states import Action

    titulaire, sf = as_("titulaire"), as_("sf")
    a6 = core.workflow.deposit(titulaire, draft("A6", "T-EAV-OFFER")).piece
    assert Action.PAY in core.workflow.allowed_actions(sf, a6)
    assert Action.PAY not in core.workflow.allowed_actions(titulaire, a6)
    paid = core.workflow.pay(sf, a6.id)
    assert core.workflow.allowed_actions(sf, paid) == []


# -- the configuration ------------------------------------------------------------------------


def test_the_rate_table_is_configuration(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[late_payment]\nmargin = 8\nindemnity = "40"\n'
        'ecb_rates = [{ from = 2026-01-01, rate = "1.90" }, { from = 2025-06-11, rate = 2.15 }]\n',
        encoding="utf-8",
    )
    config = load_config(path).late_payment
    assert [(r.start, r.rate) for r in config.ecb_rates] == [
        (date(2025, 6, 11), Decimal("2.15")),
        (date(2026, 1, 1), Decimal("1.90")),
    ]
    assert config.ecb_rate_on(date(2026, 7, 1)) == Decimal("1.90")
    assert (config.margin, config.indemnity) == (Decimal(8), Decimal(40))


RATES = "late_payment.ecb_rates"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[late_payment]\nmargin = "huit"\n', "late_payment.margin"),
        ("[late_payment]\nindemnity = -40\n", "late_payment.indemnity"),
        ("[late_payment]\necb_rates = []\n", RATES),
        ('[late_payment]\necb_rates = [{ from = "2025", rate = "2" }]\n', "late_payment.ecb_rates"),
        (
            '[late_payment]\necb_rates = [{ from = 2025-01-01, rate = "200" }]\n',
            "late_payment.ecb_rates",
        ),
        ("[late_payment]\nrates = 1\n", "late_payment.rates"),
    ],
)
def test_a_wrong_late_payment_section_is_named(tmp_path: Path, text: str, key: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        load_config(path)
    assert raised.value.field == key


# -- both engines -------------------------------------------------------------------------------


@pytest.fixture(params=ENGINES)
def engine_core(request, tmp_path, demo_template):
    yield from demo_core(request.param, tmp_path, demo_template)


def test_late_payments_in_the_stock_then_paid_on_both_engines(engine_core):
    core = engine_core
    sf = core.org.open_session(core.org.user(LOGINS["sf"]))
    state = "MISE_A_DISPOSITION_SERVICE_FINANCIER"
    piece = core.queries.find_piece(sf, "EAV-DUR-2026-08")
    before = core.queries.stock(sf)["late_payments"]  # the demo's own late pieces
    with core.store.write() as conn:  # its clock started 45 days ago: 15 days late
        conn.execute(
            update(dossiers)
            .where(dossiers.c.id == piece.dossier_id)
            .values(moe_available_on=TODAY - timedelta(days=45))
        )
    late = core.queries.stock(sf)["late_payments"]
    # began 09/11/2026, half-year from 01/07/2026: 2.15 + 8 = 10.15 %;
    # 33 000,00 TTC × 0.1015 × 15 / 365 = 137.6506… → 137.65 €, + 40 € = 177.65 €
    assert piece.amount_due == Decimal("33000.00")
    assert late["count"] == before["count"] + 1
    assert late["interest"] - before["interest"] == Decimal("137.65")
    assert late["indemnities"] - before["indemnities"] == Decimal("40.00")
    assert late["by_state"][state]["total"] - before["by_state"][state]["total"] == Decimal(
        "177.65"
    )
    paid = core.workflow.pay(sf, piece.id)
    assert (paid.state, paid.state_date) == ("MISE_EN_PAIEMENT", TODAY)
    assert core.queries.payment(paid).late.total == Decimal("177.65")
    assert core.queries.stock(sf)["late_payments"] == before  # paid: no longer held
