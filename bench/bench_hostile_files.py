"""Bench for hostile files: the verdict, time and peak memory of each, as piece and attachment.

    python bench/bench_hostile_files.py

Builds the corpus of tests/documents/hostile.py (PDF and XML bombs, loops, encrypted,
truncated and renamed files) in a temporary folder, then reads each file in a fresh
process, once as the piece file (`inspect_file`) and once as an attachment
(`check_attachment`). Time is the read alone (the libraries are imported before the clock
starts); peak is the child's VmHWM (its maximum resident set since exec, whole process:
python and the libraries weigh about 50 MB before any read). Then the
10 MB XML of millions of elements: through `decompte file inspect` (whole command), and
parsed into a tree as the code did before (issue 17: 363 MB). Goals: every file a named
verdict, the XML under 150 MB and 2 s.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "documents"

CHILD = """
import json, sys, time
from decompte.sdk.documents import DocumentError, check_attachment, inspect_file
import facturx, lxml.etree, pypdf  # imported before the clock: the time is the read's

mode, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
try:
    if mode == "piece":
        found = inspect_file(path).findings
    elif mode == "attachment":
        found = check_attachment(path)
    else:  # "tree": what the code did before issue 17, the whole document parsed at once
        from lxml import etree
        etree.fromstring(open(path, "rb").read(), etree.XMLParser(resolve_entities=False))
        found = []
    rules = sorted(f.rule_id for f in found if f.severity != "info")
    verdict = " ".join(rules) or "accepté"
except DocumentError as exc:
    verdict = exc.rule_id
seconds = time.perf_counter() - start
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"verdict": verdict, "seconds": seconds, "peak_kib": peak}))
"""

# `decompte …` itself, reporting its VmHWM on stderr when it exits.
CLI_CHILD = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    print(line.split()[1], file=sys.__stderr__)

atexit.register(peak)
sys.argv = ["decompte", *sys.argv[1:]]
runpy.run_module("decompte.sdk.cli", run_name="__main__", alter_sys=True)
"""


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", TESTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "DECOMPTE_CONFIG": os.devnull + ".absent.toml"}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    return done, time.perf_counter() - start


def read_in_child(mode: str, path: Path) -> tuple[str, float, float]:
    """(verdict, seconds of the read, peak MB of the child process)."""
    done, _ = run([sys.executable, "-c", CHILD, mode, str(path)])
    answer = json.loads(done.stdout)
    return answer["verdict"], answer["seconds"], answer["peak_kib"] / 1024


def main() -> None:
    corpus, hostile = load("conftest"), load("hostile")
    items = hostile.hostile_corpus(corpus)
    worst_time = worst_peak = 0.0
    named = 0
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        folder = Path(tmp)
        print("each file read in a fresh process; time = the read alone, peak = VmHWM of the")
        print("whole child process (python + pypdf + lxml + factur-x ≈ 50 MB before any read)\n")
        head = f"{'file':26} {'size':>9}  {'as piece file':28} {'ms':>5} {'MB':>4}"
        print(head + f"  {'as attachment':34} {'ms':>5} {'MB':>4}")
        for item in items:
            path = folder / item.name
            path.write_bytes(item.data)
            piece = read_in_child("piece", path)
            attached = read_in_child("attachment", path)
            named += (item.rule in piece[0].split()) + (item.attachment_rule in attached[0].split())
            worst_time = max(worst_time, piece[1], attached[1])
            worst_peak = max(worst_peak, piece[2], attached[2])
            print(
                f"{item.key:26} {len(item.data):9}  {piece[0]:28} {piece[1] * 1000:5.0f} "
                f"{piece[2]:4.0f}  {attached[0]:34} {attached[1] * 1000:5.0f} {attached[2]:4.0f}"
            )
            path.unlink()
        print(
            f"\n{named}/{2 * len(items)} expected named verdicts; worst read {worst_time:.2f} s, "
            f"worst peak {worst_peak:.0f} MB"
        )

        xml = folder / "million.xml"
        xml.write_bytes(hostile.million_elements())
        elements = xml.read_bytes().count(b"<a/>")
        print(
            f"\n10 MB XML of {elements:,} elements ({xml.stat().st_size:,} bytes):".replace(
                ",", " "
            )
        )
        done, wall = run([sys.executable, "-c", CLI_CHILD, "--json", "file", "inspect", str(xml)])
        *error, last = done.stderr.splitlines()
        rule, peak = json.loads("\n".join(error))["rule_id"], int(last) / 1024
        print(
            f"  decompte file inspect (whole command): exit {done.returncode} ({rule}), "
            f"{wall:.2f} s, peak {peak:.0f} MB"
        )
        verdict, seconds, peak = read_in_child("piece", xml)
        print(f"  inspect_file: {verdict}, read {seconds:.2f} s, peak {peak:.0f} MB")
        print("  goal: < 150 MB and < 2 s")
        _, seconds, peak = read_in_child("tree", xml)
        print(f"  before (tree built first): read {seconds:.2f} s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
