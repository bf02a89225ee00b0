"""One vocabulary: what a person reads says « Maîtrise d'œuvre », « Déposant », « en cours »,
never the codes MOE, DEPOSANT, EN_COURS or A8_DECOMPTE_…; the JSON output keeps the codes.
The same cadre reads the same in `show`, `cadres`, the app and the deposit receipt."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from decompte.sdk import vocabulary as V
from decompte.sdk.cadres import BUILTIN_CADRES
from decompte.sdk.cli import main
from decompte.sdk.model import (
    ActorRole,
    IdentifierType,
    MemberRole,
    PaymentMode,
    RoutingMode,
    VatType,
)
from decompte.sdk.states import STATES, Holder

from support import LOGINS

#: A code: capitals joined by underscores (MISE_A_DISPOSITION_MOE, A8_DECOMPTE_GENERAL_…,
#: SERVICE_FINANCIER, EN_COURS), or a one-word role or status code no French sentence uses.
CODE = re.compile(
    r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"
    r"|\b(FOURNISSEUR|COTRAITANT|SOUSTRAITANT|DEPOSANT|TERMINE|REFUSE|TACITE)\b"
    # MOE / MOA alone where a label is expected: a table cell or « (MOE) », not « par la MOE »
    r"|(^|\(|  )(MOE|MOA)(\)|  |$)",
    re.MULTILINE,
)

Run = Callable[..., str]


@pytest.fixture
def cli(demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("DECOMPTE_PASSWORD", "Decompte-Demo-2026")
    monkeypatch.setenv("DECOMPTE_CONFIG", str(demo_db.parent / "absent.toml"))

    def run(who: str, *args: str) -> str:
        capsys.readouterr()
        code = main(["--db", str(demo_db), "--as", LOGINS[who], *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    return run


def raw_codes(text: str, data_values: set[str] = frozenset()) -> list[str]:
    """The codes in a human output, less the user's own data (service codes…)."""
    for value in data_values:
        text = text.replace(value, "")
    return [m.group(0).strip(" ()") for m in CODE.finditer(text)]


def test_no_raw_code_in_the_human_outputs_of_the_demo(cli: Run) -> None:
    states: set[str] = set()  # one piece a state is enough (each command logs in: 0.3 s)
    holders: set[str] = set()
    for who in ("titulaire", "moe", "moa", "sf"):
        page = json.loads(cli(who, "--json", "synthese"))
        assert page["rows"], who
        assert not raw_codes(cli(who, "synthese")), who
        for row in (r for r in page["rows"] if r["state"] not in states):
            states.add(row["state"])
            holders.add(row["holder_role"])
            piece = json.loads(cli(who, "--json", "show", f"#{row['id']}"))["piece"]
            data = {piece["service_code"], piece["number"], piece["engagement"]} - {""}
            for command, ref in (("show", f"#{row['id']}"), ("history", f"#{row['id']}")):
                text = cli(who, command, ref)
                assert not raw_codes(text, data), (who, command, text)
            text = cli(who, "dossier", row["dossier_number"])
            assert not raw_codes(text, data), (who, "dossier", text)
    assert len(states) >= 6
    assert {"MOE", "DEPOSANT"} <= holders  # the demo has pieces awaiting each


def test_the_json_output_keeps_the_codes(cli: Run) -> None:
    page = json.loads(cli("moe", "--json", "synthese"))
    assert {r["state"] for r in page["rows"]} <= set(STATES)  # codes, not labels
    cadres = json.loads(cli("moe", "--json", "cadres"))["cadres"]
    assert {c["depositor"] for c in cadres} >= {"FOURNISSEUR", "MOE"}


def test_cadres_and_states_listings_show_labels(cli: Run) -> None:
    cadres = cli("moe", "cadres")
    assert not raw_codes(cadres)
    assert "Maîtrise d'œuvre" in cadres and "Service financier" in cadres
    states = cli("moe", "states")
    assert not raw_codes(states), states
    assert "Suspendue : informations à compléter" in states


