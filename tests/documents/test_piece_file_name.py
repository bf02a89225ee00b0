"""The piece file's name follows the portal's name rules, like an attachment's: 50 characters
at most (extension included), no path, control or reserved character, and an extension that
says what the content is. A named finding in `file inspect` and in the deposit."""

from __future__ import annotations

from pathlib import Path

import pytest

from decompte.sdk.documents import FileMissingError, InvalidFileNameError, inspect_file
from decompte.sdk.errors import ValidationRefused
from decompte.sdk.findings import Severity

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def name_rules(path: Path) -> list[str]:
    return [f.rule_id for f in inspect_file(path).findings if f.field == "file_name"]


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("a" * 46 + ".pdf", []),  # 50 characters with the extension
        ("a" * 47 + ".pdf", ["file.name.length"]),
        ("Décompte n°3 (mai) — lot 02 charpente bois.pdf", []),
        ("d" * 120 + ".pdf", ["file.name.length"]),
        ("facture", ["file.extension"]),
        ("facture.txt", ["file.extension"]),
        ("b" * 60, ["file.name.length", "file.extension"]),
    ],
)
def test_name_rules_are_findings(samples, tmp_path: Path, name: str, rules: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(samples["facture.pdf"].read_bytes())
    found = [f for f in inspect_file(path).findings if f.field == "file_name"]
    assert [f.rule_id for f in found] == rules
    assert all(f.severity is Severity.ERROR and f.message and f.hint for f in found)


def test_length_message_counts_the_characters(samples, tmp_path: Path) -> None:
    path = tmp_path / ("é" * 51 + ".xml")
    path.write_bytes(samples["facture-cii.xml"].read_bytes())
    (finding,) = [f for f in inspect_file(path).findings if f.rule_id == "file.name.length"]
    assert "55 caractères" in finding.message and "50" in finding.message


@pytest.mark.parametrize("name", ["fac\x1bture.pdf", "fac\u202etxt.pdf", "a|b.pdf", "x.pdf "])
def test_unsafe_name_is_refused_by_name(samples, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(samples["facture.pdf"].read_bytes())
    with pytest.raises(InvalidFileNameError) as caught:
        inspect_file(path)
    assert caught.value.rule_id == "file.name.unsafe"
    assert caught.value.as_dict()["rule_id"] == "file.name.unsafe"


@pytest.mark.parametrize(
    ("name", "rule"),
    [("p" * 47 + ".pdf", "file.name.length"), ("facture.txt", "file.extension")],
)
def test_deposit_refuses_a_bad_piece_file_name(
    samples, core, as_, draft, tmp_path: Path, name: str, rule: str
) -> None:
    path = tmp_path / name
    path.write_bytes(samples["facture.pdf"].read_bytes())
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "NOM-1"), file=path)
    (finding,) = [f for f in raised.value.findings if f.rule_id == rule]
    assert finding.field == "file_name" and finding.severity is Severity.ERROR


def test_system_errors_are_named_in_french(samples, tmp_path: Path) -> None:
    """The operating system's English (« Not a directory ») does not reach the person."""
    with pytest.raises(FileMissingError) as caught:
        inspect_file(samples["facture.pdf"] / "facture.pdf")
    assert "n'est pas un dossier" in caught.value.message
    assert "Not a directory" not in str(caught.value)
