"""Benchmark the headless core on a large store: read queries and workflow throughput.

    python bench/bench_core.py --db PATH [--runs 50] [--transitions 500] [--no-evict]
                                         [--json OUT]

The store is generated first with bench/gen_store.py (default sizes) when PATH is missing; the
bench users and the busiest MOE / MOA come from PATH + ".bench.json". Every query goes through
the real API (Queries.synthese / Queries.search / Organisation.search_structures), as a logged-in
user. For each query: one cold run (new connection, the store's pages dropped from the OS cache
unless --no-evict), then --runs warm runs, reported as p50 / p95. Then, on SQLite through the
workflow API: N deposits for the busiest MOE by the "writer" (another titulaire of that MOE,
so that the read queries of the bench supplier never see them), and N take / suspend /
complete / refuse transitions on them (the refusal puts them back with their depositor, so the
MOE's Synthèse is the same after the bench). The writes stay in the store.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlite3  # noqa: E402

from decompte.sdk.amounts import compute_totals, vat_line  # noqa: E402
from decompte.sdk.config import Config  # noqa: E402
from decompte.sdk.core import Core  # noqa: E402
from decompte.sdk.model import PieceDraft  # noqa: E402
from decompte.sdk.queries import SearchCriteria, SyntheseFilter  # noqa: E402
from decompte.sdk.store import open_store  # noqa: E402

QUERY_GOAL_MS = 50.0
TRANSITION_GOAL = 500.0
A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


def evict(db: Path) -> None:
    """Drop the store's pages from the OS page cache (clean pages only; no root needed)."""
    for suffix in ("", "-wal"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Bench:
    def __init__(self, db: Path, runs: int, do_evict: bool) -> None:
        self.db = db
        self.runs = runs
        self.do_evict = do_evict
        self.info = json.loads(Path(f"{db}.bench.json").read_text())
        self.core = Core(open_store(db), Config(), datetime.now)
        password = self.info["password"]
        users = self.info["users"]
        self.moe = self.core.login(users["moe"], password)
        self.moa = self.core.login(users["moa"], password)
        self.supplier = self.core.login(users["supplier"], password)
        self.writer = self.core.login(users.get("writer", users["supplier"]), password)
        self.results: list[dict] = []
        self.context: dict = {}

    def measure(self, label: str, run: Callable[[], int]) -> dict:
        """One cold run, then `runs` warm runs; `run` returns the number of matching rows."""
        if self.do_evict:
            self.core.store.engine.dispose()  # a new connection: SQLite's page cache is empty
            evict(self.db)
        started = time.perf_counter()
        rows = run()
        cold = (time.perf_counter() - started) * 1000
        samples = []
        for _ in range(self.runs):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        result = {
            "query": label,
            "rows": rows,
            "cold_ms": cold,
            "p50_ms": statistics.median(samples),
            "p95_ms": percentile(samples, 95),
            "max_ms": max(samples),
            "ok": percentile(samples, 95) <= QUERY_GOAL_MS,
        }
        self.results.append(result)
        print(_query_line(result), flush=True)
        return result

    # -- reads ---------------------------------------------------------------------------------
    def reads(self) -> None:
        q, org = self.core.queries, self.core.org
        moe, moa = self.moe, self.moa
        today = date.today()
        first = q.synthese(moe)
        total = first.total
        deep = (total * 4 // 5) // 50 * 50
        dossier_number = first.rows[0].dossier_number if first.rows else "?"
        supplier = self.supplier
        mine = q.search(supplier, SearchCriteria(role="FOURNISSEUR", limit=1))
        recipient = mine.rows[0].recipient if mine.rows else "SERVICE"
        recipient_prefix = recipient[: max(4, len(recipient) - 3)]
        supplier_siren = self.info["structures"]["supplier"]["identifier"][:9]
        siret8 = self.info["structures"]["moe"]["identifier"][:8]
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as con:
            postcode, city = con.execute(
                "SELECT postcode, city_key FROM structures GROUP BY postcode, city_key "
                "ORDER BY count(*) DESC, postcode LIMIT 1"
            ).fetchone()
        print(_query_header(self.runs), flush=True)
        self.measure("Synthèse MOE, first page", lambda: q.synthese(moe).total)
        self.measure(
            f"Synthèse MOE, page at offset {deep:,}",
            lambda: q.synthese(moe, SyntheseFilter(offset=deep)).total,
        )
        self.measure(
            "Synthèse MOE, sorted by supplier",
            lambda: q.synthese(moe, SyntheseFilter(sort="supplier", descending=False)).total,
        )
        self.measure(
            "Synthèse MOE, sorted by days left",
            lambda: q.synthese(moe, SyntheseFilter(sort="days_left", descending=False)).total,
        )
        self.measure(
            "Rechercher MOE, issued last 3 months",
            lambda: (
                q.search(
                    moe,
                    SearchCriteria(
                        role="MOE", issued_from=today - timedelta(days=91), issued_to=today
                    ),
                ).total
            ),
        )
        self.measure(
            "Rechercher MOE, issued one month a year ago",
            lambda: (
                q.search(
                    moe,
                    SearchCriteria(
                        role="MOE",
                        issued_from=today - timedelta(days=395),
                        issued_to=today - timedelta(days=365),
                    ),
                ).total
            ),
        )
        self.measure(
            "Rechercher MOA, state at MOA",
            lambda: q.search(moa, SearchCriteria(role="MOA", state="MISE_A_DISPOSITION_MOA")).total,
        )
        self.measure(
            "Rechercher MOE, supplier SIREN",
            lambda: q.search(moe, SearchCriteria(role="MOE", siren=supplier_siren)).total,
        )
        self.measure(
            "Rechercher MOE, SIREN prefix 4 digits",
            lambda: q.search(moe, SearchCriteria(role="MOE", siren=supplier_siren[:4])).total,
        )
        self.measure(
            "Rechercher MOE, dossier number",
            lambda: q.search(moe, SearchCriteria(role="MOE", dossier_number=dossier_number)).total,
        )
        self.measure(
            "Rechercher supplier, recipient name prefix",
            lambda: (
                q.search(
                    supplier, SearchCriteria(role="FOURNISSEUR", recipient=recipient_prefix)
                ).total
            ),
        )
        self.measure(
            "Structures, SIRET prefix (8 digits)",
            lambda: len(org.search_structures(identifier=siret8)),
        )
        self.measure("Structures, name BATI*", lambda: len(org.search_structures(name="BATI*")))
        self.measure("Structures, name *BOIS*", lambda: len(org.search_structures(name="*BOIS*")))
        self.measure(
            f"Structures, postcode {postcode} + city",
            lambda: len(org.search_structures(postcode=postcode, city=city)),
        )
        self.context = {
            "synthese_total": total,
            "deep_offset": deep,
            "dossier_number": dossier_number,
            "recipient_prefix": recipient_prefix,
            "supplier_siren": supplier_siren,
            "siret_prefix": siret8,
            "postcode": postcode,
            "city_key": city,
        }

    # -- writes --------------------------------------------------------------------------------
    def writes(self, n: int) -> list[dict]:
        wf = self.core.workflow
        info = self.info
        marche = info.get("write_marche", info["marche"])
        engagement = info.get("write_engagement", info["engagement"])
        iban = info.get("write_iban", info["iban"])
        stamp = datetime.now().strftime("%y%m%d%H%M%S")
        line = vat_line(Decimal("12500.00"), Decimal("20"))
        totals = compute_totals([line])
        drafts = [
            PieceDraft(
                cadre=A4,
                number=f"BENCH-{stamp}-{i:05d}",
                issue_date=date.today(),
                marche_number=marche,
                engagement=engagement,
                iban=iban,
                vat_lines=[line],
                total_ht=totals.total_ht,
                total_vat=totals.total_vat,
                total_ttc=totals.total_ttc,
                amount_due=totals.amount_due,
            )
            for i in range(n)
        ]
        rows = []

        def timed(label: str, action: Callable[[int], object], items: list) -> list:
            started = time.perf_counter()
            out = [action(item) for item in items]
            seconds = time.perf_counter() - started
            row = {"operation": label, "count": len(items), "seconds": seconds}
            row["per_second"] = len(items) / seconds
            rows.append(row)
            print(_write_line(row), flush=True)
            return out

        print(_write_header(n), flush=True)
        receipts = timed(
            "deposit (workflow.deposit)",
            lambda d: wf.deposit(self.writer, d, confirm_warnings=True),
            drafts,
        )
        ids = [r.piece.id for r in receipts]
        assert all(r.piece.holder_structure_id == self.moe.structure.id for r in receipts)
        started = time.perf_counter()
        timed("take (MOE)", lambda i: wf.take(self.moe, i), ids)
        timed("suspend (MOE)", lambda i: wf.suspend(self.moe, i, "Situation non signée"), ids)
        timed("complete (supplier)", lambda i: wf.complete(self.writer, i, "Situation signée"), ids)
        timed(
            "refuse (MOE, leaves the MOE as it was)",
            lambda i: wf.refuse(self.moe, i, "AUTRE_MOTIF", "Pièce de banc d'essai"),
            ids,
        )
        seconds = time.perf_counter() - started
        total = {
            "operation": "transitions, all four",
            "count": 4 * n,
            "seconds": seconds,
            "per_second": 4 * n / seconds,
            "goal": TRANSITION_GOAL,
        }
        total["ok"] = total["per_second"] >= TRANSITION_GOAL
        rows.append(total)
        print(_write_line(total), flush=True)
        return rows


def _query_header(runs: int) -> str:
    return (
        f"\n{'Query (warm: ' + str(runs) + ' runs)':<46} {'rows':>9} {'cold ms':>9} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'goal':>7}  ok\n" + "-" * 96
    )


def _query_line(r: dict) -> str:
    return (
        f"{r['query']:<46} {r['rows']:>9,} {r['cold_ms']:>9.1f} {r['p50_ms']:>8.2f} "
        f"{r['p95_ms']:>8.2f} {'<= ' + str(int(QUERY_GOAL_MS)):>7}  {'ok' if r['ok'] else 'MISS'}"
    )


def _write_header(n: int) -> str:
    return (
        f"\n{'Workflow on SQLite (N = ' + str(n) + ')':<46} {'count':>9} {'seconds':>9} "
        f"{'per s':>8} {'':>8} {'goal':>7}  ok\n" + "-" * 96
    )


def _write_line(r: dict) -> str:
    goal = f">= {int(r['goal'])}" if "goal" in r else ""
    ok = ("ok" if r["ok"] else "MISS") if "ok" in r else ""
    return (
        f"{r['operation']:<46} {r['count']:>9,} {r['seconds']:>9.2f} {r['per_second']:>8.0f} "
        f"{'':>8} {goal:>7}  {ok}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the store (generated if missing)")
    parser.add_argument("--runs", type=int, default=50, help="warm runs per query (>= 50)")
    parser.add_argument("--transitions", type=int, default=500, help="pieces for the writes")
    parser.add_argument("--no-evict", action="store_true", help="cold run with the OS cache")
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    db = Path(args.db).expanduser().resolve()
    if not db.exists() or not Path(f"{db}.bench.json").exists():
        print(f"{db} missing: generating it with bench/gen_store.py", flush=True)
        gen = Path(__file__).with_name("gen_store.py")
        subprocess.run([sys.executable, str(gen), "--db", str(db), "--force"], check=True)
    bench = Bench(db, max(1, args.runs), not args.no_evict)
    counts = bench.info["counts"]
    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    print(
        f"Décompte core bench: {db}\n"
        f"{counts['pieces']:,} pieces, {counts['dossiers']:,} dossiers, "
        f"{counts['structures']:,} structures, {counts['marches']:,} marchés; "
        f"store {size / 2**20:,.0f} MiB; SQLite {sqlite3.sqlite_version}, "
        f"Python {sys.version.split()[0]}\n"
        f"MOE {bench.info['structures']['moe']['name']} holds "
        f"{bench.info['held_by_moe']:,} pieces (at generation)",
        flush=True,
    )
    if not args.skip_reads:
        bench.reads()
    writes = [] if args.skip_writes else bench.writes(args.transitions)
    missed = [r["query"] for r in bench.results if not r["ok"]]
    missed += [w["operation"] for w in writes if w.get("ok") is False]
    print("\nAll goals met." if not missed else "\nGoals missed: " + "; ".join(missed))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"queries": bench.results, "writes": writes, "context": bench.context or {}},
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    bench.core.close()
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
