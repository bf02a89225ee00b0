"""Standard Webhooks: each event is POSTed as signed JSON to the configured endpoint.

Headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` =
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``; the secret is ``whsec_`` + base64 of the
key. Deliveries run on a background thread (the user never waits for the network), are
retried with exponential backoff, and every attempt is appended to a JSON-lines delivery
log. `decompte_shutdown` waits (bounded) for the queue to drain.

    [plugin.webhooks]
    url = "https://erp.example.org/decompte"
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decompte.sdk import Command, CommandContext, Piece, PluginView, Setting, hookimpl

EVENT_TYPES = {
    "piece_deposited": "piece.deposited",
    "state_changed": "piece.state_changed",
    "deadline_crossed": "piece.deadline_crossed",
}
MAX_BACKOFF_S = 60.0

if TYPE_CHECKING:
    import httpx


def check_secret(secret: str) -> str:
    """A French problem if the secret is not "whsec_" + base64, else ""."""
    if not secret:
        return ""
    if not secret.startswith("whsec_"):
        return "le secret doit commencer par whsec_"
    try:
        base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return "le secret doit être whsec_ suivi d'une clé en base64"
    return ""


def _check_events(names: list[str]) -> str:
    unknown = [n for n in names if n not in EVENT_TYPES]
    return f"événements inconnus : {', '.join(unknown)}" if unknown else ""


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} non sérialisable")


def piece_data(piece: Piece, view: PluginView | None) -> dict[str, Any]:
    """The piece as the receiver sees it: amounts as decimal strings, ISO dates."""
    data = {
        k: getattr(piece, k)
        for k in (
            "id",
            "number",
            "cadre",
            "dossier_number",
            "marche_number",
            "issue_date",
            "currency",
            "total_ht",
            "total_vat",
            "total_ttc",
            "amount_due",
            "engagement",
            "service_code",
            "state",
            "state_date",
            "holder_role",
            "deposited_at",
            "certificate",
        )
    }
    data["vat_lines"] = [
        {"rate": v.rate, "base": v.base, "amount": v.amount} for v in piece.vat_lines
    ]
    for role in ("supplier", "recipient", "moe", "moa"):
        sid = getattr(piece, f"{role}_structure_id")
        data[role] = None
        if sid is not None and view is not None:
            s = view.structure(sid)
            data[role] = {"identifier": s.identifier, "name": s.name}
    return data


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    type: str
    body: bytes


class Sender:
    """A queue, one delivery thread, retries with backoff and a JSON-lines delivery log."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
        log_path: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url, self.secret = url, secret
        self.max_attempts, self.backoff_s, self.timeout_s = max_attempts, backoff_s, timeout_s
        self.log_path = log_path
        self.sleep = sleep
        self.recent: deque[dict[str, Any]] = deque(maxlen=200)
        self._queue: deque[Message] = deque()
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._stopping = False

    def submit(self, event_type: str, data: Mapping[str, Any]) -> str:
        msg_id = f"msg_{secrets.token_hex(12)}"
        body = json.dumps(
            {"type": event_type, "timestamp": datetime.now(UTC).isoformat(), "data": data},
            default=_json,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        with self._cond:
            self._queue.append(Message(msg_id, event_type, body))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="decompte-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        return msg_id

    def flush(self, timeout: float) -> bool:
        """Wait until every queued message is delivered or given up; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self, timeout: float) -> bool:
        done = self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        return done

    def _run(self) -> None:
        import httpx  # imported on the first event: it is slow to import

        with httpx.Client(timeout=self.timeout_s) as client:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._queue or self._stopping)
                    if not self._queue:
                        return
                    message = self._queue.popleft()
                    self._busy = True
                try:
                    self.deliver(client, message)
                finally:
                    with self._cond:
                        self._busy = False
                        self._cond.notify_all()

    def deliver(self, client: httpx.Client, message: Message) -> bool:
        for attempt in range(1, self.max_attempts + 1):
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": message.id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(self.secret, message.id, timestamp, message.body),
            }
            started, status, error = time.perf_counter(), None, ""
            try:
                status = client.post(self.url, content=message.body, headers=headers).status_code
            except Exception as exc:  # httpx.HTTPError and invalid URLs alike
                error = f"{type(exc).__name__}: {exc}"
            ok = status is not None and 200 <= status < 300
            self._log(
                {
                    "at": datetime.now(UTC).isoformat(),
                    "id": message.id,
                    "type": message.type,
                    "url": self.url,
                    "attempt": attempt,
                    "status": status,
                    "ok": ok,
                    "error": error,
                    "duration_ms": round((time.perf_counter() - started) * 1000),
                }
            )
            if ok:
                return True
            if attempt < self.max_attempts:
                self.sleep(min(self.backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S))
        return False

    def _log(self, entry: dict[str, Any]) -> None:
        self.recent.append(entry)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def default_log_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("decompte")) / "webhooks.jsonl"


class WebhooksPlugin:
    """One instance per plugin host, holding its sender."""

    def __init__(self) -> None:
        self.sender: Sender | None = None
        self._lock = threading.Lock()  # events may come from several worker threads

    @hookimpl
    def decompte_settings(self) -> list[Setting]:
        return [
            Setting("url", str, "", "adresse du récepteur ; vide : aucun envoi"),
            Setting(
                "secret",
                str,
                "",
                "secret whsec_… partagé avec le récepteur",
                secret=True,
                check=check_secret,
            ),
            Setting("events", list, list(EVENT_TYPES), "événements envoyés", check=_check_events),
            Setting("max_attempts", int, 5, "tentatives par message"),
            Setting("backoff_ms", int, 500, "attente avant la 2e tentative, doublée ensuite"),
            Setting("timeout_s", int, 10, "délai d'attente d'une réponse"),
            Setting("flush_timeout_s", int, 10, "attente des envois en cours à l'arrêt"),
            Setting("log_path", str, "", "journal des livraisons (JSON lines)"),
        ]

    def _sender(self, settings: Mapping[str, Any]) -> Sender | None:
        if not settings.get("url"):
            return None
        if not settings.get("secret"):
            raise ValueError("plugin.webhooks.secret manque : les envois doivent être signés")
        with self._lock:
            if self.sender is None:
                self.sender = Sender(
                    settings["url"],
                    settings["secret"],
                    max_attempts=settings["max_attempts"],
                    backoff_s=settings["backoff_ms"] / 1000,
                    timeout_s=settings["timeout_s"],
                    log_path=Path(settings["log_path"])
                    if settings["log_path"]
                    else default_log_path(),
                )
        return self.sender

    def _send(
        self,
        event: str,
        settings: Mapping[str, Any],
        piece: Piece,
        view: PluginView | None,
        **extra: Any,
    ) -> None:
        sender = self._sender(settings)
        if sender is not None and event in settings["events"]:
            sender.submit(EVENT_TYPES[event], {"piece": piece_data(piece, view), **extra})

    @hookimpl
    def decompte_piece_deposited(
        self, piece: Piece, view: PluginView | None, settings: Mapping[str, Any]
    ) -> None:
        self._send("piece_deposited", settings, piece, view)

    @hookimpl
    def decompte_state_changed(
        self,
        piece: Piece,
        action: str,
        from_state: str,
        to_state: str,
        reason: str,
        view: PluginView | None,
        settings: Mapping[str, Any],
    ) -> None:
        self._send(
            "state_changed",
            settings,
            piece,
            view,
            action=action,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
        )

    @hookimpl
    def decompte_deadline_crossed(
        self, piece: Piece, deadline: Any, view: PluginView | None, settings: Mapping[str, Any]
    ) -> None:
        self._send("deadline_crossed", settings, piece, view, deadline=str(deadline))

    @hookimpl
    def decompte_commands(self) -> list[Command]:
        return [Command("webhooks-journal", "Dernières livraisons de webhooks", self.journal)]

    def journal(self, ctx: CommandContext) -> list[dict[str, Any]]:
        if self.sender is not None and self.sender.recent:
            return list(self.sender.recent)
        path = (
            Path(ctx.settings["log_path"]) if ctx.settings.get("log_path") else default_log_path()
        )
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()[-50:]
        return [json.loads(line) for line in lines if line.strip()]

    @hookimpl
    def decompte_shutdown(self, settings: Mapping[str, Any]) -> None:
        if self.sender is not None:
            self.sender.close(settings["flush_timeout_s"])
