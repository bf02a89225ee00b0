"""The key line at the bottom: the keys that work here and now.

A light replacement for Textual's Footer, which rebuilds its widgets on every focus change
(a tab through a long form then costs a full layout); this one redraws a single line.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.screen import Screen

from ..safe_text import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $text; padding: 0 1; }
    KeyBar > .keybar--key { color: $accent; text-style: bold; }
    KeyBar > .keybar--disabled { color: $text-disabled; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--disabled"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._render_keys)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self._render_keys()

    def _render_keys(self) -> None:
        if not self.is_attached:
            return
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        off_style = Style(color=self.styles.background.blend(self.styles.color, 0.5).rich_color)
        text = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            if text:
                text.append("  ")
            text.append(self.app.get_key_display(binding), key_style if enabled else off_style)
            text.append(" ")
            text.append(binding.description, "" if enabled else off_style)
        self.update(text)
