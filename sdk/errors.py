"""Errors raised by the core; each maps to one CLI exit code."""

from __future__ import annotations

from .findings import Finding
from .vocabulary import TRANSITION_REFUSALS


class DecompteError(Exception):
    """Base error: `field` names what is wrong, `hint` says what to do."""

    exit_code = 1

    def __init__(self, message: str, *, field: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text} — {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        return {
            "exit_code": self.exit_code,
            "error": type(self).__name__,
            "message": self.message,
            "field": self.field,
            "hint": self.hint,
        }


class UsageError(DecompteError):
    """Bad input shape: missing or malformed argument."""

    exit_code = 2


class ValidationRefused(DecompteError):
    """Rules returned blocking errors, or warnings that were not confirmed."""

    exit_code = 3

    def __init__(self, findings: list[Finding], message: str = "") -> None:
        self.findings = findings
        blocking = [f for f in findings if f.severity != "info"]
        first = blocking[0] if blocking else None
        super().__init__(
            message or "Dépôt refusé par les contrôles",
            field=first.field if first else "",
            hint=first.hint if first else "",
        )

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["findings"] = [f.as_dict() for f in self.findings]
        return data


class NotAuthorised(DecompteError):
    """The user may not act (unknown login, wrong password, no attachment, no role, no space)."""

    exit_code = 4


class NotHolder(NotAuthorised):
    """The acting structure is party to the piece but does not hold it: the one answer to
    every action on a piece (take, refuse, suspend, complete, validate), whatever its state,
    so that no action answers differently from another (a structure not party to the piece
    gets `NotFound`, from the access policy)."""

    def __init__(self, field: str = "piece") -> None:
        super().__init__(
            TRANSITION_REFUSALS["holder"], field=field, hint=TRANSITION_REFUSALS["holder_hint"]
        )


class NotFound(DecompteError):
    exit_code = 5


class Conflict(DecompteError):
    """Someone acted first (version check failed) or the state no longer allows the action."""

    exit_code = 6
