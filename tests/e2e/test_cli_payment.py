"""`decompte process pay` and the payment deadline of `show`, in subprocesses at fixed days
(`--today`): the service financier puts a piece in payment; `show --json` gives the deadline
and the late-payment interest as decimal strings.

The A6 is deposited on 23/11/2026, straight to the service financier: its payment clock
starts that day, the deadline is 30 days later, on 23/12/2026."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

from test_cli import run

DEPOSIT_DAY = "2026-11-23"
DUE = "2026-12-23"
A6 = [
    "deposit",
    "--cadre",
    "A6",
    "--date",
    "2026-11-20",
    "--marche",
    "2026-ECO-001",
    "--line",
    "20:10 000,00",
    "--iban",
    "FR7630006000011234567890189",
    "--engagement",
    "EJ2026000123",
    "--service",
    "SERVICES_TECHNIQUES",
]


def _deposit(db, number: str) -> dict:
    out = run(
        db,
        "--today",
        DEPOSIT_DAY,
        "--json",
        *A6,
        "--number",
        number,
        "--confirm",
        login="titulaire",
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["piece"]


def _json(db, day: str, *args: str, login: str) -> dict:
    out = run(db, "--today", day, "--json", *args, login=login)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_pay_records_the_day_once_and_show_gives_the_deadline(demo_db):
    piece = _deposit(demo_db, "CLI-PAY-1")
    assert piece["deposited_at"][:10] == DEPOSIT_DAY and piece["amount_due"] == "12000.00"
    shown = _json(demo_db, DEPOSIT_DAY, "show", "CLI-PAY-1", login="sf")
    assert shown["payment"] == {"due": DUE, "paid_on": None, "days_left": 30, "late": None}

    def pay(today: str, day: str, login: str = "sf"):
        return run(
            demo_db, "--today", today, "process", "pay", "CLI-PAY-1", "--date", day, login=login
        )

    future = pay("2026-11-30", "2026-12-01")
    assert future.returncode == 2 and "futur" in future.stderr
    before = pay("2026-11-30", "2026-11-22")  # after the piece's date, before its deposit
    assert before.returncode == 2 and "antérieure au dépôt" in before.stderr
    other = pay("2026-11-30", "2026-11-30", login="titulaire")
    assert other.returncode == 4, other.stderr

    paid = pay("2026-12-01", "2026-11-30")
    assert paid.returncode == 0, paid.stderr
    assert "Mise en paiement" in paid.stdout
    again = pay("2026-12-01", "2026-12-01")
    assert again.returncode != 0
    history = _json(demo_db, "2026-12-01", "history", "CLI-PAY-1", login="sf")
    pays = [e for e in history["events"] if e["action"] == "pay"]
    assert [(e["to_state"], e["at"][:10], e["reason"]) for e in pays] == [
        ("MISE_EN_PAIEMENT", "2026-12-01", "Mise en paiement le 30/11/2026")
    ]
    shown = _json(demo_db, "2027-03-01", "show", "CLI-PAY-1", login="sf")
    assert shown["payment"] == {"due": DUE, "paid_on": "2026-11-30", "days_left": 23, "late": None}
    human = run(demo_db, "--today", "2027-03-01", "show", "CLI-PAY-1", login="titulaire").stdout
    assert "Mise en paiement le 30/11/2026, dans le délai (échéance 23/12/2026)" in human


def test_a_piece_unpaid_then_paid_10_days_late_owes_the_interest_worked_out_by_hand(demo_db):
    late_day = "2027-01-02"  # 10 days after the deadline
    stock_before = _json(demo_db, late_day, "stock", login="sf")["late_payments"]
    _deposit(demo_db, "CLI-PAY-2")
    on_due = _json(demo_db, DUE, "show", "CLI-PAY-2", login="titulaire")
    assert on_due["payment"] == {"due": DUE, "paid_on": None, "days_left": 0, "late": None}

    # Late from 24/12/2026, in the half-year begun on 01/07/2026, when the ECB rate in force
    # was 2,15 % (since 11/06/2025, the default [late_payment] table's last row): 10,15 % a
    # year on 12 000,00 € for 10 days = 12 000 × 10,15 × 10 / 36 500 = 33,3698… → 33,37 €,
    # plus the flat indemnity of 40,00 €: 73,37 €.
    interest = Decimal("12000.00") * (Decimal("2.15") + 8) * 10 / 36500
    assert interest.quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("33.37")
    late = {
        "days": 10,
        "began": "2026-12-24",
        "semester": "2026-07-01",
        "ecb_rate": "2.15",
        "rate": "10.15",
        "interest": "33.37",
        "indemnity": "40.00",
        "total": "73.37",
    }
    unpaid = _json(demo_db, late_day, "show", "CLI-PAY-2", login="titulaire")
    assert unpaid["payment"] == {"due": DUE, "paid_on": None, "days_left": -10, "late": late}
    human = run(demo_db, "--today", late_day, "show", "CLI-PAY-2", login="titulaire").stdout
    assert "Paiement : échéance dépassée de 10 j (23/12/2026)" in human
    assert (
        "Intérêts moratoires (estimation) : 33,37 € (10 j à 10,15 %) + indemnité forfaitaire "
        "40,00 € = 73,37 €" in human
    )
    stock = _json(demo_db, late_day, "stock", login="sf")["late_payments"]
    assert stock["count"] == stock_before["count"] + 1
    assert Decimal(stock["total"]) == Decimal(stock_before["total"]) + Decimal("73.37")

    paid = run(
        demo_db,
        "--today",
        "2027-01-05",
        "process",
        "pay",
        "CLI-PAY-2",
        "--date",
        late_day,
        login="sf",
    )
    assert paid.returncode == 0, paid.stderr
    # paid on 02/01/2027: the interest stops there, whenever it is read
    weeks_later = _json(demo_db, "2027-02-15", "show", "CLI-PAY-2", login="titulaire")
    assert weeks_later["payment"] == {
        "due": DUE,
        "paid_on": late_day,
        "days_left": -10,
        "late": late,
    }
    human = run(demo_db, "--today", "2027-02-15", "show", "CLI-PAY-2", login="titulaire").stdout
    assert "Mise en paiement le 02/01/2027, 10 j après l'échéance du 23/12/2026" in human


def test_config_shows_the_rate_table_in_force(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        '[late_payment]\necb_rates = [{ from = 2026-01-01, rate = "1.90" }]\n', encoding="utf-8"
    )
    out = run(tmp_path / "d.db", "--config", str(config), "config")
    assert out.returncode == 0, out.stderr
    assert "1,90 % depuis le 01/01/2026 (+ 8 points)" in out.stdout
    config.write_text('[late_payment]\nmargin = "huit"\n', encoding="utf-8")
    bad = run(tmp_path / "d.db", "--config", str(config), "config")
    assert bad.returncode == 2 and "late_payment.margin" in bad.stderr
