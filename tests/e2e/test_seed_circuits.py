"""The seeds' circuits replayed headless, end to end, through the `decompte` command.

Each actor acts as the seeds tell it (webinars 000 and 001: situations 1, 3 and 4, end of
contract, refusals, suspension, sub- and co-contracting validation), with its demo login and
the password in DECOMPTE_PASSWORD, on a scratch store made by ``decompte init --demo``. After
every step the piece is in the seeds' state and its history (``history --json``) gained
exactly one event for the action; a deposit after a piece also adds exactly one event to that
piece (it becomes « associée », or « remplacée » for the piece an A22 replaces). Every command
is a subprocess, as a script would run it, at a day the test sets with ``--today`` (time is an
input: the tacit procedure's windows, the validator's 15 days run out by ``decompte sweep``,
the payment deadline and its late-payment interest are replayed at chosen days).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from test_cli import cli_command, cli_env

from decompte.sdk.demo import demo_pdf

ECO, GYM, VOI = "2026-ECO-001", "2026-GYM-002", "2025-VOI-014"
CONFLICT = 6  # errors.Conflict.exit_code: someone acted first


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``decompte init --demo`` for the module; each test replays on its own copy."""
    db = tmp_path_factory.mktemp("seed-circuits") / "demo.db"
    done = subprocess.run(
        cli_command(db, ("init", "--demo"), ""), capture_output=True, text=True, env=cli_env()
    )
    assert done.returncode == 0, done.stderr
    return db


@dataclass
class Replay:
    """The CLI against one scratch store; what each command did is recorded, so that each
    piece's history (``history --json``) can be checked to hold one event per action."""

    db: Path
    pdf: Path
    today: date = field(default_factory=date.today)
    events: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    viewers: dict[str, str] = field(default_factory=dict)
    dossiers: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, login: str = "") -> subprocess.CompletedProcess[str]:
        """The command at the replay's day (``--today``)."""
        dated = ("--today", self.today.isoformat(), *args)
        return subprocess.run(
            cli_command(self.db, dated, login),
            capture_output=True,
            text=True,
            env=cli_env(),
            timeout=60,
        )

    def advance(self, days: int) -> None:
        self.today += timedelta(days=days)

    def json(self, *args: str, login: str) -> dict:
        done = self.run("--json", *args, login=login)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def deposit(
        self,
        who: str,
        cadre: str,
        number: str,
        state: str,
        *,
        marche: str = ECO,
        after: str = "",
        previous_becomes: str = "ASSOCIEE",
        attach: tuple[str, ...] = (),
    ) -> dict:
        """`who` deposits `number` (initial on `marche`, or after the piece `after`, which
        becomes `previous_becomes`); the new piece is in `state`."""
        where = ["--after", after] if after else ["--marche", marche]
        piece = self.json(
            "deposit",
            "--cadre",
            cadre,
            "--number",
            number,
            "--date",
            self.today.isoformat(),
            *where,
            "--line",
            "20:10 000,00",
            "--engagement",
            "EJ2026000123" if marche == ECO else "",
            "--service",
            "SERVICES_TECHNIQUES",
            "--file",
            str(self.pdf),
            *attach,
            "--confirm",  # an amount differing from the previous piece's is only a warning
            login=who,
        )["piece"]
        assert (piece["number"], piece["state"]) == (number, state)
        self.events[number] = [("deposit", state)]
        self.viewers[number] = who
        self.dossiers[number] = piece["dossier_number"]
        if after:
            self.events[after].append(("associate", previous_becomes))
        return piece

    def process(self, who: str, action: str, number: str, state: str, *extra: str) -> dict:
        """`who` applies `action` to `number`, which ends in `state`."""
        piece = self.json("process", action, number, *extra, login=who)["piece"]
        assert piece["state"] == state
        self.events[number].append((action, state))
        return piece

    def check_histories(self) -> None:
        """Each piece's history is exactly the events of the actions done on it, in order:
        one per action, none lost, none doubled."""
        for number, expected in self.events.items():
            history = self.json("history", number, login=self.viewers[number])["events"]
            assert [(e["action"], e["to_state"]) for e in history] == expected, number

    def dossier_status(self, number: str, viewer: str) -> str:
        return str(self.json("dossier", self.dossiers[number], login=viewer)["status"])


