"""What another user stored never acts on a reader's terminal or file system: every command
prints hostile stored text neutralised (text and JSON), and downloads and certificates land
inside the chosen folder under plain names, never replacing a file without --overwrite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hostile import HOSTILE, MARKUP, poison, poison_piece_numbers, unsafe_in
from test_cli import run

from support import LOGINS


def _first_piece_with_file(db: Path, attachment: str = "pv.pdf") -> int:
    """A piece the MOE may download, given one attachment named `attachment`."""
    with sqlite3.connect(db) as conn:
        (piece_id,) = conn.execute(
            "SELECT min(id) FROM pieces WHERE file_sha256 IS NOT NULL AND moe_structure_id = "
            "(SELECT structure_id FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE u.login = ?)",
            (LOGINS["moe"],),
        ).fetchone()
        conn.execute(
            "INSERT INTO attachments (piece_id, sha256, name, kind, designation, size) "
            "SELECT id, file_sha256, ?, 'PV', 'PV', 1 FROM pieces WHERE id = ?",
            (attachment, piece_id),
        )
    return int(piece_id)


@pytest.fixture
def hostile_db(demo_db: Path) -> Path:
    poison(demo_db)
    return demo_db


READS = [
    ("moe", ["synthese"]),
    ("moe", ["synthese", "--all-structures"]),
    ("moe", ["search", "--role", "MOE"]),
    ("titulaire", ["search"]),
    ("moe", ["show", "#1"]),
    ("moe", ["history", "#1"]),
    ("moe", ["dossier", "#1"]),
    ("moe", ["stock"]),
    ("moe", ["archives"]),
    ("moe", ["fiscal", "--from", "2026-01-01", "--to", "2026-12-31"]),
    ("moe", ["marche", "list"]),
    ("titulaire", ["user", "me"]),
    ("", ["structure", "search", "--name", "*"]),
    ("titulaire", ["service", "list"]),
    ("titulaire", ["bank", "list"]),
]


@pytest.mark.parametrize(("login", "args"), READS, ids=lambda v: "-".join(v) if v else "anon")
def test_stored_hostile_text_is_printed_neutralised(
    hostile_db: Path, login: str, args: list[str]
) -> None:
    out = run(hostile_db, *args, login=login)
    assert out.returncode == 0, out.stderr
    assert unsafe_in(out.stdout) == [] and unsafe_in(out.stderr) == []
    as_json = run(hostile_db, "--json", *args, login=login)
    assert as_json.returncode == 0, as_json.stderr
    assert unsafe_in(as_json.stdout) == []
    json.loads(as_json.stdout)  # still valid JSON


def test_json_keeps_the_exact_stored_value(hostile_db: Path) -> None:
    out = run(hostile_db, "--json", "show", "#1", login="moe")
    piece = json.loads(out.stdout)["piece"]
    assert piece["number"] == HOSTILE + "1"  # escaped on the wire, exact once parsed


def test_text_output_shows_markup_and_escapes_literally(hostile_db: Path) -> None:
    out = run(hostile_db, "history", "#1", login="moe")
    assert MARKUP in out.stdout and "\\u001b[2J" in out.stdout and "\\u202e" in out.stdout


def test_an_error_quoting_a_stored_value_is_neutralised(hostile_db: Path) -> None:
    with sqlite3.connect(hostile_db) as conn:
        (number,) = conn.execute("SELECT number FROM marches ORDER BY id LIMIT 1").fetchone()
    out = run(hostile_db, "marche", "show", number + "\x1b]0;x\x07", login="moe")
    assert out.returncode != 0
    assert unsafe_in(out.stdout + out.stderr) == []


# -- files ---------------------------------------------------------------------------------

HOSTILE_NUMBERS = [
    "/etc/x",
    "../../x",
    "a/../../b",
    "nul\x00byte",
    "n" * 300,
    "CON",
    ".bashrc",
    "-rf",
    "été-Ünïcode",
    "fact\u202eure",
    "/",
]


def outside(tmp_path: Path, folder: Path, store: Path) -> set[Path]:
    """Every file under `tmp_path` but the download folder and the store's own files (SQLite
    creates and removes its -wal and -shm beside the store as connections come and go)."""
    return {
        p
        for p in tmp_path.rglob("*")
        if not p.is_relative_to(folder) and not p.name.startswith(store.name)
    }


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_download_stays_inside_the_folder_whatever_the_piece_number(
    demo_db: Path, tmp_path: Path, number: str
) -> None:
    piece_id = _first_piece_with_file(demo_db, "../../../evil.pdf")
    poison_piece_numbers(demo_db, {piece_id: number})
    folder = tmp_path / "dl"
    folder.mkdir()
    before = outside(tmp_path, folder, demo_db)
    out = run(demo_db, "--json", "download", f"#{piece_id}", "--to", str(folder), login="moe")
    assert out.returncode == 0, out.stderr
    written = [Path(p) for p in json.loads(out.stdout)["files"]]
    assert len(written) >= 2 and all(p.parent == folder for p in written)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written)
    for p in written:
        assert not p.name.startswith((".", "-")) and unsafe_in(p.name) == []
    assert outside(tmp_path, folder, demo_db) == before


def test_download_never_overwrites_without_the_option(demo_db: Path, tmp_path: Path) -> None:
    piece_id = _first_piece_with_file(demo_db)
    folder = tmp_path / "dl"
    folder.mkdir()
    first = run(demo_db, "--json", "download", f"#{piece_id}", "--to", str(folder), login="moe")
    written = [Path(p) for p in json.loads(first.stdout)["files"]]
    written[-1].write_bytes(b"my notes")
    for p in written[:-1]:
        p.unlink()
    again = run(demo_db, "download", f"#{piece_id}", "--to", str(folder), login="moe")
    assert again.returncode == 6 and "--overwrite" in again.stderr
    assert [p.name for p in folder.iterdir()] == [written[-1].name]  # nothing written
    assert written[-1].read_bytes() == b"my notes"
    forced = run(
        demo_db, "download", f"#{piece_id}", "--to", str(folder), "--overwrite", login="moe"
    )
    assert forced.returncode == 0, forced.stderr
    assert written[-1].read_bytes() != b"my notes"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written)


def test_download_to_a_file_or_a_missing_folder_is_a_named_error(
    demo_db: Path, tmp_path: Path
) -> None:
    piece_id = _first_piece_with_file(demo_db)
    a_file = tmp_path / "a-file"
    a_file.write_text("keep")
    out = run(demo_db, "download", f"#{piece_id}", "--to", str(a_file), login="moe")
    assert out.returncode == 2 and "n'est pas un dossier" in out.stderr
    assert a_file.read_text() == "keep"
    out = run(demo_db, "download", f"#{piece_id}", "--to", str(tmp_path / "absent"), login="moe")
    assert out.returncode == 5 and "n'existe pas" in out.stderr
    assert not (tmp_path / "absent").exists()


def test_certificate_out(demo_db: Path, tmp_path: Path) -> None:
    piece_id = _first_piece_with_file(demo_db)
    out = run(
        demo_db,
        "certificate",
        f"#{piece_id}",
        "--out",
        str(tmp_path / "absent" / "c.pdf"),
        login="moe",
    )
    assert out.returncode == 5 and "n'existe pas" in out.stderr
    target = tmp_path / "c.pdf"
    target.write_bytes(b"mine")
    out = run(demo_db, "certificate", f"#{piece_id}", "--out", str(target), login="moe")
    assert out.returncode == 6 and target.read_bytes() == b"mine"
    out = run(
        demo_db, "certificate", f"#{piece_id}", "--out", str(target), "--overwrite", login="moe"
    )
    assert out.returncode == 0 and target.read_bytes().startswith(b"%PDF")
    out = run(demo_db, "--json", "certificate", f"#{piece_id}", "--out", str(tmp_path), login="moe")
    assert out.returncode == 0, out.stderr
    assert Path(json.loads(out.stdout)["path"]).parent == tmp_path
