"""Rich styles from the current theme (error, warning, success…), so that text coloured in
Python reads well on every theme, 16-colour one included."""

from __future__ import annotations

from rich.style import Style
from textual.app import App
from textual.color import Color

_FALLBACK = {
    "error": "red",
    "warning": "yellow",
    "success": "green",
    "accent": "cyan",
    "primary": "blue",
}


def tone(app: App[object], name: str, *, bold: bool = False) -> Style:
    """A Rich style with the theme's colour `name` ("error", "warning", "success"…)."""
    value = app.theme_variables.get(name) or _FALLBACK.get(name, "")
    try:
        color = Color.parse(value).rich_color
    except Exception:  # a theme value Color cannot read: plain named colour
        return Style(color=_FALLBACK.get(name), bold=bold)
    return Style(color=color, bold=bold)
