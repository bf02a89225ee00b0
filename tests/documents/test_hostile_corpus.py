"""Hostile files (issue 17): PDF and XML bombs, loops, encrypted, truncated and renamed files.

Each gets a named verdict (its rule id, a French message, exit 0, 2 or 3, never a traceback)
through `file inspect` in a subprocess, as the piece file of a deposit and as an attachment,
and a refused deposit leaves the store as it was. The verdict is counted in work units: a
slow clock or a busy processor does not change it; the time safety net, when it fires, says
« réessayez » and is no verdict. The files are built here (tests/documents/hostile.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from decompte.sdk.documents import DocumentError, ReadDeadlineError, inspect_file
from decompte.sdk.errors import ValidationRefused
from decompte.sdk.files_check import AttachmentInput
from decompte.sdk.store.schema import events, files, pieces

from . import hostile

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
KEYS = [
    "pdf_100k_pages",
    "pdf_deep_page_tree",
    "pdf_kids_fanout_1m",
    "pdf_page_tree_cycle",
    "pdf_nested_dicts",
    "pdf_nested_arrays",
    "pdf_flate_bomb_4gb",
    "pdf_flate_object_stream",
    "pdf_many_object_streams",
    "pdf_objstm_blank_run",
    "pdf_xref_loop",
    "pdf_xref_250k_entries",
    "pdf_encrypted",
    "pdf_truncated",
    "pdf_text_renamed",
    "pdf_javascript",
    "pdf_embedded_exe",
    "facturx_billion_laughs",
    "facturx_million_elements",
    "xml_billion_laughs",
    "xml_quadratic_blowup",
    "xml_xxe_file",
    "xml_xxe_http",
    "xml_external_dtd",
    "xml_parameter_entity",
    "xml_utf16_laughs",
    "xml_million_elements",
    "xml_depth_100k",
    "xml_100k_attributes",
    "xml_huge_text",
    "xml_malformed",
    "xml_undefined_entity",
    "png_text_renamed",
]


@pytest.fixture(scope="session")
def hostile_files(corpus: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """key -> (Hostile, path), written once per session."""
    folder = tmp_path_factory.mktemp("hostile")
    out = {}
    for item in hostile.hostile_corpus(corpus):
        path = folder / item.name
        path.write_bytes(item.data)
        out[item.key] = (item, path)
    return out


def test_the_corpus_is_complete(hostile_files) -> None:
    assert sorted(hostile_files) == sorted(KEYS)


# --- file inspect, as a person or a script runs it --------------------------------------


def inspect_cli(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DECOMPTE_CONFIG": os.devnull + ".absent.toml"}
    command = [sys.executable, "-m", "decompte.sdk.cli", "--json", "file", "inspect", str(path)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def cli_problem(item: hostile.Hostile, done: subprocess.CompletedProcess[str]) -> str:
    """What is wrong with the command's answer on `item` ("" when it is a named verdict)."""
    output = done.stdout + done.stderr
    if "Traceback" in output or "Erreur interne" in output:
        return "internal error: " + output[-300:]
    if "root:x:0" in output:
        return "/etc/passwd was read"
    if done.returncode == 2:
        error = json.loads(done.stderr)
        if error["rule_id"] != item.rule or not (error["message"] and error["hint"]):
            return f"error {error}"
        return "" if error["field"] in ("file", "file_name") else f"field {error['field']}"
    if done.returncode != 0:
        return f"exit {done.returncode}: {output[-300:]}"
    findings = json.loads(done.stdout)["findings"]
    named = [f for f in findings if f["rule_id"] == item.rule and f["message"] and f["hint"]]
    if not named or named[0]["severity"] not in ("error", "warning"):
        return f"findings {[f['rule_id'] for f in findings]}"
    return ""