@pytest.fixture
def replay(demo_store: Path, tmp_path: Path) -> Replay:
    db = tmp_path / "demo.db"
    shutil.copy(demo_store, db)
    shutil.copytree(f"{demo_store}.files", f"{db}.files")
    pdf = tmp_path / "piece.pdf"
    pdf.write_bytes(demo_pdf("circuit", ["rejoué par la ligne de commande"]))
    return Replay(db, pdf)


# -- in-contract: situations 1, 3 and 4 (seed 001 « Pré-requis [3/6] ») ---------------------------


def test_situation_1_each_actor_deposits_its_own_piece(replay: Replay) -> None:
    r = replay
    r.deposit("titulaire", "A4", "S1-PDM", "MISE_A_DISPOSITION_MOE")
    r.process("moe", "take", "S1-PDM", "PRISE_EN_COMPTE_MOE")
    r.deposit("moe", "A15", "S1-EA", "MISE_A_DISPOSITION_MOA", after="S1-PDM")
    r.process("moa", "take", "S1-EA", "PRISE_EN_COMPTE_MOA")
    r.deposit("moa", "A19", "S1-EAV", "MISE_A_DISPOSITION_SERVICE_FINANCIER", after="S1-EA")
    r.process("sf", "take", "S1-EAV", "PRISE_EN_COMPTE_SERVICE_FINANCIER")
    assert r.dossier_status("S1-PDM", "titulaire") == "TERMINE"
    r.check_histories()


@pytest.mark.parametrize(
    "cadre, first_state, then",
    [
        # situation 3: the contractor deposits the état d'acompte the MOE produced
        ("A5", "MISE_A_DISPOSITION_MOA", "A19"),
        # situation 4: the contractor deposits the état d'acompte the MOA validated
        ("A6", "MISE_A_DISPOSITION_SERVICE_FINANCIER", ""),
    ],
    ids=["situation-3-A5", "situation-4-A6"],
)
def test_situations_3_and_4_contractor_deposits_for_the_owner_side(
    replay: Replay, cadre: str, first_state: str, then: str
) -> None:
    r = replay
    number = f"S-{cadre}"
    r.deposit("titulaire", cadre, number, first_state)
    last = number
    if then:
        last = f"S-{then}"
        r.deposit("moa", then, last, "MISE_A_DISPOSITION_SERVICE_FINANCIER", after=number)
    r.process("sf", "take", last, "PRISE_EN_COMPTE_SERVICE_FINANCIER")
    assert r.dossier_status(number, "titulaire") == "TERMINE"
    r.check_histories()


# -- end of contract: A7 → A17 → A20, or A7 → A18 (the MOE for the MOA), → A8 ---------------------


@pytest.mark.parametrize(
    "general",
    [
        [
            ("moe", "A17", "MISE_A_DISPOSITION_MOA"),
            ("moa", "A20", "MISE_A_DISPOSITION_FOURNISSEUR"),
        ],
        [("moe", "A18", "MISE_A_DISPOSITION_FOURNISSEUR")],
    ],
    ids=["A17-A20", "A18"],
)
def test_end_of_contract(replay: Replay, general: list[tuple[str, str, str]]) -> None:
    r = replay
    r.deposit("titulaire", "A7", "FIN-PDF", "MISE_A_DISPOSITION_MOE", marche=VOI)
    r.process("moe", "take", "FIN-PDF", "PRISE_EN_COMPTE_MOE")
    previous = "FIN-PDF"
    for who, cadre, state in general:
        number = f"FIN-{cadre}"
        r.deposit(who, cadre, number, state, after=previous)
        previous = number
    r.deposit("titulaire", "A8", "FIN-DGD", "MISE_A_DISPOSITION_SERVICE_FINANCIER", after=previous)
    r.process("sf", "take", "FIN-DGD", "PRISE_EN_COMPTE_SERVICE_FINANCIER")
    assert r.dossier_status("FIN-PDF", "titulaire") == "TERMINE"
    r.check_histories()


# -- refusals (seed 000 annex 3/3), the piece deposited again under a new number ---------------


