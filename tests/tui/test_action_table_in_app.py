"""The app's piece keys and action dialog are built from the core's table of actions and the
transition table: same keymap ids as ever, and the motives a plugin's refusal rows admit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import RadioButton
from tui_helpers import open_piece, settle

pytestmark = pytest.mark.anyio

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def test_the_piece_keys_keep_their_ids_keys_and_labels() -> None:
    from decompte.tui.keymap import SPECS

    piece_keys = [
        (s.id, s.keys, s.action, s.description)
        for s in SPECS.values()
        if s.action.startswith("act(")
    ]
    assert piece_keys == [
        ("piece.take", "t", "act('take')", "Prendre en compte"),
        ("piece.refuse", "r", "act('refuse')", "Refuser"),
        ("piece.suspend", "s", "act('suspend')", "Suspendre"),
        ("piece.complete", "c", "act('complete')", "Compléter"),
        ("piece.validate", "v", "act('validate')", "Valider"),
        ("piece.next", "n", "act('associate')", "Pièce suivante"),
        ("piece.pay", "m", "act('pay')", "Mettre en paiement"),
    ]


async def test_the_refuse_dialog_offers_the_motives_of_a_plugins_rows(make_app: Any) -> None:
    from decompte.sdk.states import Action
    from decompte.sdk.transitions import TRANSITIONS, NextHolder, Transition, TransitionTable

    own = Transition(  # a plugin lets the MOE refuse a monthly draft for « autre motif » only
        "MISE_A_DISPOSITION_MOE",
        Action.REFUSE,
        "REFUSEE_MOE_AUTRE_MOTIF",
        "MOE",
        holder=NextHolder.DEPOSITOR,
        motive="AUTRE_MOTIF",
        cadre=A4,
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        core = await asyncio.to_thread(app.backend.wait)  # the app's own core, once open
        core.workflow.transitions = TransitionTable([*TRANSITIONS, own])
        await open_piece(pilot, "moe", "PDM-2026-05")
        await pilot.press("r")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionModal"
        offered = [b.name for b in app.screen.query(RadioButton)]
        assert offered == ["AUTRE_MOTIF"]
