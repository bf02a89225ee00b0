"""Helpers for thread workers: turn any failure into a French notification, never a
traceback or a frozen screen."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App


def describe_error(exc: BaseException) -> str:
    """The workflow's own message (with its hint), or a plain line for anything else."""
    message = getattr(exc, "message", None)
    if message is not None:
        hint = getattr(exc, "hint", "")
        return f"{message} — {hint}" if hint else str(message)
    if isinstance(exc, TimeoutError):
        return "La base ne répond pas (délai dépassé)"
    if isinstance(exc, OSError):
        return f"Erreur de fichier : {exc.strerror or exc}" + (
            f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        )
    text = str(exc) or type(exc).__name__
    return f"Erreur inattendue : {text}"


def notify_error(app: App, exc: BaseException, what: str = "") -> None:
    """From a worker thread: show the error as a notification on the UI thread."""
    text = describe_error(exc)
    title = what or "Erreur"
    with contextlib.suppress(RuntimeError):  # the app may be closing
        app.call_from_thread(app.notify, text, title=title, severity="error", timeout=8)