def test_refused_initial_piece_is_deposited_again_under_a_new_number(replay: Replay) -> None:
    r = replay
    r.deposit("titulaire", "A4", "RF-PDM-1", "MISE_A_DISPOSITION_MOE")
    refused = r.process(
        "moe",
        "refuse",
        "RF-PDM-1",
        "REFUSEE_MOE_ACHEMINEMENT",
        "--motive",
        "ACHEMINEMENT",
        "--reason",
        "Le destinataire n'est pas la MOA du marché",
    )
    assert refused["holder_role"] == "DEPOSANT"  # back to the contractor, who is informed
    assert r.dossier_status("RF-PDM-1", "titulaire") == "REFUSE"
    r.deposit("titulaire", "A4", "RF-PDM-2", "MISE_A_DISPOSITION_MOE")
    r.check_histories()


def test_refused_next_piece_is_deposited_again_after_the_same_piece(replay: Replay) -> None:
    r = replay
    r.deposit("titulaire", "A4", "RN-PDM", "MISE_A_DISPOSITION_MOE")
    for n, motive in enumerate(("ACHEMINEMENT", "AUTRE_MOTIF"), start=1):
        r.deposit("moe", "A15", f"RN-EA-{n}", "MISE_A_DISPOSITION_MOA", after="RN-PDM")
        state = f"REFUSEE_MOA_{motive}"
        r.process("moa", "refuse", f"RN-EA-{n}", state, "--motive", motive, "--reason", "Erroné")
    assert r.dossier_status("RN-PDM", "moe") == "EN_COURS"  # only an initial refusal closes it
    r.deposit("moe", "A15", "RN-EA-3", "MISE_A_DISPOSITION_MOA", after="RN-PDM")
    r.check_histories()


def test_contractor_refuses_the_general_statement_for_another_motive(replay: Replay) -> None:
    r = replay
    r.deposit("titulaire", "A7", "RG-PDF", "MISE_A_DISPOSITION_MOE", marche=VOI)
    r.deposit("moe", "A17", "RG-PDG", "MISE_A_DISPOSITION_MOA", after="RG-PDF")
    r.deposit("moa", "A20", "RG-DG-1", "MISE_A_DISPOSITION_FOURNISSEUR", after="RG-PDG")
    r.process(
        "titulaire",
        "refuse",
        "RG-DG-1",
        "REFUSEE_FOURNISSEUR_AUTRE_MOTIF",
        "--motive",
        "AUTRE_MOTIF",
        "--reason",
        "Montant des révisions contesté",
    )
    r.deposit("moa", "A20", "RG-DG-2", "MISE_A_DISPOSITION_FOURNISSEUR", after="RG-PDG")
    r.check_histories()


def test_service_financier_refuses_for_routing_only(replay: Replay) -> None:
    r = replay
    r.deposit("titulaire", "A6", "SF-EAV", "MISE_A_DISPOSITION_SERVICE_FINANCIER")
    other = r.run(
        "process", "refuse", "SF-EAV", "--motive", "AUTRE_MOTIF", "--reason", "x", login="sf"
    )
    assert other.returncode == 2 and "AUTRE_MOTIF" in other.stderr
    r.process(
        "sf",
        "refuse",
        "SF-EAV",
        "REFUSEE_SERVICE_FINANCIER_ACHEMINEMENT",
        "--motive",
        "ACHEMINEMENT",
        "--reason",
        "Service destinataire erroné",
    )
    r.check_histories()


# -- suspension and completion (seed 000 « Traiter une pièce reçue ») ----------------------------


@pytest.mark.parametrize(
    "cadre, available, suspender, taken",
    [
        ("A4", "MISE_A_DISPOSITION_MOE", "moe", "PRISE_EN_COMPTE_MOE"),
        ("A5", "MISE_A_DISPOSITION_MOA", "moa", "PRISE_EN_COMPTE_MOA"),
        # by the service financier: test_completion_with_the_missing_document_then_paid_late
    ],
    ids=["by-moe", "by-moa"],
)
def test_suspended_piece_is_completed_by_its_depositor_then_taken(
    replay: Replay, cadre: str, available: str, suspender: str, taken: str
) -> None:
    r = replay
    r.deposit("titulaire", cadre, "SU-1", available)
    suspended = r.process(
        suspender, "suspend", "SU-1", "SUSPENDUE", "--reason", "Le bon de commande manque"
    )
    assert suspended["holder_role"] == "DEPOSANT"
    early = r.run("process", "take", "SU-1", login=suspender)
    assert early.returncode != 0  # nothing for the recipient to do while it is suspended
    completed = r.process(
        "titulaire",
        "complete",
        "SU-1",
        "COMPLETEE",
        "--reason",
        "Bon de commande joint",
        "--engagement",
        "EJ2026000999",
    )
    assert completed["engagement"] == "EJ2026000999"
    r.process(suspender, "take", "SU-1", taken)
    r.check_histories()


