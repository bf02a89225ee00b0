"""One deposit form model for both front-ends: the same deposit typed in the app (keys only)
and given to the CLI's `deposit` command makes the same draft and meets the same findings,
defaults included (recipient and MOE from the identity card, service, engagement, the
supplier's only IBAN, or the previous piece's)."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import (
    USERS,
    choose,
    login,
    open_piece,
    quiet,
    settle,
    tab_to,
    type_text,
    wait_until,
)

from decompte.sdk.cli import build_parser
from decompte.sdk.cli.context import Context
from decompte.sdk.cli.deposit_commands import deposit_request
from decompte.tui.screens.deposer import DeposerPane

pytestmark = pytest.mark.anyio


def cli_deposit(core: Any, who: str, *args: str) -> tuple[Any, list[dict[str, str]]]:
    """The draft and findings of `decompte deposit ARGS` as `who` (dated the core's today,
    as the app's form is), nothing written."""
    today = core.clock().date().isoformat()
    parsed = build_parser().parse_args(["deposit", "--date", today, *args])
    ctx = Context(parsed)
    ctx.__dict__["core"] = core  # the test's core and session instead of a login
    ctx.__dict__["session"] = core.org.open_session(core.org.user(USERS[who]))
    form, draft, attachments = deposit_request(ctx)
    findings = form.check(core, draft, file=parsed.file, attachments=attachments)
    return draft, [f.as_dict() for f in findings]


async def app_draft(pilot: Any) -> tuple[Any, list[dict[str, str]]]:
    await wait_until(pilot, lambda: quiet(pilot.app))
    pane = pilot.app.screen.query_one(DeposerPane)
    draft, unreadable = pane.build_draft()
    assert not unreadable
    return draft, [f.as_dict() for f in pane.findings]


async def test_first_piece_same_draft_and_findings(make_app: Any, core: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "titulaire")
        await pilot.press("f4")
        await settle(pilot)
        await choose(pilot, "dep-cadre", "A4")
        await choose(pilot, "dep-marche", "2026-ECO")
        await tab_to(pilot, "dep-number")
        await type_text(pilot, "PAR 1/é")  # a bad number: one finding to compare
        row = app.screen.query("VatLineRow").first()
        await tab_to(pilot, f"base-{row.n}")
        await type_text(pilot, "18250,40")
        typed, typed_findings = await app_draft(pilot)
    given, given_findings = cli_deposit(
        core,
        "titulaire",
        *("--cadre", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "--marche", "2026-ECO-001"),
        *("--number", "PAR 1/é", "--line", "20:18250,40", "--discount", "0,00"),
    )
    assert typed == given
    assert typed_findings == given_findings
    assert any(f["rule_id"] == "number.format" for f in given_findings)
    # the defaults both took: the identity card's recipient and MOE, the MOA's service, the
    # marché's engagement and the supplier's only bank account
    assert given.recipient_identifier and given.moe_identifier and given.moa_identifier
    assert given.service_code == "SERVICES_TECHNIQUES"
    assert given.engagement and given.iban


async def test_next_piece_same_draft_and_findings(make_app: Any, core: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_piece(pilot, "moe", "PDM-2026-04")
        await pilot.press("n")
        await settle(pilot)
        await choose(pilot, "dep-cadre", "A15")
        await tab_to(pilot, "dep-number")
        await type_text(pilot, "EA-PAR-1")
        typed, typed_findings = await app_draft(pilot)
    moe = core.org.open_session(core.org.user(USERS["moe"]))
    prev = core.queries.find_piece(moe, "PDM-2026-04")
    lines = [f"{line.rate}:{line.base}" for line in prev.vat_lines]
    given, given_findings = cli_deposit(
        core,
        "moe",
        *("--after", "PDM-2026-04", "--cadre", "A15_ETAT_ACOMPTE_MOE", "--number", "EA-PAR-1"),
        *(x for line in lines for x in ("--line", line)),
        *("--discount", "0,00"),
    )
    assert typed == given
    assert typed_findings == given_findings
    assert given.iban  # carried over from the previous piece
