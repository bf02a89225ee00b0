"""Messages for a person outside the program (the activation code for the address being
registered): offered to the plugins that implement the hook ``decompte_notify`` (a mail
gateway…), and, when none takes one, written to a private local outbox.

Why: the code must reach the owner of the address, never the screen of whoever typed the
address. The outbox is the safe default of a host without a mail plugin: one ``.eml`` file
per message (mode 0600, in a folder of mode 0700), which an administrator can read or hand to
``sendmail -t``; the person who registered is told where it went, not what it says.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from .errors import NotAuthorised

OUTBOX_ENV = "DECOMPTE_OUTBOX"
LOCAL_OUTBOX = "boîte d'envoi locale"


@dataclass(frozen=True, slots=True)
class Notification:
    kind: str  # "activation_code"
    recipient: str  # an e-mail address
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a notification went: the plugins that took it, or the outbox file."""

    recipient: str
    by: str
    path: Path | None = None

    def sentence(self) -> str:
        where = f" ({LOCAL_OUTBOX} : {self.path})" if self.path else f" (par {self.by})"
        return f"un code a été envoyé à l'adresse {self.recipient}{where}"


class Courier(Protocol):
    """The plugin host's side: the names of the plugins that took the message."""

    def notify(self, kind: str, recipient: str, subject: str, body: str) -> list[str]: ...


def outbox_for(files_root: Path) -> Path:
    """The outbox of a store: beside its file folder (``X.db.files`` → ``X.db.outbox``), or
    the folder named by DECOMPTE_OUTBOX."""
    if env := os.environ.get(OUTBOX_ENV):
        return Path(env)
    if files_root.name.endswith(".files"):
        return files_root.with_name(files_root.name.removesuffix(".files") + ".outbox")
    return files_root.with_name("outbox")


class Notifier:
    def __init__(
        self,
        outbox: Path,
        courier: Courier | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.outbox = outbox
        self.courier = courier
        self.clock = clock

    def send(self, note: Notification) -> Delivery:
        taken = (
            self.courier.notify(note.kind, note.recipient, note.subject, note.body)
            if self.courier is not None
            else []
        )
        if taken:
            return Delivery(note.recipient, ", ".join(taken))
        try:
            return Delivery(note.recipient, LOCAL_OUTBOX, self._write(note))
        except OSError as exc:
            raise NotAuthorised(
                f"Message non envoyé : la {LOCAL_OUTBOX} {self.outbox} n'accepte pas l'écriture "
                f"({exc.strerror or type(exc).__name__})",
                field="outbox",
                hint=f"installez un plugin d'envoi (hook decompte_notify) ou choisissez un "
                f"dossier à vous avec {OUTBOX_ENV}",
            ) from None

    def _write(self, note: Notification) -> Path:
        self.outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.outbox, 0o700)  # whatever the umask, or a folder made before
        mail = EmailMessage()
        mail["To"] = note.recipient
        mail["Subject"] = note.subject
        mail["X-Decompte-Kind"] = note.kind
        mail.set_content(note.body, cte="8bit")
        safe = re.sub(r"[^A-Za-z0-9@._-]", "_", note.recipient)[:80]
        path = self.outbox / (
            f"{self.clock():%Y%m%d-%H%M%S}-{note.kind}-{safe}-{secrets.token_hex(3)}.eml"
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(mail.as_bytes())
        return path
