"""What the engine asks of plugins: extra rules and event delivery.

The workflow depends on this small protocol only; `sdk.plugins` implements it over pluggy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .findings import Finding
from .model import PieceDraft


class Extensions(Protocol):
    def extra_findings(self, draft: PieceDraft, context: Any) -> list[Finding]: ...

    def emit(self, event: str, payload: Mapping[str, Any]) -> None: ...


class NoExtensions:
    """The engine alone, with its built-in rules only."""

    def extra_findings(self, draft: PieceDraft, context: Any) -> list[Finding]:
        return []

    def emit(self, event: str, payload: Mapping[str, Any]) -> None:
        return None
