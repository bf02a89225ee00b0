"""Graded validation findings: what a rule says about a draft piece."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one field. Errors block a deposit, warnings need confirmation."""

    rule_id: str
    severity: Severity
    field: str
    message: str
    hint: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "severity": str(self.severity),
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        text = f"[{self.severity}] {self.field}: {self.message} ({self.rule_id})"
        return f"{text} — {self.hint}" if self.hint else text


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.WARNING]
