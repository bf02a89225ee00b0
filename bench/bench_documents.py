"""Bench for sdk.documents: inspect times and peak memory on the bomb corpus.

    python bench/bench_documents.py [--runs N]

Goals (issue 6): 1-page PDF ≤ 50 ms, 100-page PDF ≤ 300 ms, Factur-X PDF ≤ 100 ms; every
bomb refused within 2 s and 200 MB. The corpus is generated on the fly with the builders of
tests/documents/conftest.py; nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from decompte.sdk.documents import inspect_file  # noqa: E402

PEAK_SCRIPT = """
import sys, time
from decompte.sdk.documents import DocumentError, inspect_file
start = time.perf_counter()
try:
    inspect_file(sys.argv[1])
    verdict = "ACCEPTED"
except DocumentError as exc:
    verdict = type(exc).__name__
elapsed = time.perf_counter() - start
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(verdict, elapsed, peak)
"""


def load_builders():
    spec = importlib.util.spec_from_file_location(
        "documents_corpus", ROOT / "tests" / "documents" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_inspect(path: Path, runs: int) -> tuple[float, float]:
    """(median, max) in ms, after one warm-up call."""
    inspect_file(path)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        inspect_file(path)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def peak_in_fresh_process(path: Path) -> tuple[str, float, int]:
    """(verdict, seconds, peak KiB) of inspect_file in a new interpreter (lazy imports paid)."""
    args = [sys.executable, "-c", PEAK_SCRIPT, str(path)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True)
    verdict, elapsed, peak = done.stdout.split()
    return verdict, float(elapsed), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    corpus = load_builders()
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        folder = Path(tmp)
        files = {
            "PDF 1 page": ("un.pdf", corpus.make_pdf(1), 50),
            "PDF 100 pages": ("cent.pdf", corpus.make_pdf(100), 300),
            "PDF Factur-X": ("facturx.pdf", corpus.make_facturx_pdf(), 100),
            "XML CII": ("facture.xml", corpus.make_invoice_xml(), None),
        }
        try:
            signer = corpus.make_signer()
            files["PDF signé PAdES"] = ("signe.pdf", corpus.sign(corpus.make_pdf(1), signer), None)
        except ImportError:
            pass
        linux = Path("/proc/self/status").exists()
        print("inspect_file in ms: cold = first call in a new process (lazy imports included),")
        print(f"warm = median and max of {args.runs} calls; peak = process VmHWM in MB")
        print(f"{'':18} {'cold':>7} {'warm':>7} {'max':>7} {'peak':>6}  goal (warm)")
        for label, (name, data, goal) in files.items():
            path = folder / name
            path.write_bytes(data)
            median, worst = time_inspect(path, args.runs)
            cold, peak = ("", "")
            if linux:
                _, seconds, kib = peak_in_fresh_process(path)
                cold, peak = f"{seconds * 1000:.0f}", f"{kib / 1024:.0f}"
            verdict = "" if goal is None else f"≤ {goal}  " + ("ok" if median <= goal else "MISSED")
            print(f"{label:18} {cold:>7} {median:7.1f} {worst:7.1f} {peak:>6}  {verdict}")

        print("\nbomb corpus, each in a fresh process (peak = VmHWM, whole process)")
        if not linux:
            print("  (needs Linux /proc)")
            return
        print(f"  {'bomb':24} {'size':>9} {'verdict':>20} {'time s':>7} {'peak MB':>8}")
        worst_time, worst_peak = 0.0, 0
        for name, data in corpus.bomb_corpus().items():
            path = folder / f"{name}.pdf"
            path.write_bytes(data)
            verdict, elapsed, peak = peak_in_fresh_process(path)
            worst_time, worst_peak = max(worst_time, elapsed), max(worst_peak, peak)
            print(f"  {name:24} {len(data):9} {verdict:>20} {elapsed:7.2f} {peak / 1024:8.0f}")
            path.unlink()
        ok = worst_time < 2 and worst_peak < 200 * 1024
        print(
            f"  worst: {worst_time:.2f} s, {worst_peak / 1024:.0f} MB "
            f"(goal < 2 s and < 200 MB: {'ok' if ok else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
