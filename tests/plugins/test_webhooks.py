"""Standard Webhooks: events POSTed to a real HTTP server on loopback that checks the
signature itself; retries with backoff; every attempt in the delivery log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from decompte.plugins.webhooks import Sender, check_secret
from decompte.sdk.config import Config

KEY = b"une cle partagee de test, 32 oct"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


class Receiver(ThreadingHTTPServer):
    """Answers `statuses` in turn (then 204) and keeps what it received, signature checked."""

    def __init__(self, statuses=()):
        super().__init__(("127.0.0.1", 0), Handler)
        self.statuses = list(statuses)
        self.received: list[dict] = []
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        msg_id, ts = self.headers["webhook-id"], self.headers["webhook-timestamp"]
        expected = base64.b64encode(
            hmac.new(KEY, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        signatures = self.headers["webhook-signature"].split()
        valid = f"v1,{expected}" in signatures and abs(time.time() - int(ts)) < 300
        self.server.received.append(
            {
                "id": msg_id,
                "valid": valid,
                "body": json.loads(body),
                "type": self.headers["content-type"],
            }
        )
        status = self.server.statuses.pop(0) if self.server.statuses else 204
        self.send_response(status if valid else 401)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    servers = []

    def start(statuses=()):
        servers.append(Receiver(statuses))
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def config(url, log, **extra):
    return Config(
        plugin_settings={
            "webhooks": {
                "url": url,
                "secret": SECRET,
                "log_path": str(log),
                "backoff_ms": 10,
                **extra,
            }
        }
    )


def log_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_events_are_signed_and_delivered_after_each_action(plugged, draft, receiver, tmp_path):
    server, log = receiver(), tmp_path / "webhooks.jsonl"
    core = plugged(config=config(server.url, log))
    titulaire = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    moe = core.org.open_session(core.org.user("juliette.forin@atelier-moreau.fr"))
    piece = core.workflow.deposit(titulaire, draft(A4, "PDM-W-1", "1000.00")).piece
    core.workflow.take(moe, piece.id)
    core.plugins.close()
    assert [r["valid"] for r in server.received] == [True, True]
    deposited, changed = (r["body"] for r in server.received)
    assert deposited["type"] == "piece.deposited"
    data = deposited["data"]["piece"]
    assert (data["number"], data["cadre"], data["state"]) == (
        "PDM-W-1",
        A4,
        "MISE_A_DISPOSITION_MOE",
    )
    assert (data["total_ht"], data["total_vat"], data["total_ttc"]) == (
        "1000.00",
        "200.00",
        "1200.00",
    )
    assert data["vat_lines"] == [{"rate": "20", "base": "1000.00", "amount": "200.00"}]
    assert data["issue_date"] == "2026-11-23"
    assert data["supplier"] == {"identifier": "55210987800348", "name": "BATIMENTS DURAND SA"}
    assert changed["type"] == "piece.state_changed"
    assert (
        changed["data"]["action"],
        changed["data"]["from_state"],
        changed["data"]["to_state"],
    ) == ("take", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE")
    assert server.received[0]["type"] == "application/json"
    entries = log_lines(log)
    assert [(e["type"], e["attempt"], e["status"], e["ok"]) for e in entries] == [
        ("piece.deposited", 1, 204, True),
        ("piece.state_changed", 1, 204, True),
    ]
    assert [e["id"] for e in entries] == [r["id"] for r in server.received]


def test_failures_are_retried_with_backoff_under_the_same_id(receiver, tmp_path):
    server, log = receiver([503, 500]), tmp_path / "log.jsonl"
    pauses = []
    sender = Sender(
        server.url, SECRET, max_attempts=4, backoff_s=0.5, log_path=log, sleep=pauses.append
    )
    sender.submit("piece.deposited", {"n": 1})
    assert sender.close(10)
    assert [(e["attempt"], e["status"], e["ok"]) for e in log_lines(log)] == [
        (1, 503, False),
        (2, 500, False),
        (3, 204, True),
    ]
    assert pauses == [0.5, 1.0]
    assert len({r["id"] for r in server.received}) == 1
    assert all(r["valid"] for r in server.received)


def test_an_endpoint_that_never_answers_is_given_up_and_logged(tmp_path):
    log = tmp_path / "log.jsonl"
    sender = Sender(
        "http://127.0.0.1:9/nothing", SECRET, max_attempts=2, backoff_s=0, timeout_s=2, log_path=log
    )
    sender.submit("piece.deposited", {"n": 1})
    assert sender.close(10)
    entries = log_lines(log)
    assert [(e["attempt"], e["ok"], e["status"]) for e in entries] == [
        (1, False, None),
        (2, False, None),
    ]
    assert entries[0]["error"].startswith("ConnectError")


def test_a_wrong_secret_keeps_the_plugin_out(tmp_path):
    from decompte.sdk.plugins import PluginHost

    bad = Config(plugin_settings={"webhooks": {"url": "http://x", "secret": "abc"}})
    host = PluginHost.load(bad, entry_points=False)
    row = {r["name"]: r for r in host.describe()}["webhooks"]
    assert row["status"] == "erreur"
    assert "plugin.webhooks.secret : le secret doit commencer par whsec_" in row["problems"][0]
    assert check_secret("whsec_***") == "le secret doit être whsec_ suivi d'une clé en base64"
    assert check_secret(SECRET) == ""


def test_the_journal_command_lists_deliveries(plugged, draft, receiver, tmp_path):
    server, log = receiver(), tmp_path / "webhooks.jsonl"
    core = plugged(config=config(server.url, log))
    titulaire = core.org.open_session(core.org.user("luc.durand@batiments-durand.fr"))
    core.workflow.deposit(titulaire, draft(A4, "PDM-W-2"))
    core.plugins.close()
    journal = core.plugins.run_command("webhooks-journal", core, titulaire)
    assert [(e["type"], e["ok"]) for e in journal] == [("piece.deposited", True)]
