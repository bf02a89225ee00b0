"""The Chorus Pro cadres de facturation (domain notes §3), served through `decompte_cadres`."""

from __future__ import annotations

from sdk import Cadre, hookimpl
from sdk.cadres import BUILTIN_CADRES


@hookimpl
def decompte_cadres() -> tuple[Cadre, ...]:
    return BUILTIN_CADRES