# -- sub-contracting and co-contracting: the validator, then the MOE (seed 001 annexes 3-4/4) ----


@pytest.mark.parametrize(
    "depositor, cadre, marche, validator",
    [
        ("soustraitant", "A10", ECO, "titulaire"),  # the titulaire validates its sub-contractor
        ("cotraitant", "A13", GYM, "titulaire"),  # the mandataire validates a co-contractor
    ],
    ids=["subcontractor-A10", "cocontractor-A13"],
)
def test_validator_then_moe(
    replay: Replay, depositor: str, cadre: str, marche: str, validator: str
) -> None:
    r = replay
    number = f"V-{cadre}"
    piece = r.deposit(
        depositor, cadre, number, "MISE_A_DISPOSITION_PREMIER_VALIDEUR", marche=marche
    )
    assert piece["holder_role"] == "PREMIER_VALIDEUR"
    mine = r.run("process", "take", number, login="moe")
    assert mine.returncode != 0, mine.stdout  # not the MOE's turn yet
    validated = r.process(validator, "validate", number, "VALIDEE_PAR_PREMIER_VALIDEUR")
    assert validated["holder_role"] == "MOE"
    r.process("moe", "take", number, "PRISE_EN_COMPTE_MOE")
    r.deposit("moe", "A15", f"V-EA-{cadre}", "MISE_A_DISPOSITION_MOA", after=number)
    r.check_histories()


def test_validator_refuses_for_routing(replay: Replay) -> None:
    r = replay
    r.deposit("cotraitant", "A13", "VR-A13", "MISE_A_DISPOSITION_PREMIER_VALIDEUR", marche=GYM)
    refused = r.process(
        "titulaire",
        "refuse",
        "VR-A13",
        "REFUSEE_PREMIER_VALIDEUR_ACHEMINEMENT",
        "--motive",
        "ACHEMINEMENT",
        "--reason",
        "Mauvais marché",
    )
    assert refused["holder_role"] == "DEPOSANT"
    r.check_histories()


# -- two processes take the same piece at once ---------------------------------------------------


