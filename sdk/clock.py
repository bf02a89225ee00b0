"""The day the program considers today: the system's, or one an administrator sets to
replay a scenario (`--today`, `DECOMPTE_TODAY`) on a scratch store.

A set day keeps the time of day running (the clock is that date at the current time of
day): the history of actions stays in the order they were made, and a timer in the app
still sees time pass. Deposits, history events, deadlines, countdowns and the sweep all read
this one clock (`Core(clock=...)`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime

from .errors import UsageError

#: The dates a user may type: wide enough for any real piece, narrow enough that adding a
#: delay of days to them never leaves the calendar.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
#: The environment variable that sets the day when `--today` is not given.
TODAY_ENV = "DECOMPTE_TODAY"


def parse_day(text: str, field: str = "") -> date:
    """A day typed AAAA-MM-JJ within the calendar's bounds, else a named `UsageError`."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"date illisible « {text} »",
            field=field,
            hint="format AAAA-MM-JJ, par exemple 2026-11-23",
        ) from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise UsageError(
            f"date hors des bornes « {text} »",
            field=field,
            hint=f"une date entre {FIRST_DATE:%d/%m/%Y} et {LAST_DATE:%d/%m/%Y}",
        )
    return value


def on_day(day: date) -> Callable[[], datetime]:
    """A clock that says `day`, at the current time of day."""
    return lambda: datetime.combine(day, datetime.now().time())


def chosen_clock(option: str = "") -> Callable[[], datetime]:
    """The clock for `--today` (`option`), else `DECOMPTE_TODAY`, else the system's."""
    if option:
        return on_day(parse_day(option, "--today"))
    if env := os.environ.get(TODAY_ENV, "").strip():
        return on_day(parse_day(env, TODAY_ENV))
    return datetime.now
