"""`decompte process complete` with documents, in subprocesses (issue #12, part 2): the
depositor of a suspended piece supplies an attachment and a new file; the MOE it goes back
to reads the history and downloads them."""

from __future__ import annotations

import json

from test_cli import run

from decompte.sdk.demo import demo_pdf


def _deposit_and_suspend(db, tmp_path):
    first = tmp_path / "projet.pdf"
    first.write_bytes(demo_pdf("projet cli 1", ["premier"]))
    out = run(
        db,
        "deposit",
        "--cadre",
        "A4",
        "--number",
        "CPL-CLI",
        "--date",
        "2026-11-20",
        "--marche",
        "2026-ECO-001",
        "--line",
        "20:1 000,00",
        "--iban",
        "FR7630006000011234567890189",
        "--file",
        str(first),
        login="titulaire",
    )
    assert out.returncode == 0, out.stderr
    out = run(db, "process", "suspend", "CPL-CLI", "--comment", "BC manquant", login="moe")
    assert out.returncode == 0, out.stderr
    return first


def test_complete_with_documents_then_the_moe_downloads_them(demo_db, tmp_path):
    first = _deposit_and_suspend(demo_db, tmp_path)
    order, new_file = tmp_path / "bc.pdf", tmp_path / "projet-v2.pdf"
    order.write_bytes(demo_pdf("bon de commande cli", ["BC"]))
    new_file.write_bytes(demo_pdf("projet cli 2", ["second"]))

    out = run(
        demo_db,
        "--json",
        "process",
        "complete",
        "CPL-CLI",
        "--comment",
        "Bon de commande joint",
        "--attach",
        f"{order}:BON_DE_COMMANDE:BC n° 12",
        "--file",
        str(new_file),
        "--service",
        "SERVICES_TECHNIQUES",
        login="titulaire",
    )
    assert out.returncode == 0, out.stderr
    piece = json.loads(out.stdout)["piece"]
    assert (piece["state"], piece["file_name"]) == ("COMPLETEE", "projet-v2.pdf")

    history = run(demo_db, "history", "CPL-CLI", login="moe")
    assert history.returncode == 0, history.stderr
    assert "Pièces jointes ajoutées : bc.pdf (Bon de commande)" in history.stdout
    assert "Fichier de la pièce remplacé : projet.pdf → projet-v2.pdf" in history.stdout

    folder = tmp_path / "moe"
    folder.mkdir()
    out = run(demo_db, "download", "CPL-CLI", "--to", str(folder), login="moe")
    assert out.returncode == 0, out.stderr
    got = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert got == {
        "CPL-CLI-projet-v2.pdf": new_file.read_bytes(),
        "CPL-CLI-projet.pdf": first.read_bytes(),
        "CPL-CLI-bc.pdf": order.read_bytes(),
    }


def test_a_refused_attachment_is_exit_3_and_the_piece_stays_suspended(demo_db, tmp_path):
    _deposit_and_suspend(demo_db, tmp_path)
    bad = tmp_path / "pv.exe"
    bad.write_bytes(b"MZ\x90\x00")
    out = run(
        demo_db,
        "process",
        "complete",
        "CPL-CLI",
        "--comment",
        "PV joint",
        "--attach",
        f"{bad}:PROCES_VERBAL",
        login="titulaire",
    )
    assert out.returncode == 3, out.stderr
    assert "pv.exe" in out.stderr
    shown = json.loads(run(demo_db, "--json", "show", "CPL-CLI", login="titulaire").stdout)
    assert shown["piece"]["state"] == "SUSPENDUE"


def test_only_complete_takes_files(demo_db, tmp_path):
    order = tmp_path / "bc.pdf"
    order.write_bytes(demo_pdf("bc", ["BC"]))
    out = run(demo_db, "process", "take", "PDM-2026-05", "--attach", str(order), login="moe")
    assert out.returncode == 2 and "Compléter" in out.stderr
