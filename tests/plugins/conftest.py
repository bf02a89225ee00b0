"""Fixtures for plugin tests: a demo core wired to a plugin host as the application does."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest

from decompte.sdk.cadres import CadreTable
from decompte.sdk.config import Config
from decompte.sdk.core import Core
from decompte.sdk.plugins import PluginHost
from decompte.sdk.store import open_store


def wire(store_path: Path, host: PluginHost, clock: Callable[[], datetime]) -> Core:
    """Every rule and cadre through the hooks, events to the host (the application's wiring)."""
    core = Core(
        open_store(store_path),
        host.config,
        clock,
        cadres=CadreTable(host.cadres()),
        extensions=host,
    )
    core.workflow.rules = ()
    core.plugins = host  # type: ignore[attr-defined]
    host.attach(core)
    return core


@pytest.fixture
def plugged(demo_db: Path, clock: Callable[[], datetime]) -> Iterator[Callable[..., Core]]:
    """`plugged(extra={...}, config=Config(...))`: a demo core with bundled + extra plugins."""
    cores: list[Core] = []

    def build(
        extra: Mapping[str, object] | None = None, config: Config | None = None, **load: object
    ) -> Core:
        host = PluginHost.load(config or Config(), entry_points=False, extra=extra, **load)
        core = wire(demo_db, host, clock)
        cores.append(core)
        return core

    yield build
    for core in cores:
        core.plugins.close()  # type: ignore[attr-defined]
        core.close()
