"""`decompte process pay` and the payment deadline of `show`, in subprocesses: the service
financier puts a piece in payment; `show --json` gives the deadline and the late-payment
interest as decimal strings."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal

from test_cli import run

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
    out = run(db, "--json", *A6, "--number", number, "--confirm", login="titulaire")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["piece"]


def test_pay_records_the_day_once_and_show_gives_the_deadline(demo_db):
    piece = _deposit(demo_db, "CLI-PAY-1")
    deposited = date.fromisoformat(piece["deposited_at"][:10])
    shown = json.loads(run(demo_db, "--json", "show", "CLI-PAY-1", login="sf").stdout)
    assert shown["payment"]["due"] == (deposited + timedelta(days=30)).isoformat()
    assert shown["payment"]["paid_on"] is None and shown["payment"]["late"] is None

    future = run(demo_db, "process", "pay", "CLI-PAY-1", "--date", "2999-01-01", login="sf")
    assert future.returncode == 2 and "futur" in future.stderr
    before = run(demo_db, "process", "pay", "CLI-PAY-1", "--date", "2000-01-01", login="sf")
    assert before.returncode == 2 and "antérieure au dépôt" in before.stderr
    other = run(demo_db, "process", "pay", "CLI-PAY-1", login="titulaire")
    assert other.returncode == 4, other.stderr

    paid = run(demo_db, "process", "pay", "CLI-PAY-1", "--date", deposited.isoformat(), login="sf")
    assert paid.returncode == 0, paid.stderr
    assert "Mise en paiement" in paid.stdout
    again = run(demo_db, "process", "pay", "CLI-PAY-1", login="sf")
    assert again.returncode != 0
    history = json.loads(run(demo_db, "--json", "history", "CLI-PAY-1", login="sf").stdout)
    pays = [e for e in history["events"] if e["action"] == "pay"]
    assert len(pays) == 1
    assert pays[0]["to_state"] == "MISE_EN_PAIEMENT"
    assert pays[0]["reason"] == f"Mise en paiement le {deposited:%d/%m/%Y}"
    human = run(demo_db, "show", "CLI-PAY-1", login="titulaire").stdout
    assert f"Mise en paiement le {deposited:%d/%m/%Y}, dans le délai" in human


def test_show_json_gives_the_interest_of_an_unpaid_late_piece(demo_db):
    piece = _deposit(demo_db, "CLI-PAY-2")
    today = date.fromisoformat(piece["deposited_at"][:10])
    # the clock started 40 days ago: due 10 days ago, 10 days late
    started = today - timedelta(days=40)
    with sqlite3.connect(demo_db) as conn:
        conn.execute(
            "UPDATE dossiers SET moe_available_on = ? WHERE id = ?",
            (started.isoformat(), piece["dossier_id"]),
        )
    shown = json.loads(run(demo_db, "--json", "show", "CLI-PAY-2", login="titulaire").stdout)
    late = shown["payment"]["late"]
    assert late["days"] == 10
    # 12 000,00 TTC × (ECB rate of the half-year + 8) % × 10 / 365, rounded half-up
    rate = Decimal(late["rate"])
    assert rate == Decimal(late["ecb_rate"]) + 8
    expected = (Decimal("12000.00") * rate * 10 / 36500).quantize(Decimal("0.01"))
    assert late["interest"] == str(expected)
    assert late["indemnity"] == "40.00"
    assert late["total"] == str(expected + Decimal("40.00"))
    human = run(demo_db, "show", "CLI-PAY-2", login="titulaire").stdout
    assert "Intérêts moratoires (estimation)" in human
    assert "échéance dépassée de 10 j" in human
    stock = json.loads(run(demo_db, "--json", "stock", login="sf").stdout)
    assert stock["late_payments"]["count"] >= 1
    assert Decimal(stock["late_payments"]["total"]) >= expected + 40


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
