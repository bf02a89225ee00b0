"""The `decompte_notify` example of docs/hooks.md runs as written: loaded as a plugin with
its settings, it hands the activation code to an SMTP relay (a small one in this test)."""

from __future__ import annotations

import importlib.util
import re
import socketserver
import threading
from pathlib import Path
from typing import ClassVar

from decompte.sdk.config import Config
from decompte.sdk.core import Core
from decompte.sdk.plugins import PluginHost
from decompte.sdk.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def _example(tmp_path: Path) -> object:
    page = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    section = page.split("## `decompte_notify`", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "courriel_exemple.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("courriel_exemple", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Relay(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message."""

    received: ClassVar[list[str]] = []

    def handle(self) -> None:
        self.wfile.write(b"220 relais\r\n")
        data: list[str] = []
        in_data = False
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    self.received.append("\n".join(data))
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == "DATA":
                in_data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_the_documented_smtp_notifier_delivers_the_code(demo_db, clock, tmp_path):
    server = socketserver.TCPServer(("127.0.0.1", 0), _Relay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    config = Config(plugin_settings={"courriel": {"relay": "127.0.0.1", "port": port}})
    host = PluginHost.load(config, entry_points=False, extra={"courriel": _example(tmp_path)})
    assert host.infos["courriel"].status == "chargé", host.infos["courriel"].problems
    core = Core(open_store(demo_db), config, clock, plugins=host)
    try:
        _, sent = core.org.sign_up("smtp.agent@exemple.fr", "", "AGENT", "Smtp")
    finally:
        server.shutdown()
        server.server_close()
        core.close()
    assert (sent.by, sent.path) == ("courriel", None)
    [mail] = _Relay.received
    assert "To: smtp.agent@exemple.fr" in mail
    assert re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", mail)
