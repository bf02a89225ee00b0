"""What a CLI command works with: the parsed arguments, the core, the acting session."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clock import chosen_clock
from ..config import Config, load_config
from ..errors import NotAuthorised, UsageError
from . import output

if TYPE_CHECKING:
    from ..core import Core
    from ..plugins import PluginHost
    from ..session import Session


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    @cached_property
    def config(self) -> Config:
        return load_config(Path(self.args.config) if self.args.config else None)

    @property
    def db_target(self) -> str:
        return self.args.db or self.config.db_target

    @cached_property
    def plugins(self) -> PluginHost:
        from ..plugins import PluginHost

        return PluginHost.load(self.config)

    @cached_property
    def core(self) -> Core:
        from ..core import Core

        return Core.open(self.db_target, config=self.config, clock=self.clock, plugins=self.plugins)

    @cached_property
    def clock(self) -> Callable[[], datetime]:
        """The system's clock, or the day `--today` / `DECOMPTE_TODAY` sets (`sdk.clock`)."""
        return chosen_clock(getattr(self.args, "today", ""))

    def close(self) -> None:
        """Shut the plugins down (webhooks flush) and release the store."""
        if "core" in self.__dict__:
            self.core.close()
        elif "plugins" in self.__dict__:
            self.plugins.close()

    def password(self) -> str:
        if self.args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        if env := os.environ.get("DECOMPTE_PASSWORD"):
            return env
        if sys.stdin.isatty():
            return getpass.getpass("Mot de passe : ")
        raise NotAuthorised(
            "Mot de passe requis",
            field="password",
            hint="définissez DECOMPTE_PASSWORD ou utilisez --password-stdin",
        )

    @cached_property
    def session(self) -> Session:
        if not self.args.as_login:
            raise UsageError(
                "Cette commande agit au nom d'un utilisateur",
                field="--as",
                hint="ajoutez --as IDENTIFIANT (adresse de connexion)",
            )
        return self.core.login(self.args.as_login, self.password(), self.args.for_structure or "")

    def emit(self, data: Any, human: str | None = None) -> None:
        """Print `data` as JSON (--json, or when there is no `human` text), else the text for
        people; both neutralised by `output`, so no command can print stored text raw."""
        if self.args.json or human is None:
            print(output.dumps(data))
        else:
            print(output.human(human))
