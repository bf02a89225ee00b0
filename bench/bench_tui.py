"""Figures for the terminal app, measured in a real pseudo-terminal.

    python bench/bench_tui.py [--db PATH] [--runs 5] [--keys 200] [--size 160x50]

- cold start: process start -> first painted frame (the login screen's text on the pty);
  goal <= 0.25 s; the same for a bare Textual app doing nothing, measured in the same run;
- with --db (a store made by bench/gen_store.py, whose PATH.bench.json names the users):
  Enter on the login form -> Synthèse rows visible, then the latency of cursor keys (↓) and
  page keys (Page↓) in that Synthèse: key sent -> first bytes of the repaint (goal <= 16 ms);
- the virtual table alone on 100 000 synthetic rows, in-process: CPU per key (move + draw);
- peak RSS (VmHWM) of the app and of the bare app (goal <= 60 MB).

Without --db, a demo store is built in a temporary folder (the Synthèse then has a few rows).
For a Synthèse of ~100 000 rows: gen_store.py --pieces 1100000 --dossiers 1000000.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    BINDINGS = [("down", "more", "plus"), ("pagedown", "more", "plus")]
    n = 0
    def compose(self):
        yield Static("Bonjour")
    def action_more(self):
        self.n += 1
        self.query_one(Static).update(f"Bonjour {self.n}")
Bare().run()
"""
DOWN, PAGE_DOWN, CTRL_Q = "\x1b[B", "\x1b[6~", "\x11"


LIVE: list[Pty] = []


class Pty:
    def __init__(self, argv: list[str], size: tuple[int, int], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = b""
        LIVE.append(self)

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self.master, 1 << 20)
        except OSError:
            return b""

    def wait_for(self, pattern: bytes, timeout: float = 60.0) -> float:
        """Seconds since the process start when `pattern` (a regex) first appears."""
        end = time.perf_counter() + timeout
        regex = re.compile(pattern)
        while not regex.search(self.output):
            if time.perf_counter() > end or self.proc.poll() is not None:
                tail = self.output[-1500:].decode(errors="replace")
                raise RuntimeError(f"{pattern!r} never appeared:\n{tail}")
            self.output += self._read(end - time.perf_counter())
        return time.perf_counter() - self.started

    def drain(self, quiet: float = 0.03) -> None:
        while chunk := self._read(quiet):
            self.output += chunk

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def key_latency(self, key: str, timeout: float = 2.0) -> float:
        """Key sent -> first bytes of the answer, in seconds (then the rest is drained)."""
        self.drain(0.01)
        start = time.perf_counter()
        self.send(key)
        chunk = self._read(timeout)
        latency = time.perf_counter() - start
        self.output += chunk
        self.drain(0.02)
        return latency

    def peak_rss_mb(self) -> float:
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return float("nan")
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found.group(1)) / 1024 if found else float("nan")

    def quit(self) -> None:
        self.send(CTRL_Q)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.close()

    def close(self) -> None:
        if self.proc.poll() is None:  # never leave an app running behind the bench
            self.proc.kill()
            self.proc.wait(5)
        if self in LIVE:
            LIVE.remove(self)
            os.close(self.master)


def env_for(tmp: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        TERM="xterm-256color",
        COLORTERM="truecolor",
        DECOMPTE_CONFIG=str(tmp / "absent.toml"),
        TEXTUAL_ANIMATIONS="none",
    )
    env.pop("TEXTUAL", None)
    return env


def app_argv(db: str) -> list[str]:
    return [sys.executable, "-m", "decompte.tui", "--db", db]


def decompte_argv(db: str) -> list[str]:
    script = Path(sys.executable).with_name("decompte")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "decompte.tui"]
    return [*command, "--db", db]


def demo_store(folder: Path) -> tuple[str, str, str]:
    from decompte.sdk.config import Config
    from decompte.sdk.core import Core
    from decompte.sdk.demo import DEMO_PASSWORD, build_demo
    from decompte.sdk.store import open_store

    db = folder / "demo.db"
    store = open_store(db)
    build_demo(lambda clock: Core(store, Config(), clock))
    store.close()
    return str(db), "juliette.forin@atelier-moreau.fr", DEMO_PASSWORD


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def summary(values: list[float]) -> str:
    if not values:
        return "—"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"médiane {ms(statistics.median(values))}   p95 {ms(p95)}   max {ms(values[-1])}"


def cold_starts(
    argv: list[str], marker: bytes, runs: int, size: tuple[int, int], env: dict[str, str]
) -> tuple[list[float], float]:
    times, rss = [], float("nan")
    for _ in range(runs):
        pty = Pty(argv, size, env)
        times.append(pty.wait_for(marker))
        pty.drain(0.3)
        rss = pty.peak_rss_mb()
        pty.quit()
    return times, rss


