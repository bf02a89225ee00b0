"""The seeds' circuits replayed headless, end to end, through the `decompte` command.

Each actor acts as the seeds tell it (webinars 000 and 001: situations 1, 3 and 4, end of
contract, refusals, suspension, sub- and co-contracting validation), with its demo login and
the password in DECOMPTE_PASSWORD, on a scratch store made by ``decompte init --demo``. After
every step the piece is in the seeds' state and its history (``history --json``) gained
exactly one event for the action; a deposit after a piece also adds exactly one event to that
piece (it becomes « associée »). Every command is a subprocess, as a script would run it.

Not replayed here (other parts of issue #12 change them): the tacit procedure, completion
with attachments, the deadline sweep and ``--today``, payment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from decompte.sdk.demo import demo_pdf

from support import LOGINS

PASSWORD = "Decompte-Demo-2026"
ECO, GYM, VOI = "2026-ECO-001", "2026-GYM-002", "2025-VOI-014"
CONFLICT = 6  # errors.Conflict.exit_code: someone acted first


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DECOMPTE_PASSWORD": PASSWORD,
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",  # no user configuration
    }


def _command(db: Path, args: tuple[str, ...], login: str) -> list[str]:
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db)]
    if login:
        cmd += ["--as", LOGINS[login]]
    return cmd + list(args)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``decompte init --demo`` for the module; each test replays on its own copy."""
    db = tmp_path_factory.mktemp("seed-circuits") / "demo.db"
    done = subprocess.run(
        _command(db, ("init", "--demo"), ""), capture_output=True, text=True, env=_env()
    )
    assert done.returncode == 0, done.stderr
    return db


@dataclass
class Replay:
    """The CLI against one scratch store; what each command did is recorded, so that each
    piece's history (``history --json``) can be checked to hold one event per action."""

    db: Path
    pdf: Path
    events: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    viewers: dict[str, str] = field(default_factory=dict)
    dossiers: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, login: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _command(self.db, args, login), capture_output=True, text=True, env=_env(), timeout=60
        )

    def json(self, *args: str, login: str) -> dict:
        done = self.run("--json", *args, login=login)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def deposit(
        self, who: str, cadre: str, number: str, state: str, *, marche: str = ECO, after: str = ""
    ) -> dict:
        """`who` deposits `number` (initial on `marche`, or after the piece `after`, which
        becomes « associée »); the new piece is in `state`."""
        where = ["--after", after] if after else ["--marche", marche]
        piece = self.json(
            "deposit",
            "--cadre",
            cadre,
            "--number",
            number,
            "--date",
            date.today().isoformat(),
            *where,
            "--line",
            "20:10 000,00",
            "--engagement",
            "EJ2026000123" if marche == ECO else "",
            "--service",
            "SERVICES_TECHNIQUES",
            "--file",
            str(self.pdf),
            "--confirm",  # an amount differing from the previous piece's is only a warning
            login=who,
        )["piece"]
        assert (piece["number"], piece["state"]) == (number, state)
        self.events[number] = [("deposit", state)]
        self.viewers[number] = who
        self.dossiers[number] = piece["dossier_number"]
        if after:
            self.events[after].append(("associate", "ASSOCIEE"))
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
        ("A6", "MISE_A_DISPOSITION_SERVICE_FINANCIER", "sf", "PRISE_EN_COMPTE_SERVICE_FINANCIER"),
    ],
    ids=["by-moe", "by-moa", "by-service-financier"],
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
            _command(r.db, ("--json", "process", "take", "RACE-1"), "moe"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
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
