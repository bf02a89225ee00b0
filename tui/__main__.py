"""`python -m tui [--db PATH] [--demo] [--theme NAME] [--no-mouse]`: the app without the CLI."""

from __future__ import annotations

import argparse
import sys


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", description="Decompte (application)")
    parser.add_argument("--db", default="")
    parser.add_argument("--config", default="")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--theme", default=None)
    parser.add_argument("--no-mouse", action="store_true")
    args = parser.parse_args(argv)
    from pathlib import Path

    from sdk.config import load_config

    from .app import main

    config = load_config(Path(args.config) if args.config else None)
    target = args.db or config.db_target
    if args.demo and not args.db:  # never the everyday store: a demo.db beside it
        target = str(Path(config.db_target).with_name("demo.db"))
    return main(
        target,
        demo=args.demo,
        theme=args.theme,
        mouse=not args.no_mouse,
        config=config,
    )


if __name__ == "__main__":
    sys.exit(run())
