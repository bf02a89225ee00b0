"""One object that wires the store, the organisation, the register, the workflow and plugins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .cadres import BUILTIN_CADRES, CadreTable
from .config import Config, load_config
from .errors import UsageError
from .extensions import Extensions
from .marches import Register
from .notify import Notifier, outbox_for
from .org import Organisation
from .plugins import PluginHost
from .queries import Queries
from .rules import BUILTIN_RULES
from .session import Session
from .store import Store, open_store
from .workflow import Workflow


class Core:
    """The engine as the app, the CLI and plugins use it.

    By default the plugins are loaded (bundled ones and entry points, less those disabled in
    the config): the built-in rules and cadres reach the engine through the same hooks.
    """

    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        clock: Callable[[], datetime] = datetime.now,
        cadres: CadreTable | None = None,
        extensions: Extensions | None = None,
        plugins: PluginHost | None = None,
    ) -> None:
        self.store = store
        self.config = config or Config()
        self.clock = clock
        if plugins is None and extensions is None:
            plugins = PluginHost.load(self.config)
        self.plugins = plugins
        self.cadres = cadres or CadreTable(plugins.cadres() if plugins else BUILTIN_CADRES)
        self.org = Organisation(store, clock)
        self.org.notifier = Notifier(outbox_for(store.files.root), plugins, clock)
        self.register = Register(store, self.cadres, self.org.access)
        self.workflow = Workflow(
            store,
            self.org,
            self.cadres,
            self.config,
            clock,
            extensions or plugins,
            rules=() if plugins else BUILTIN_RULES,
        )
        self.queries = Queries(store, self.org, self.cadres, self.config, clock)
        if plugins is not None:
            plugins.install_states()
            plugins.attach(self)

    @classmethod
    def open(
        cls,
        target: str | Path | None = None,
        *,
        config: Config | None = None,
        clock: Callable[[], datetime] = datetime.now,
        plugins: PluginHost | None = None,
        sqlite_cache_kib: int | None = None,
    ) -> Core:
        """The front-ends' door to a store: they never open one themselves (import contract)."""
        config = config or load_config()
        store = open_store(target or config.db_target, sqlite_cache_kib=sqlite_cache_kib)
        return cls(store, config, clock, plugins=plugins)

    def login(self, login: str, password: str, structure: str = "") -> Session:
        for field, text in (("login", login), ("password", password), ("structure", structure)):
            _refuse_undecodable(field, text)
        user = self.org.authenticate(login, password)
        return self.org.open_session(user, structure)

    def close(self) -> None:
        if self.plugins is not None:
            self.plugins.close()  # webhooks drain their queue here
        self.store.close()


def _refuse_undecodable(field: str, text: str) -> None:
    """Bytes that were not UTF-8 (read from a terminal or a pipe in a C locale) arrive as
    lone surrogates: named here rather than failing wherever the text is first encoded."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            "Texte illisible : des octets ne sont pas de l'UTF-8",
            field=field,
            hint="tapez ce texte en UTF-8 (réglage de la langue du terminal)",
        ) from None