def test_two_takes_at_once_one_wins_the_other_gets_the_conflict(replay: Replay) -> None:
    r = replay
    r.deposit("titulaire", "A4", "RACE-1", "MISE_A_DISPOSITION_MOE")
    both = [
        subprocess.Popen(
            cli_command(r.db, ("--json", "process", "take", "RACE-1"), "moe"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(),
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in both]
    codes = [p.returncode for p in both]
    assert sorted(codes) == [0, CONFLICT], outputs
    winner, loser = outputs if codes[0] == 0 else outputs[::-1]
    assert json.loads(winner[0])["piece"]["state"] == "PRISE_EN_COMPTE_MOE"
    assert json.loads(loser[1])["error"] == "Conflict"
    r.events["RACE-1"].append(("take", "PRISE_EN_COMPTE_MOE"))  # one event, not two
    r.check_histories()


# -- the tacit procedure: the owner side lets its window pass (CCAG-Travaux 2021 art. 12.4) -----


def test_tacit_procedure_a22_then_the_definitive_statement(replay: Replay) -> None:
    """The MOE leaves the final draft unanswered: the contractor's A22, early, is a warning
    saying how many days remain; past the window it replaces the A7 (« remplacée »). The
    contractor's A23 that follows leaves the A22 « associée », like any next piece (the MOE's
    A24 and the MOA's A25 do the same: tests/sdk/test_tacit.py, through the engine)."""
    r, who, cadre = replay, "titulaire", "A23"
    r.deposit("titulaire", "A7", "TC-PDF", "MISE_A_DISPOSITION_MOE", marche=VOI)
    r.advance(20)
    early = r.run(
        "--json",
        *("deposit", "--cadre", "A22", "--number", "TC-EARLY", "--after", "TC-PDF"),
        *("--date", r.today.isoformat(), "--line", "20:10 000,00", "--file", str(r.pdf)),
        login="titulaire",
    )
    assert early.returncode == 3, early.stderr  # a warning to confirm, nothing written
    assert "il reste 10 j" in early.stderr
    r.advance(11)  # 31 days: the owner side's 30 days have run out
    r.deposit(
        "titulaire",
        "A22",
        "TC-PDG",
        "MISE_A_DISPOSITION_MOA",
        after="TC-PDF",
        previous_becomes="REMPLACEE_PAR_A22",
    )
    r.advance(11)  # the MOA let its 10 days pass as well
    r.deposit(who, cadre, f"TC-{cadre}", "MISE_A_DISPOSITION_SERVICE_FINANCIER", after="TC-PDG")
    r.process("sf", "take", f"TC-{cadre}", "PRISE_EN_COMPTE_SERVICE_FINANCIER")
    assert r.dossier_status("TC-PDF", "titulaire") == "TERMINE"
    r.check_histories()


# -- time: the validator's 15 days run out (decompte sweep at chosen days) ----------------------


def test_validator_silent_15_days_the_sweep_moves_the_piece_on(replay: Replay) -> None:
    r = replay
    r.deposit("soustraitant", "A10", "HD-A10", "MISE_A_DISPOSITION_PREMIER_VALIDEUR")
    r.advance(15)  # its last day: it stays (the demo's own late pieces move on)
    assert "HD-A10" not in {c["piece"] for c in r.json("sweep", login="")}
    r.advance(1)
    moved = [c for c in r.json("sweep", login="") if c["piece"] == "HD-A10"]
    assert [(c["kind"], c["to_state"]) for c in moved] == [
        ("validation", "VALIDATION_1_HORS_DELAI")
    ]
    r.events["HD-A10"].append(("expire", "VALIDATION_1_HORS_DELAI"))
    assert r.json("sweep", login="") == []  # once: a second run the same day changes nothing
    r.process("moe", "take", "HD-A10", "PRISE_EN_COMPTE_MOE")
    r.check_histories()


# -- completion supplies what was missing; payment, late (seed 000; décret 2013-269) ------------


def test_completion_with_the_missing_document_then_paid_late(replay: Replay, tmp_path) -> None:
    """Situation 4: the service financier suspends the contractor's A6, the contractor
    completes it with the purchase order, the service financier takes it and puts it in
    payment 40 days after it was made available: 10 days late."""
    r = replay
    order = tmp_path / "bon-de-commande.pdf"
    order.write_bytes(demo_pdf("bon de commande", ["n° 12"]))
    r.deposit("titulaire", "A6", "PAY-EAV", "MISE_A_DISPOSITION_SERVICE_FINANCIER")
    r.process("sf", "suspend", "PAY-EAV", "SUSPENDUE", "--reason", "Le bon de commande manque")
    r.advance(2)
    r.process(
        "titulaire",
        "complete",
        "PAY-EAV",
        "COMPLETEE",
        *("--reason", "Bon de commande joint"),
        *("--attach", f"{order}:BON_DE_COMMANDE:Bon de commande n° 12"),
    )
    history = r.json("history", "PAY-EAV", login="sf")["events"]
    assert "bon-de-commande.pdf" in history[-1]["reason"]  # what was added, in the history
    r.process("sf", "take", "PAY-EAV", "PRISE_EN_COMPTE_SERVICE_FINANCIER")
    r.advance(38)
    paid = r.process("sf", "pay", "PAY-EAV", "MISE_EN_PAIEMENT")
    assert paid["state_date"] == r.today.isoformat()
    payment = r.json("show", "PAY-EAV", login="titulaire")["payment"]
    late = payment["late"]
    assert late["days"] == 10
    # 12 000,00 € to pay (10 000,00 HT + 20 % VAT) x (2,15 % ECB + 8 points) x 10 / 365
    by_hand = (Decimal("12000.00") * Decimal("0.1015") * 10 / 365).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    assert by_hand == Decimal("33.37")
    assert (Decimal(late["interest"]), Decimal(late["indemnity"])) == (by_hand, Decimal("40.00"))
    assert r.dossier_status("PAY-EAV", "titulaire") == "TERMINE"
    r.check_histories()