def test_file_inspect_names_the_verdict_of_each(hostile_files) -> None:
    """`decompte --json file inspect` on every file (two at a time: one per core)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = dict(
            zip(KEYS, pool.map(lambda k: inspect_cli(hostile_files[k][1]), KEYS), strict=True)
        )
    problems = {key: cli_problem(hostile_files[key][0], done) for key, done in answers.items()}
    assert {key: text for key, text in problems.items() if text} == {}
    assert {done.returncode for done in answers.values()} == {0, 2}


def inspect_all(paths: dict[str, Path]) -> dict[str, tuple[str, list[str]]]:
    """key -> (verdict: the error's rule id, else the blocking findings' ones; the texts)."""
    out = {}
    for key, path in paths.items():
        try:
            found = inspect_file(path)
        except ReadDeadlineError:
            out[key] = ("file.retry", [])
        except DocumentError as exc:
            out[key] = (exc.rule_id, [exc.message, exc.hint])
        else:
            rules = sorted(f.rule_id for f in found.findings if f.severity != "info")
            out[key] = (" ".join(rules), [t for f in found.findings for t in (f.message, f.hint)])
    return out


# --- deposit: as the piece file, then as an attachment -------------------------------------


def store_state(core: Any) -> tuple[Any, ...]:
    with core.store.read() as conn:
        rows = tuple(
            conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (pieces, events, files)
        )
    blobs = sorted(p.name for p in core.store.files.root.rglob("*") if p.is_file())
    return rows, blobs


@pytest.mark.parametrize("key", KEYS)
def test_deposit_refuses_it_as_piece_file_and_as_attachment(
    hostile_files, samples, core, as_, draft, key: str
) -> None:
    item, path = hostile_files[key]
    before = store_state(core)
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(as_("titulaire"), draft(A4, "HOSTILE-1"), file=path)
    found = [f for f in raised.value.findings if f.rule_id == item.rule]
    assert found and found[0].field in ("file", "file_name") and found[0].message
    assert store_state(core) == before

    attachment = AttachmentInput(path, "AUTRE", "pièce hostile")
    with pytest.raises(ValidationRefused) as raised:
        core.workflow.deposit(
            as_("titulaire"),
            draft(A4, "HOSTILE-2"),
            file=samples["facture.pdf"],
            attachments_in=[attachment],
        )
    found = [f for f in raised.value.findings if f.rule_id == item.attachment_rule]
    assert found, [f.rule_id for f in raised.value.findings]
    assert found[0].field == "attachments[0]" and found[0].message.startswith(item.name)
    assert found[0].hint
    assert store_state(core) == before


def test_deposit_command_refuses_hostile_files_by_name(hostile_files, samples, demo_db) -> None:
    """The same through the command line: exit 3, the findings in JSON, no traceback."""
    laughs, laughs_path = hostile_files["xml_billion_laughs"]
    bomb, bomb_path = hostile_files["pdf_flate_bomb_4gb"]
    env = {
        **os.environ,
        "DECOMPTE_PASSWORD": "Decompte-Demo-2026",
        "DECOMPTE_CONFIG": os.devnull + ".absent.toml",
    }
    base = [sys.executable, "-m", "decompte.sdk.cli", "--db", str(demo_db), "--json"]
    base += ["--as", "luc.durand@batiments-durand.fr", "deposit", "--cadre", "A4"]
    base += ["--date", "2026-11-20", "--marche", "2026-ECO-001", "--line", "20:1000"]
    base += ["--iban", "FR7630006000011234567890189", "--engagement", "EJ2026000123"]
    piece = str(samples["facture.pdf"])
    runs = {
        laughs.rule: [*base, "--number", "H-1", "--file", str(laughs_path)],
        bomb.attachment_rule: [
            *base,
            "--number",
            "H-2",
            "--file",
            piece,
            "--attach",
            str(bomb_path),
        ],
    }
    for rule, command in runs.items():
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert "Traceback" not in done.stdout + done.stderr
        assert done.returncode == 3, done.stderr
        assert rule in [f["rule_id"] for f in json.loads(done.stderr)["findings"]]


# --- the verdict does not depend on the machine's load ---------------------------------------

GOOD = ("facture.pdf", "facture-100p.pdf", "facturx.pdf", "facture-cii.xml")
# The files that cost the most work: a deadline would have judged them by the machine's load.
HEAVY = [
    "pdf_100k_pages",
    "pdf_kids_fanout_1m",
    "pdf_nested_dicts",
    "facturx_million_elements",
    "xml_million_elements",
    "xml_100k_attributes",
]


def assert_expected(verdicts: dict[str, tuple[str, list[str]]], hostile_files) -> None:
    for key, (rules, _) in verdicts.items():
        if key in GOOD:
            assert rules == "", (key, rules)
        else:
            assert hostile_files[key][0].rule in rules.split(), (key, rules)


def test_verdicts_in_french_the_same_with_a_clock_four_times_slower(
    hostile_files, samples, monkeypatch
) -> None:
    """A machine four times slower (its clock seems to run four times faster) gets the same
    verdicts, the safety net never fires; and every message and hint is French: what pypdf,
    lxml or expat said in English stays in the debug log."""
    from decompte.sdk.documents import limits

    real = limits._clock
    monkeypatch.setattr(limits, "_clock", lambda: real() * 4)
    paths = {key: path for key, (_, path) in hostile_files.items()}
    verdicts = inspect_all(paths | {name: samples[name] for name in GOOD})
    assert_expected(verdicts, hostile_files)
    english = ("error", "Error", "limit reached", "not well-formed", "invalid token", "Limit")
    for key, (_, texts) in verdicts.items():
        assert key in GOOD or any(texts), key
        for text in texts:
            assert not any(word in text for word in english), (key, text)


def test_same_verdicts_while_the_processor_is_busy(hostile_files, samples) -> None:
    burn = [sys.executable, "-c", "while True: pass"]
    burners = [subprocess.Popen(burn) for _ in range(3)]
    try:
        paths = {key: hostile_files[key][1] for key in HEAVY}
        verdicts = inspect_all(paths | {name: samples[name] for name in GOOD})
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert_expected(verdicts, hostile_files)


def test_the_time_safety_net_says_retry_and_is_no_verdict(
    hostile_files, core, as_, draft, monkeypatch
) -> None:
    """When the wall clock runs out (here: it jumps 1000 s at each look), the read stops with
    « réessayez » (file.retry, exit 2); a deposit raises it instead of recording a finding."""
    from decompte.sdk.documents import limits

    ticks = iter(range(0, 10**9, 1000))
    monkeypatch.setattr(limits, "_clock", lambda: next(ticks))
    _, path = hostile_files["pdf_100k_pages"]
    with pytest.raises(ReadDeadlineError) as raised:
        inspect_file(path)
    assert raised.value.rule_id == "file.retry" and "réessayez" in raised.value.hint
    assert raised.value.as_dict()["rule_id"] == "file.retry"
    before = store_state(core)
    with pytest.raises(ReadDeadlineError):
        core.workflow.deposit(as_("titulaire"), draft(A4, "RETRY-1"), file=path)
    assert store_state(core) == before


def test_xml_with_millions_of_elements_is_refused_before_any_tree(hostile_files) -> None:
    """Peak resident memory of a fresh process inspecting the 10 MB XML of 2.6 million
    elements stays under 150 MB (it reached 363 MB when the tree was built first)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux /proc")
    _, path = hostile_files["xml_million_elements"]
    script = (
        "import sys\n"
        "from decompte.sdk.documents import ResourceLimitError, inspect_file\n"
        "try:\n    inspect_file(sys.argv[1])\nexcept ResourceLimitError as exc:\n"
        "    print(exc.rule_id)\n"
        "with open('/proc/self/status') as status:\n"
        "    print(next(l.split()[1] for l in status if l.startswith('VmHWM:')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    rule, peak_kib = done.stdout.split()
    assert rule == "xml.limit.elements"
    assert int(peak_kib) < 150 * 1024
