"""The built-in pre-deposit checks (domain notes §8), served through `decompte_rules`."""

from __future__ import annotations

from decompte.sdk import Rule, hookimpl
from decompte.sdk.rules import BUILTIN_RULES


@hookimpl
def decompte_rules() -> tuple[Rule, ...]:
    return BUILTIN_RULES
