"""The built-in pre-deposit checks (domain notes §8), served through `decompte_rules`."""

from __future__ import annotations

from sdk import Rule, hookimpl
from sdk.rules import BUILTIN_RULES


@hookimpl
def decompte_rules() -> tuple[Rule, ...]:
    return BUILTIN_RULES
