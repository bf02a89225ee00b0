"""What every service of the engine holds: the store, the organisation (and through it the
access policy), the cadre table, the configuration and the clock.

The workflow, the deposits and the read side share these five parts; one base keeps their
wiring in one place (`Core` builds them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cadres import CadreTable
    from .config import Config
    from .org import Organisation
    from .store import Store


class EngineParts:
    def __init__(
        self,
        store: Store,
        org: Organisation,
        cadres: CadreTable,
        config: Config,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.org = org
        self.cadres = cadres
        self.config = config
        self.clock = clock

    def parts(self) -> tuple[Store, Organisation, CadreTable, Config, Callable[[], datetime]]:
        """The five parts, to build another service on the same ones."""
        return self.store, self.org, self.cadres, self.config, self.clock

    def today(self) -> date:
        return self.clock().date()