def test_directory_outputs_show_labels(cli: Run) -> None:
    """The marché's identity card, the user's memberships, a structure's card."""
    card = json.loads(cli("moe", "--json", "marche", "show", "2026-ECO-001"))
    services = {line["service_code"] for line in card["identity"]} - {""}
    moa = next(x for x in card["identity"] if x["role"] == "MOA")["structure"]["identifier"]
    for args in (("marche", "show", "2026-ECO-001"), ("user", "me"), ("structure", "show", moa)):
        text = cli("moe", *args)
        assert not raw_codes(text, services), (args, text)
    assert "Maîtrise d'ouvrage" in cli("moe", "marche", "show", "2026-ECO-001")
    assert "gestionnaire principal" in cli("moe", "user", "me")


def test_a_suspended_piece_awaits_the_depositor_by_name(cli: Run) -> None:
    for who in ("titulaire", "soustraitant", "cotraitant"):
        for row in json.loads(cli(who, "--json", "synthese"))["rows"]:
            if row["holder_role"] == "DEPOSANT":
                show = cli(who, "show", f"#{row['id']}")
                assert "(Déposant)" in show and "DEPOSANT" not in show
                return
    pytest.fail("the demo has no piece awaiting its depositor")


def test_every_code_a_screen_shows_has_a_label() -> None:
    from decompte.sdk.documents.inspection import DocumentFormat

    codes = {str(r) for r in ActorRole} | {str(h) for h in Holder if h}
    assert codes <= set(V.ROLE_LABELS)
    assert {str(m) for m in MemberRole} == set(V.MEMBER_LABELS)
    assert {str(v) for v in VatType} == set(V.VAT_TYPE_LABELS)
    assert {str(m) for m in PaymentMode} == set(V.PAYMENT_MODE_LABELS)
    assert {str(f) for f in DocumentFormat} == set(V.FORMAT_LABELS)
    assert {str(f): f.label for f in DocumentFormat} == V.FORMAT_LABELS
    assert {str(t) for t in IdentifierType} == set(V.IDENTIFIER_TYPE_LABELS)
    assert {str(m) for m in RoutingMode} == set(V.ROUTING_MODE_LABELS)
    assert V.role_label("") == "—"
    assert V.role_label("MAITRE_DOUVRAGE_DELEGUE") == "Maitre douvrage delegue"  # a plugin's


def test_every_built_in_cadre_reads_the_same_everywhere() -> None:
    """`show` prints the title, `cadres` and the receipt the document: both from one row."""
    assert {c.code for c in BUILTIN_CADRES} == set(V.CADRE_TEXTS)
    by_short = {c.short: c for c in BUILTIN_CADRES}
    a8, a6 = by_short["A8"], by_short["A6"]
    # seed 001, « Cadres de facturation / Documents déposés »
    assert a8.document == "Projet de décompte général et définitif"
    assert a8.title == "A8 — Projet de décompte général et définitif déposé par un fournisseur"
    assert a6.document == "Pièce de facturation de travaux transmise au service financier"
    assert a6.label.startswith(a6.document)
    for cadre in BUILTIN_CADRES:  # the label names the document it deposits
        assert cadre.label.lower().startswith(cadre.document.lower()), cadre.code
    assert V.deposited_sentence(a8.document, "X1").startswith(
        "Le projet de décompte général et définitif numéro X1"
    )


def test_state_labels_are_the_vocabulary_s() -> None:
    assert all(not CODE.search(s.label) for s in STATES.values())


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("Facture", "la facture"),
        ("État d'acompte", "l'état d'acompte"),
        ("Projet de décompte mensuel", "le projet de décompte mensuel"),
    ],
)
def test_documents_take_their_article(document: str, expected: str) -> None:
    assert V.with_article(document) == expected
    assert V.object_pronoun(document) == ("la" if expected.startswith("la ") else "le")


def test_the_certificate_agrees_with_its_document() -> None:
    """« Le Facture … a été déposé » was printed on every invoice's certificate."""
    assert V.certificate_sentence("Facture", "F-1", "23/11/2026", "CD1") == (
        "La facture numéro F-1 a été déposée le 23/11/2026 ; elle est enregistrée sous le "
        "certificat de dépôt numéro CD1."
    )
    assert V.certificate_sentence("État d'acompte", "E-1", "x", "CD2").startswith(
        "L'état d'acompte numéro E-1 a été déposé le x ; il est enregistré"
    )
