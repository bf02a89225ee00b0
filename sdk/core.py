"""One object that wires the store, the organisation, the register and the workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .cadres import CadreTable
from .config import Config, load_config
from .extensions import Extensions
from .marches import Register
from .org import Organisation
from .queries import Queries
from .session import Session
from .store import Store, open_store
from .workflow import Workflow


class Core:
    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        clock: Callable[[], datetime] = datetime.now,
        cadres: CadreTable | None = None,
        extensions: Extensions | None = None,
    ) -> None:
        self.store = store
        self.config = config or Config()
        self.clock = clock
        self.cadres = cadres or CadreTable()
        self.org = Organisation(store, clock)
        self.register = Register(store, self.cadres)
        self.workflow = Workflow(store, self.org, self.cadres, self.config, clock, extensions)
        self.queries = Queries(store, self.org, self.cadres, self.config, clock)

    @classmethod
    def open(
        cls,
        target: str | Path | None = None,
        *,
        config: Config | None = None,
        clock: Callable[[], datetime] = datetime.now,
        **kwargs: object,
    ) -> Core:
        config = config or load_config()
        store = open_store(target or config.db_target)
        return cls(store, config, clock, **kwargs)  # type: ignore[arg-type]

    def login(self, login: str, password: str, structure: str = "") -> Session:
        user = self.org.authenticate(login, password)
        return self.org.open_session(user, structure)

    def close(self) -> None:
        self.store.close()
