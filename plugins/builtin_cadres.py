"""The Chorus Pro cadres de facturation (domain notes §3), served through `decompte_cadres`."""

from __future__ import annotations

from decompte.sdk import Cadre, hookimpl
from decompte.sdk.cadres import BUILTIN_CADRES


@hookimpl
def decompte_cadres() -> tuple[Cadre, ...]:
    return BUILTIN_CADRES
