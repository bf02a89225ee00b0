"""Internal errors (bugs) as incidents: the user sees a short French sentence and an id, the
traceback and the exception's text go to a private log file only.

An exception's text may carry what must never reach a terminal: a database driver's SQL
and bound values (password hashes, IBANs, activation codes), file contents. So it is never
printed; the incident id lets the user and the maintainer find it in the log.
"""

from __future__ import annotations

import os
import secrets
import traceback
from datetime import datetime
from pathlib import Path

from .private_paths import private_dir

APP = "decompte"


def log_dir() -> Path:
    if env := os.environ.get("DECOMPTE_LOG_DIR"):
        return Path(env)
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP))


def record(exc: BaseException) -> tuple[str, Path | None]:
    """Write the incident to the log; returns its id and the log file (None if the log
    could not be written: the id is still shown)."""
    incident = secrets.token_hex(3).upper()
    folder = log_dir()
    path = folder / "incidents.log"
    try:
        private_dir(folder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"--- incident {incident} · {datetime.now().isoformat(timespec='seconds')}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError:
        return incident, None
    return incident, path


def internal_error(exc: BaseException) -> dict[str, object]:
    """The error as the CLI prints it (same keys as a named error, exit code 1)."""
    incident, path = record(exc)
    where = f"le détail est dans {path}" if path else "le journal des incidents n'a pu être écrit"
    return {
        "exit_code": 1,
        "error": "InternalError",
        "message": f"Erreur interne (incident {incident}) : la commande s'est arrêtée sur une "
        f"anomalie du programme ; {where}",
        "field": "",
        "hint": f"signalez l'incident {incident} avec ce fichier ; relancer la commande est "
        "sans risque, rien n'a été enregistré à moitié",
        "incident": incident,
    }


def failure_text(exc: BaseException) -> str:
    """How a plugin's or a rule's failure is named to the user: the exception's type and an
    incident id, never its text (it may quote SQL or someone else's data); the detail goes
    to the log like an internal error's."""
    incident, path = record(exc)
    where = f", détail dans {path}" if path else ""
    return f"{type(exc).__name__} (incident {incident}{where})"
