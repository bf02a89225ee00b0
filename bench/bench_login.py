"""Time a refused login by cause: an unknown login, a wrong password, an inactive account and
a locked one must take the same time (the same hashing work), so that timing does not tell
whether an account exists. Prints p50 / p95 per cause and the spread of the medians.

    python bench/bench_login.py [--runs 30] [--json OUT]

It builds the demo world in a temporary SQLite store, adds an inactive account and locks
one, then times `Organisation.authenticate` for each cause, interleaved (one of each per
round, so that machine load touches every cause alike). The tests count the hashing calls
instead (tests/sdk/test_accounts_security.py); this script gives the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from decompte.sdk.config import Config
from decompte.sdk.core import Core
from decompte.sdk.demo import DEMO_PASSWORD, build_demo
from decompte.sdk.errors import NotAuthorised
from decompte.sdk.plugins import PluginHost
from decompte.sdk.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "login.db")
        users = build_demo(lambda clock: _core(store, clock), today=date(2026, 11, 23))["users"]
        core = _core(store, None)
        logins: dict[str, str] = users  # type: ignore[assignment]
        core.org.register_user("inactif@exemple.fr", "", "INACTIF", "Ina")
        for _ in range(5):
            _refused(core, logins["titulaire"], "mauvais")
        cases = {
            "identifiant inconnu": ("personne@nulle-part.fr", DEMO_PASSWORD),
            "mot de passe faux": (logins["moe"], "Pas-Le-Bon-2026"),
            "compte inactif": ("inactif@exemple.fr", DEMO_PASSWORD),
            "compte verrouillé": (logins["titulaire"], DEMO_PASSWORD),
        }
        times: dict[str, list[float]] = {cause: [] for cause in cases}
        for _ in range(args.runs):
            for cause, (login, password) in cases.items():
                times[cause].append(_refused(core, login, password))
            core.org.authenticate(logins["moe"], DEMO_PASSWORD)  # untimed: no lock from the bench
        core.close()
    report = {
        cause: {
            "p50_ms": round(statistics.median(t) * 1000, 1),
            "p95_ms": round(sorted(t)[int(len(t) * 0.95) - 1] * 1000, 1),
        }
        for cause, t in times.items()
    }
    medians = [r["p50_ms"] for r in report.values()]
    spread = round(max(medians) - min(medians), 1)
    for cause, r in report.items():
        print(f"{cause:22} p50 {r['p50_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms")
    print(f"écart des médianes : {spread} ms sur {args.runs} essais par cas")
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "causes": report, "spread_ms": spread}))


def _core(store, clock):  # type: ignore[no-untyped-def]
    host = PluginHost.load(Config(), entry_points=False)
    return Core(store, Config(), clock, plugins=host) if clock else Core(store, plugins=host)


def _refused(core: Core, login: str, password: str) -> float:
    start = time.perf_counter()
    try:
        core.org.authenticate(login, password)
    except NotAuthorised:
        return time.perf_counter() - start
    raise SystemExit(f"{login} : connexion acceptée, le banc attend un refus")


if __name__ == "__main__":
    main()
