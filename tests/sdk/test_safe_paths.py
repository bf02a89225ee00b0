"""Files written for a user from names another user chose: always inside the chosen folder,
under a plain name, and never replacing a file unless asked."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from decompte.sdk import safe_paths
from decompte.sdk.errors import Conflict, NotFound, UsageError
from decompte.sdk.text_safety import first_unsafe

HOSTILE_NAMES = [
    "/etc/x",
    "../../x",
    "a/../../b",
    "..",
    ".",
    "",
    "/",
    "x\x00y.pdf",
    "a" * 300 + ".pdf",
    "é" * 300 + ".pdf",
    "CON",
    "con.txt",
    "LPT1.pdf",
    "nul",
    ".bashrc",
    "-rf",
    "--help.pdf",
    "facture\u202efdp.exe",
    "\u2066x\u2069.pdf",
    "zéro\u200b.pdf",
    "ligne\u2028deux.pdf",
    "\x1b[2Jx.pdf",
    "bell\x07.pdf",
    "C:\\Windows\\x.pdf",
    "trailing. . .",
    'a<b>c:d"e|f?g*h.pdf',
    "日本語の請求書.pdf",
    "x." + "y" * 40,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_any_stored_name_becomes_one_plain_file_name(name: str) -> None:
    safe = safe_paths.safe_name(name)
    assert safe and safe not in {".", ".."}
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert first_unsafe(safe) is None
    assert not safe.startswith((".", "-"))
    assert not safe.endswith((".", " "))
    assert len(safe.encode("utf-8")) <= safe_paths.MAX_NAME_BYTES
    assert safe.split(".")[0].upper() not in {"CON", "NUL", "LPT1", "PRN", "AUX"}
    assert safe == unicodedata.normalize("NFC", safe)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("facture.pdf", "facture.pdf"),
        ("PDM 2026-06.pdf", "PDM 2026-06.pdf"),
        ("/etc/passwd", "_etc_passwd"),
        ("../../x.pdf", "_._.._x.pdf"),
        ("CON.pdf", "_CON.pdf"),
        (".bashrc", "_bashrc"),
        ("-rf", "_rf"),
        ("", "fichier"),
    ],
)
def test_plain_names_are_kept_and_hostile_ones_visibly_changed(name: str, expected: str) -> None:
    assert safe_paths.safe_name(name) == expected


def test_a_long_name_keeps_its_extension() -> None:
    safe = safe_paths.safe_name("é" * 300 + ".pdf")
    assert safe.endswith(".pdf") and safe.startswith("éé")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_written_files_land_inside_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "dl"
    folder.mkdir()
    (written,) = safe_paths.write_new(
        safe_paths.plan(folder, [name]), [lambda: b"data"], field="--to"
    )
    assert written.parent == folder and written.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["dl", written.name])


def test_duplicate_names_in_one_batch_are_numbered(tmp_path: Path) -> None:
    targets = safe_paths.plan(tmp_path, ["PV.pdf", "pv.pdf", "PV.pdf"])
    assert [t.name for t in targets] == ["PV.pdf", "pv (2).pdf", "PV (3).pdf"]


def test_an_existing_file_refuses_the_whole_batch_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"mine")
    targets = safe_paths.plan(tmp_path, ["a.pdf", "b.pdf"])
    with pytest.raises(Conflict) as refused:
        safe_paths.write_new(targets, [lambda: b"1", lambda: b"2"], field="--to")
    assert refused.value.exit_code == 6 and "--overwrite" in refused.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.pdf"]
    assert (tmp_path / "b.pdf").read_bytes() == b"mine"


def test_overwrite_replaces_atomically(tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"old")
    safe_paths.write_new(
        safe_paths.plan(tmp_path, ["b.pdf"]), [lambda: b"new"], overwrite=True, field="--to"
    )
    assert (tmp_path / "b.pdf").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.pdf"]


def test_a_planted_symbolic_link_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / "x.pdf").symlink_to(victim)
    with pytest.raises(Conflict):
        safe_paths.write_new(safe_paths.plan(folder, ["x.pdf"]), [lambda: b"evil"], field="f")
    safe_paths.write_new(
        safe_paths.plan(folder, ["x.pdf"]), [lambda: b"new"], overwrite=True, field="f"
    )
    assert victim.read_bytes() == b"precious"  # the link was replaced, not written through
    assert not (folder / "x.pdf").is_symlink()


def test_a_failure_halfway_removes_what_was_written(tmp_path: Path) -> None:
    def boom() -> bytes:
        raise OSError("disque plein")

    with pytest.raises(OSError):
        safe_paths.write_new(
            safe_paths.plan(tmp_path, ["a.pdf", "b.pdf"]), [lambda: b"1", boom], field="f"
        )
    assert list(tmp_path.iterdir()) == []


def test_folder_errors_are_named(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as missing:
        safe_paths.require_folder(tmp_path / "absent", field="--to")
    assert missing.value.field == "--to" and missing.value.hint
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError):
        safe_paths.require_folder(tmp_path / "file", field="--to")


def test_free_target_numbers_past_existing_files(tmp_path: Path) -> None:
    (tmp_path / "certificat-1.pdf").write_bytes(b"")
    assert safe_paths.free_target(tmp_path, "certificat-1.pdf").name == "certificat-1 (2).pdf"


def test_chosen_target_in_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        safe_paths.chosen_target(tmp_path / "absent" / "c.pdf", "x.pdf", field="--out")
    assert safe_paths.chosen_target(tmp_path, "/etc/c.pdf", field="--out") == (
        tmp_path / "_etc_c.pdf"
    )
    os.chdir(tmp_path)
    assert safe_paths.chosen_target(None, "c.pdf", field="--out") == tmp_path / "c.pdf"
