"""Plugins through the CLI: listing, disabling in the config, exporting."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from support import LOGINS

PASSWORD = "Decompte-Demo-2026"


def run(db, config, *args, login=""):
    env = {**os.environ, "DECOMPTE_PASSWORD": PASSWORD}
    cmd = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(db), "--config", str(config)]
    if login:
        cmd += ["--as", LOGINS[login]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=60)


def test_plugins_are_listed_and_can_be_disabled(demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    listed = json.loads(run(demo_db, config, "--json", "plugins").stdout)["plugins"]
    names = {p["name"]: p for p in listed}
    assert {"rules", "cadres", "fec", "csv", "pivot", "webhooks"} <= set(names)
    assert "decompte_rules" in names["rules"]["hooks"]
    config.write_text('[plugins]\ndisabled = ["pivot"]\n', encoding="utf-8")
    listed = json.loads(run(demo_db, config, "--json", "plugins").stdout)["plugins"]
    assert {p["name"]: p["status"] for p in listed}["pivot"] != "chargé"
    refused = run(demo_db, config, "export", "pivot", login="titulaire")
    assert refused.returncode != 0 and "pivot" in refused.stderr


def test_csv_export_of_the_supplier_pieces(demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    out = tmp_path / "pieces.csv"
    done = run(
        demo_db,
        config,
        "export",
        "csv",
        "--out",
        str(out),
        "-o",
        "encoding=utf-8-sig",
        login="titulaire",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    numbers = {r["Numéro"] for r in rows}
    assert {"PDM-2026-01", "PDM-2026-05"} <= numbers
    first = next(r for r in rows if r["Numéro"] == "PDM-2026-03")
    assert first["Montant HT"] == "39780,50"
    assert out.read_bytes().count(b"\r\n") == len(rows) + 1
