"""The `decompte` console script: the full-screen app when no command is given, the headless
commands (`decompte.sdk.cli`) otherwise. It lives in the front-end so that the core never
imports the app; `python -m decompte.tui` is the same.

Both paths import only the config loader and the app before the first frame.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from decompte.sdk.cli import add_globals, guarded
from decompte.sdk.cli.parser import FrenchParser
from decompte.sdk.errors import UsageError


def launch(
    db: str,
    config_file: str,
    *,
    demo: bool,
    theme: str | None,
    mouse: bool,
    today: str = "",
) -> int:
    """Run the app on `db` (or the configured store; a demo.db beside it with `demo`), on
    the day `today` (`--today`, else DECOMPTE_TODAY, else the system's: `sdk.clock`)."""
    from pathlib import Path

    from decompte.sdk.clock import chosen_clock
    from decompte.sdk.config import load_config

    from .app import main as run_app

    clock = chosen_clock(today)  # a bad date is named before anything opens
    config = load_config(Path(config_file) if config_file else None)
    target = db or config.db_target
    if demo and not db:  # never the everyday store: a demo.db beside it
        target = str(Path(config.db_target).with_name("demo.db"))
    return run_app(target, demo=demo, theme=theme, mouse=mouse, config=config, clock=clock)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    pre = FrenchParser(prog="decompte", add_help=False, allow_abbrev=False)
    add_globals(pre)
    as_json = "--json" in words
    try:
        args, rest = pre.parse_known_args(words)
    except UsageError:  # a global option without its value: the CLI names it, in French
        rest = words
    if rest:
        from decompte.sdk.cli import main as headless

        return headless(words)
    return guarded(
        lambda: launch(
            args.db,
            args.config,
            demo=args.demo,
            theme=args.theme,
            mouse=not args.no_mouse,
            today=args.today,
        ),
        as_json=as_json,
    )


if __name__ == "__main__":
    sys.exit(main())