def synthetic_table(rows: int, keys: int) -> tuple[list[float], list[float]]:
    """The virtual table alone, in-process: CPU time per key, move + draw every line."""
    import asyncio
    from datetime import date, datetime
    from decimal import Decimal
    from types import SimpleNamespace

    from textual.app import App, ComposeResult
    from textual.geometry import Region

    from decompte.tui.widgets.piece_columns import piece_columns
    from decompte.tui.widgets.vtable import VirtualTable

    def fetch(offset: int, limit: int, sort: object, descending: bool) -> tuple[list, int]:
        return [
            SimpleNamespace(
                id=i,
                number=f"P-{i:07d}",
                days_left=(i % 20) - 5,
                marche_number="2026-ECO-001",
                total_ht=Decimal(i) / 100,
                recipient="SERVICE DE GESTION COMPTABLE",
                supplier="BATIMENTS DURAND SA",
                moe="ATELIER MOREAU",
                moa="COMMUNE",
                deposited_at=datetime(2026, 1, 1),
                state_label="Mise à disposition de la MOE",
                state_date=date(2026, 1, 2),
                engagement="EJ2026000123",
            )
            for i in range(offset, min(rows, offset + limit))
        ], rows

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield VirtualTable(piece_columns(), id="t")

    cursor_times: list[float] = []
    page_times: list[float] = []

    async def run() -> None:
        app = TableApp()
        async with app.run_test(size=(160, 50)) as pilot:
            table = app.query_one(VirtualTable)
            table.set_source(fetch)
            while table.total is None or table.loading_rows:
                await pilot.pause(0.01)
            region = Region(0, 0, table.size.width, table.size.height)

            def draw() -> None:  # what the compositor asks of the table for a repaint
                table.render_lines(region)

            for action, out in (
                (lambda: table.action_cursor(1), cursor_times),
                (lambda: table.action_page(1), page_times),
            ):
                for _ in range(keys):
                    start = time.perf_counter()
                    action()
                    draw()
                    out.append(time.perf_counter() - start)
                    if table.loading_rows:
                        await pilot.pause(0.005)
                table.action_jump(0)
                while table.loading_rows:
                    await pilot.pause(0.005)

    asyncio.run(run())
    return cursor_times, page_times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="", help="large store from bench/gen_store.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--size", default="160x50")
    parser.add_argument("--synthetic-rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as folder:
        return run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> int:
    size = tuple(int(x) for x in args.size.split("x"))
    assert len(size) == 2
    env = env_for(tmp)
    if args.db:
        info = json.loads(Path(f"{args.db}.bench.json").read_text())
        db, login, password = args.db, info["users"]["moe"], info["password"]
    else:
        db, login, password = demo_store(tmp)
    print(f"Python {sys.version.split()[0]} · terminal {size[0]}×{size[1]} · base {db}")
    # An installed app has its bytecode (pip compiles it); an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module at every start (~50 ms here).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "sdk", "tui", "plugins"], cwd=ROOT, check=True
    )
    print("(bytecode compiled first, as an installation has it)\n")

    python_only, _ = cold_starts(
        [sys.executable, "-c", "print('pret')"], rb"pret", args.runs, size, env
    )
    bare, bare_rss = cold_starts(
        [sys.executable, "-c", BARE_APP], rb"Bonjour", args.runs, size, env
    )
    app, _ = cold_starts(app_argv(db), rb"Identifiant", args.runs, size, env)
    cli, _ = cold_starts(decompte_argv(db), rb"Identifiant", args.runs, size, env)
    print(
        "Démarrage à froid → première image (médiane de "
        f"{args.runs} ; objectif ≤ 250 ms pour l'application)"
    )
    print(f"  python seul              {ms(statistics.median(python_only))}")
    print(f"  application Textual nue  {ms(statistics.median(bare))}")
    print(
        f"  python -m decompte.tui   {ms(statistics.median(app))}"
        f"   (+{ms(statistics.median(app) - statistics.median(bare)).strip()} "
        "par rapport à l'application nue)"
    )
    print(
        f"  decompte (console script){ms(statistics.median(cli))}"
        "   (le point d'entrée de la ligne de commande, puis l'application)"
    )

    pty = Pty(app_argv(db), size, env)
    pty.wait_for(rb"Identifiant")
    pty.wait_for(rb"Base pr")
    for char in [*login, "\t", *password]:
        pty.send(char)
        time.sleep(0.005)
    pty.drain(0.2)
    pty.send("\r")
    start = time.perf_counter()
    pty.wait_for(rb"traiter : \d", timeout=120)
    rows_visible = time.perf_counter() - start
    pty.drain(0.3)
    count = re.findall(rb"traiter : ([\d\xc2\xa0]+)", pty.output)
    total = count[-1].decode(errors="replace").replace("\u00a0", "") if count else "?"
    print(f"\nSynthèse ({login}, {total} lignes)")
    print(f"  Entrée → lignes visibles {ms(rows_visible)}")
    downs = [pty.key_latency(DOWN) for _ in range(args.keys)]
    pages = [pty.key_latency(PAGE_DOWN) for _ in range(max(10, args.keys // 4))]
    print(f"  touche ↓    (clé → image) {summary(downs)}")
    print(f"  touche Page↓ (clé → image) {summary(pages)}")
    app_rss = pty.peak_rss_mb()
    pty.quit()

    pty = Pty([sys.executable, "-c", BARE_APP], size, env)
    pty.wait_for(rb"Bonjour")
    pty.drain(0.3)
    bare_keys = [pty.key_latency(DOWN) for _ in range(args.keys)]
    pty.quit()
    print(f"  même mesure, application Textual nue (un texte qui change) {summary(bare_keys)}")

    cursor, page = synthetic_table(args.synthetic_rows, args.keys)
    print(
        f"\nTable virtuelle seule, {args.synthetic_rows:,} lignes, en mémoire "
        "(déplacement + dessin des lignes visibles, objectif ≤ 16 ms)".replace(",", " ")
    )
    print(f"  ↓      {summary(cursor)}")
    print(f"  Page↓  {summary(page)}")
    print("\nMémoire (pic RSS, objectif ≤ 60 Mo)")
    print(f"  application Textual nue  {bare_rss:6.1f} Mo")
    print(f"  Decompte après la Synthèse {app_rss:6.1f} Mo")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for leftover in list(LIVE):
            leftover.close()
