"""A virtual table of pieces: rows are fetched page by page from the store in a thread worker
and only the visible lines are drawn, so 100 000 rows scroll as fast as 10.

The first column stays in place; the others scroll sideways with the column cursor
(left/right). Sorting is done by the store (`s` sorts on the column under the cursor, a second
press reverses it).

Why it is long (~600 lines): one widget whose paging, cursor, sideways scroll and hand-drawn
lines (`render_lines`) share the per-repaint state that keeps Page↓ under 20 ms on 80 000
rows; split, each part would need that state passed around.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import get_current_worker

from .. import keymap as K
from ..safe_text import plain
from ..workers import describe_error

#: fetch(offset, limit, sort, descending) -> (rows, total); blocking, runs in a thread.
Fetch = Callable[[int, int, str | None, bool], tuple[Sequence[Any], int]]
#: a row's cells: column key -> (text, tone)
Cells = dict[str, tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class _Frame:
    """One repaint's shared facts: width, visible columns, the scrollbar thumb's lines."""

    width: int
    layout: list[tuple[Column, int]]
    thumb: range


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    text: Callable[[Any], str]
    align: str = "left"
    sort: str | None = None  # the store's sort key, None: not sortable
    tone: Callable[[Any], str | None] | None = None  # component class suffix for the cell
    min_width: int = 0  # may shrink down to this to show more columns (0: fixed width)

    @property
    def narrowest(self) -> int:
        return self.min_width or self.width


class VirtualTable(Widget, can_focus=True):
    """Rows of a paged store query, drawn line by line."""

    BINDINGS: ClassVar[list[Binding]] = K.bindings("table")

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "vtable--header",
        "vtable--header-sorted",
        "vtable--cursor",
        "vtable--column-cursor",
        "vtable--stripe",
        "vtable--placeholder",
        "vtable--overdue",
        "vtable--soon",
        "vtable--ok",
        "vtable--muted",
        "vtable--scrollbar",
        "vtable--thumb",
        "vtable--message",
    }

    DEFAULT_CSS = """
    VirtualTable { height: 1fr; min-height: 3; background: $surface; }
    VirtualTable > .vtable--header { background: $panel; color: $foreground; text-style: bold; }
    VirtualTable > .vtable--header-sorted { background: $panel; color: $accent; text-style: bold; }
    VirtualTable > .vtable--cursor { background: $panel; }
    VirtualTable:focus > .vtable--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    VirtualTable > .vtable--column-cursor { text-style: underline; }
    VirtualTable > .vtable--stripe { background: $surface-lighten-1; }
    VirtualTable > .vtable--placeholder { color: $text-muted; }
    VirtualTable > .vtable--overdue { color: $error; text-style: bold; }
    VirtualTable > .vtable--soon { color: $warning; text-style: bold; }
    VirtualTable > .vtable--ok { color: $success; }
    VirtualTable > .vtable--muted { color: $text-muted; }
    VirtualTable > .vtable--scrollbar { color: $panel; }
    VirtualTable > .vtable--thumb { color: $primary; }
    VirtualTable > .vtable--message { color: $text-muted; text-style: italic; }
    """

    class Activated(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: VirtualTable, row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> VirtualTable:
            return self.table

    cursor: reactive[int] = reactive(0, layout=False, repaint=False, init=False)

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty_text: str = "Aucune pièce",
        idle_text: str = "",
        page_size: int = 200,
        sort: str | None = None,
        descending: bool = True,
        on_move: Callable[[], None] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`on_move` is called when the cursor, the total or the sort changes (for a status
        line): at once, not by a message, so that the line repaints in the same frame."""
        super().__init__(id=id, classes=classes)
        self.on_move = on_move
        self.columns = list(columns)
        self.empty_text = empty_text
        self.idle_text = idle_text
        self.page_size = page_size
        self.sort_key = sort
        self.descending = descending
        self.total: int | None = None
        self.top = 0
        self.col_cursor = 0
        self.col_offset = 1
        self.error = ""
        self._fetch: Fetch | None = None
        self._rows: dict[int, Any] = {}
        self._cells: dict[int, Cells] = {}  # each row's texts and tones, made by the worker
        self._generation = 0
        self._inflight: tuple[int, int, int] | None = None  # generation, offset, limit
        self._styles: dict[str, Style] = {}
        self._tones: dict[tuple[Style, str], Style] = {}
        self._col_layout_key: tuple[int, int] | None = None
        self._col_layout: list[tuple[Column, int]] = []

    # -- data ---------------------------------------------------------------------------------
    def set_source(self, fetch: Fetch | None, *, keep_cursor: bool = False) -> None:
        """Show another query (new filters, new identity): drop the rows, fetch again."""
        self._fetch = fetch
        self._generation += 1
        self._rows.clear()
        self._cells.clear()
        self._inflight = None
        self.error = ""
        if not keep_cursor:
            self.total = None
            self.top = 0
            self.set_reactive(VirtualTable.cursor, 0)
        self.refresh()
        self._ensure_rows()
        self._moved()

    def _moved(self) -> None:
        if self.on_move is not None:
            self.on_move()

    def reload(self) -> None:
        self.set_source(self._fetch, keep_cursor=True)

    @property
    def loading_rows(self) -> bool:
        return self._inflight is not None

    @property
    def current_row(self) -> Any:
        return self._rows.get(self.cursor)

    def row_at(self, index: int) -> Any:
        return self._rows.get(index)

    def _ensure_rows(self) -> None:
        if self._fetch is None or self._inflight is not None:
            return
        body = max(1, self._body_height())
        if self.total is not None:
            if self.total == 0:
                return
            # the visible rows and one page on each side (read ahead of the cursor)
            ahead = range(max(0, self.top - body), min(self.total, self.top + 2 * body))
            if self.cursor in self._rows and all(i in self._rows for i in ahead):
                return
        limit = min(1000, max(self.page_size, body * 5))
        offset = max(0, self.top - (limit - body) // 2)
        if self.total is not None:
            offset = min(offset, max(0, self.total - limit))
        self._inflight = (self._generation, offset, limit)
        self._load(self._generation, self._fetch, offset, limit, self.sort_key, self.descending)

    @work(thread=True, exclusive=True, exit_on_error=False, group="vtable-fetch")
    def _load(
        self,
        generation: int,
        fetch: Fetch,
        offset: int,
        limit: int,
        sort: str | None,
        descending: bool,
    ) -> None:
        worker = get_current_worker()
        try:
            rows, total = fetch(offset, limit, sort, descending)
        except Exception as exc:  # shown in the table and as a notification
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, generation, exc)
            return
        if worker.is_cancelled:
            return
        rows = list(rows)
        # Formatted here, off the screen's thread: a page key then only lays cells out.
        cells = [_cells_of(self.columns, row) for row in rows]
        self.app.call_from_thread(self._loaded, generation, offset, rows, cells, total)

    def _loaded(
        self, generation: int, offset: int, rows: list[Any], cells: list[Cells], total: int
    ) -> None:
        if generation != self._generation:
            return
        self._inflight = None
        self.error = ""
        # Only one read's worth of rows on each side of the screen is kept (a row and its
        # cells weigh about 3 kB): memory stays flat however far the clerk scrolls.
        body = self._body_height()
        keep = range(self.top - len(rows), self.top + body + len(rows))
        if len(self._rows) + len(rows) > len(keep):
            self._rows = {i: r for i, r in self._rows.items() if i in keep}
            self._cells = {i: c for i, c in self._cells.items() if i in keep}
        visible = range(self.top, self.top + body)
        shown = self.total == total and all(i in self._rows for i in visible)
        for i, (row, row_cells) in enumerate(zip(rows, cells, strict=True)):
            self._rows[offset + i] = row
            self._cells[offset + i] = row_cells
        self.total = total
        if self.cursor >= total:
            self.set_reactive(VirtualTable.cursor, max(0, total - 1))
        self._clamp_top()
        if not shown:  # rows read ahead, off screen: nothing to repaint
            self.refresh()
        self._moved()
        self._ensure_rows()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._inflight = None
        self.error = plain(describe_error(exc))
        if self.total is None:
            self.total = 0
        self.refresh()
        self._moved()
        self.notify(self.error, title="Lecture impossible", severity="error", timeout=8)

    # -- geometry -----------------------------------------------------------------------------
    def _body_height(self) -> int:
        return max(0, self.size.height - 1)

    def _clamp_top(self) -> None:
        body = self._body_height()
        total = self.total or 0
        if self.cursor < self.top:
            self.top = self.cursor
        elif body and self.cursor >= self.top + body:
            self.top = self.cursor - body + 1
        self.top = max(0, min(self.top, max(0, total - body)))

    def on_resize(self, event: events.Resize) -> None:
        self._col_layout_key = None
        self._clamp_top()
        self._ensure_rows()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def _columns_layout(self, width: int) -> list[tuple[Column, int]]:
        """(column, width) of the visible columns: the first, then from `col_offset`, as many
        as fit at their narrowest; the room left widens them back towards their width."""
        key = (width, self.col_offset)
        if key == self._col_layout_key:
            return self._col_layout
        usable = width - 1  # scrollbar
        first = self.columns[0]
        shown = [first]
        used = min(first.narrowest, usable)
        for column in self.columns[self.col_offset :]:
            if used + 1 + column.narrowest > usable:
                if used + 1 + 4 <= usable and len(shown) == 1:
                    shown.append(column)  # at least one column beside the first
                    used = usable
                break
            shown.append(column)
            used += 1 + column.narrowest
        widths = [c.narrowest for c in shown]
        room = usable - (sum(widths) + len(widths) - 1)
        while room > 0:  # widen the shrunk columns evenly, one cell at a time
            grown = False
            for i, column in enumerate(shown):
                if room > 0 and widths[i] < column.width:
                    widths[i] += 1
                    room -= 1
                    grown = True
            if not grown:
                break
        if sum(widths) + len(widths) - 1 > usable:  # a very narrow terminal
            widths[-1] = max(1, usable - (sum(widths[:-1]) + len(widths) - 1))
        out = list(zip(shown, widths, strict=True))
        self._col_layout_key, self._col_layout = key, out
        return out

    def _ensure_column_visible(self) -> None:
        if self.col_cursor == 0:
            return
        width = self.size.width
        while self.col_cursor < self.col_offset:
            self.col_offset -= 1
        while True:
            shown = [c for c, _ in self._columns_layout(width)]
            if self.columns[self.col_cursor] in shown or self.col_offset >= self.col_cursor:
                break
            self.col_offset += 1

    # -- drawing ------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        self._styles.clear()
        self._tones.clear()
        super().notify_style_update()

    def _base_style(self) -> Style:
        """The widget's own style (walking the DOM each line would cost a lot)."""
        style = self._styles.get("")
        if style is None:
            style = self._styles[""] = self.rich_style
        return style

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self._resolve_style(name)
        return style

    def _resolve_style(self, name: str) -> Style:
        """Header styles in full (they carry their background); the muted greys blended
        from the table's own colours ("auto" colours do not resolve in partial styles);
        the rest partial, to lay over the row's stripe or cursor."""
        if name.startswith("header"):
            return self.get_component_rich_style(f"vtable--{name}")
        if name in ("muted", "placeholder", "message"):
            background = self.styles.background
            muted = background.blend(self.styles.color, 0.55)
            italic = name == "message"
            return Style(color=muted.rich_color, italic=italic)
        return self.get_component_rich_style(f"vtable--{name}", partial=True)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, drawn straight from the cached cells. The table has no border,
        padding or tint, so Textual's per-line styling pass would only copy each line again
        (about half of a page key's frame); a theme that styles the table gets that pass."""
        styles = self.styles
        if any(styles.gutter) or styles.tint.a or self.opacity != 1.0:
            return super().render_lines(crop)
        frame = self._frame()
        strips = [self._draw(y, frame) for y in crop.line_range]
        x1, x2 = crop.column_span
        if (x1, x2) != (0, frame.width):
            strips = [strip.crop(x1, x2) for strip in strips]
        if filters := self.get_line_filters():
            background = self.background_colors[1]
            for line_filter in filters:
                strips = [strip.apply_filter(line_filter, background) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        return self._draw(y, self._frame())

    def _frame(self) -> _Frame:
        """What every line of one repaint shares: computed once, not once per line."""
        width, body, total = self.size.width, self._body_height(), self.total or 0
        thumb = range(0)
        if body and total > body:
            size = max(1, body * body // total)
            start = (body - size) * self.top // max(1, total - body)
            thumb = range(start + 1, start + size + 1)
        return _Frame(width, self._columns_layout(width) if width > 0 else [], thumb)

    def _row_style(self, stripe: bool, cursor: bool) -> Style:
        key = f"row{int(stripe)}{int(cursor)}"
        style = self._styles.get(key)
        if style is None:
            style = self._base_style()
            if stripe:
                style = style + self._style("stripe")
            if cursor:
                style = style + self._style("cursor")
            self._styles[key] = style
        return style

    def _draw(self, y: int, frame: _Frame) -> Strip:
        width, layout = frame.width, frame.layout
        if width <= 0:
            return Strip.blank(0)
        if y == 0:
            return self._header(layout, width)
        base = self._base_style()
        index = self.top + y - 1
        total = self.total
        if total is None or total == 0 or index >= total:
            if y == 1:
                if self._fetch is None:
                    text = self.idle_text
                else:
                    text = self.error or ("Chargement…" if total is None else self.empty_text)
                style = base + self._style("message")
                return Strip([Segment(_fit(" " + text, width), style)], width)
            return Strip.blank(width, base)
        cells = self._cells.get(index)
        row_style = self._row_style(bool(index % 2), index == self.cursor)
        tone_style = self._tone_style
        parts: list[tuple[str, Style]] = []
        used = 0
        for i, (column, w) in enumerate(layout):
            if i:
                parts.append((" ", row_style))
                used += 1
            if cells is None:
                text, style = ("…" if i == 0 else ""), tone_style(row_style, "placeholder")
            else:
                text, tone = cells[column.key]
                style = tone_style(row_style, tone) if tone else row_style
            parts.append((_fit(text, w, column.align), style))
            used += w
        if used < width - 1:
            parts.append((" " * (width - 1 - used), row_style))
        # Cells of one style make one segment (most of a line is in the row's style): a
        # repaint of the whole table then costs Textual a few segments per line, not thirty.
        segments = [
            Segment("".join(text for text, _ in run), style)
            for style, run in groupby(parts, key=itemgetter(1))
        ]
        segments.append(self._scrollbar_cell(y in frame.thumb, bool(frame.thumb)))
        return Strip(segments, width)

    def _tone_style(self, row_style: Style, tone: str) -> Style:
        key = (row_style, tone)
        style = self._tones.get(key)
        if style is None:
            style = self._tones[key] = row_style + self._style(tone)
        return style

    def _header(self, layout: list[tuple[Column, int]], width: int) -> Strip:
        header = self._base_style() + self._style("header")
        segments: list[Segment] = []
        used = 0
        for i, (column, w) in enumerate(layout):
            if i:
                segments.append(Segment(" ", header))
                used += 1
            label = column.label
            style = header
            if column.sort and column.sort == self.sort_key:
                label = f"{label} {'▼' if self.descending else '▲'}"
                style = self._base_style() + self._style("header-sorted")
            if self.has_focus and self.columns.index(column) == self.col_cursor:
                style = style + self._style("column-cursor")
            segments.append(Segment(_fit(label, w, column.align), style))
            used += w
        more = "›" if layout and layout[-1][0] is not self.columns[-1] else " "
        if used < width - 1:
            segments.append(Segment(" " * (width - 1 - used), header))
        segments.append(Segment(more, header))
        return Strip(segments, width)

    def _scrollbar_cell(self, inside: bool, shown: bool) -> Segment:
        if not shown:  # every row fits: no bar
            return Segment(" ", self._base_style())
        key = "thumb" if inside else "scrollbar"
        return Segment("▐" if inside else "│", self._base_style() + self._style(key))

    # -- moving -------------------------------------------------------------------------------
    def _move_to(self, index: int) -> None:
        total = self.total or 0
        if total == 0:
            return
        index = max(0, min(total - 1, index))
        if index == self.cursor:
            return
        old_cursor, old_top = self.cursor, self.top
        self.set_reactive(VirtualTable.cursor, index)
        self._clamp_top()
        if self.top == old_top:
            width = self.size.width
            self.refresh(
                Region(0, old_cursor - self.top + 1, width, 1),
                Region(0, index - self.top + 1, width, 1),
            )
        else:
            self.refresh()
        self.call_after_refresh(self._ensure_rows)  # repaint first, then read ahead
        self._moved()

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, delta: int) -> None:
        body = max(1, self._body_height() - 1)
        self._move_to(self.cursor + delta * body)

    def action_jump(self, index: int) -> None:
        self._move_to(index if index >= 0 else (self.total or 0) - 1)

    def action_column(self, delta: int) -> None:
        self.col_cursor = max(0, min(len(self.columns) - 1, self.col_cursor + delta))
        self._ensure_column_visible()
        self.refresh()
        self._moved()

    def action_sort(self) -> None:
        column = self.columns[self.col_cursor]
        if column.sort is None:
            self.notify(f"La colonne « {column.label} » ne se trie pas", timeout=3)
            return
        if self.sort_key == column.sort:
            self.descending = not self.descending
        else:
            self.sort_key, self.descending = column.sort, column.align == "right"
        self.set_source(self._fetch)

    def sort_by(self, key: str, descending: bool) -> None:
        self.sort_key, self.descending = key, descending
        for i, column in enumerate(self.columns):
            if column.sort == key:
                self.col_cursor = i
        self.set_source(self._fetch)

    def action_open(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Activated(self, row))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- mouse (never the only way) ------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for column, w in self._columns_layout(self.size.width):
                if x <= event.x < x + w + 1:
                    self.col_cursor = self.columns.index(column)
                    self.action_sort()
                    return
                x += w + 1
            return
        self._move_to(self.top + event.y - 1)
        if event.chain >= 2:
            self.action_open()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll_by(3)
        event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll_by(-3)
        event.stop()

    def _scroll_by(self, delta: int) -> None:
        body = self._body_height()
        total = self.total or 0
        self.top = max(0, min(self.top + delta, max(0, total - body)))
        if self.cursor < self.top:
            self.set_reactive(VirtualTable.cursor, self.top)
        elif body and self.cursor >= self.top + body:
            self.set_reactive(VirtualTable.cursor, self.top + body - 1)
        self.refresh()
        self._ensure_rows()

    def position_text(self) -> str:
        """« Ligne 3 sur 1 234 » for a status line."""
        if self._fetch is None:
            return self.idle_text
        if self.total is None:
            return "Chargement…"
        if self.total == 0:
            return self.error or self.empty_text
        return f"Ligne {self.cursor + 1:,} sur {self.total:,}".replace(",", "\u00a0")


def _cells_of(columns: Sequence[Column], row: Any) -> Cells:
    """A row's cells, neutralised: stored text is drawn as segments, straight to the terminal."""
    return {c.key: (plain(c.text(row)), c.tone(row) if c.tone else None) for c in columns}


def _fit(text: str, width: int, align: str = "left") -> str:
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: width - 1] + "…" if width > 1 else text[:1]
    if align == "right":
        return text.rjust(width)
    return text.ljust(width)
