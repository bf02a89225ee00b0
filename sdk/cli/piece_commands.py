"""The piece commands of the CLI, registered in the order `decompte --help` lists them; each
job in its module: `deposit_commands` (deposit), `process_commands` (process),
`read_commands` (synthese, search, show, history, dossier, download, stock, fiscal,
archives), `table_commands` (sweep, cadres, states); `arguments` reads dates and pieces."""

from __future__ import annotations

from typing import Any

from . import deposit_commands, process_commands, read_commands, table_commands


def register(sub: Any) -> None:
    deposit_commands.register(sub)
    process_commands.register(sub)
    read_commands.register(sub)
    table_commands.register(sub)
