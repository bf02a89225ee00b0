"""The real `decompte` in a pseudo-terminal: it paints, a clerk logs in with the keyboard,
the Synthèse shows, ctrl+q quits cleanly and gives the terminal back."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from decompte.sdk.demo import DEMO_PASSWORD

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def decompte_command() -> list[str]:
    script = Path(sys.executable).with_name("decompte")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "decompte.tui"]


class Terminal:
    """A child process on a pty of a given size; reads everything it writes."""

    def __init__(
        self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (100, 30)
    ) -> None:
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
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

    def read(self, timeout: float = 0.1) -> None:
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child closed the pty
                return
            if not chunk:
                return
            self.output += chunk

    def expect(self, text: str, timeout: float = 30.0) -> None:
        wanted = text.encode()
        end = time.monotonic() + timeout
        while wanted not in self.output:
            if time.monotonic() > end:
                tail = self.output[-2000:].decode(errors="replace")
                raise AssertionError(f"« {text} » never showed; last output:\n{tail}")
            if self.proc.poll() is not None:
                self.read(0.2)
                if wanted in self.output:
                    return
                raise AssertionError(
                    f"the app exited ({self.proc.returncode}) before "
                    f"« {text} »:\n{self.output[-2000:].decode(errors='replace')}"
                )
            self.read(0.2)

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())
        self.read(0.05)

    def type(self, text: str) -> None:
        for char in text:
            self.send(char)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self.master)


def test_decompte_in_a_pty_logs_in_and_quits(demo_db: Path, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        TERM="xterm-256color",
        COLORTERM="truecolor",
        DECOMPTE_CONFIG=str(tmp_path / "absent.toml"),
        TEXTUAL_ANIMATIONS="none",
    )
    env.pop("TEXTUAL", None)
    terminal = Terminal([*decompte_command(), "--db", str(demo_db)], env)
    try:
        terminal.expect("Identifiant")
        terminal.expect("Base prête")
        terminal.type("juliette.forin@atelier-moreau.fr")
        terminal.send("\t")
        terminal.type(DEMO_PASSWORD)
        terminal.send("\r")
        terminal.expect("Factures de travaux à traiter")
        terminal.expect("ATELIER MOREAU ARCHITECTES")
        terminal.send("\x11")  # ctrl+q
        terminal.proc.wait(15)
        terminal.read(0.3)
        assert terminal.proc.returncode == 0
        assert b"\x1b[?1049l" in terminal.output  # the alternate screen was left
        assert b"Traceback" not in terminal.output
    finally:
        terminal.close()
