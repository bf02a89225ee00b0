"""`python -m tui [--db PATH] [--demo] [--theme NAME] [--no-mouse]`: the app without the CLI.

`launch()` is also what `decompte` runs when no command is given: both paths import only the
config loader and the app before the first frame.
"""

from __future__ import annotations

import argparse
import sys


def launch(db: str, config_file: str, *, demo: bool, theme: str | None, mouse: bool) -> int:
    """Run the app on `db` (or the configured store; a demo.db beside it with `demo`)."""
    from pathlib import Path

    from sdk.config import load_config

    from .app import main

    config = load_config(Path(config_file) if config_file else None)
    target = db or config.db_target
    if demo and not db:  # never the everyday store: a demo.db beside it
        target = str(Path(config.db_target).with_name("demo.db"))
    return main(target, demo=demo, theme=theme, mouse=mouse, config=config)


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", description="Decompte (application)")
    parser.add_argument("--db", default="")
    parser.add_argument("--config", default="")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--theme", default=None)
    parser.add_argument("--no-mouse", action="store_true")
    args = parser.parse_args(argv)
    return launch(args.db, args.config, demo=args.demo, theme=args.theme, mouse=not args.no_mouse)


if __name__ == "__main__":
    sys.exit(run())
