"""Tables that fit the terminal without cutting a number: the same cells laid out three ways.

A row per item (the widest), then a column per item (a transposed table: items across, measures down), then
a line per item and measure (item, measure, value), which fits any terminal of 45 columns or more. The
first layout whose narrowest rendering fits the width at hand is drawn; every cell is `no_wrap`, so a layout
that fits shows every number whole, and one that does not is never drawn (rich would cut it to `…`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

_UNBOUNDED = 10_000


@dataclass(frozen=True)
class Fitted:
    """The first of `layouts` drawn whole (its widest rendering, every cell at its full width) within the width
    at hand; the last one otherwise. A table's minimum width is one with its cells cut, so it is not the test."""

    layouts: tuple[RenderableType, ...]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        unbounded = options.update_width(_UNBOUNDED)  # measured within the width at hand, a table says only that
        for layout in self.layouts[:-1]:
            if Measurement.get(console, unbounded, layout).maximum <= options.max_width:
                yield layout
                return
        yield self.layouts[-1]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.layouts[-1])


@dataclass(frozen=True, kw_only=True)
class Cells:
    """A table's content: a title, the header (the first column names the items), rows, a closing caption."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str | None = None
    text_columns: int = 1  # how many leading columns hold text (left-aligned); the rest are numbers
    bold_last: bool = False  # the last row is a total


def fitted(cells: Cells) -> Fitted:
    return Fitted((_by_row(cells), _by_column(cells), _by_block(cells)))


def _plain(value: str) -> Text:
    """A cell's text as it is: never read as rich markup (a key may hold `[/b]`)."""
    return Text(value)


def _table(title: str | None, caption: str | None = None) -> Table:
    return Table(
        title=title,
        caption=caption,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )


def _by_row(cells: Cells) -> Table:
    table = _table(cells.title, cells.caption)
    for i, header in enumerate(cells.headers):
        table.add_column(header, justify="left" if i < cells.text_columns else "right", no_wrap=True)
    for i, row in enumerate(cells.rows):
        table.add_row(*map(_plain, row), style="bold" if cells.bold_last and i == len(cells.rows) - 1 else None)
    return table


def _by_column(cells: Cells) -> Table:
    table = _table(cells.title, cells.caption)
    table.add_column("", no_wrap=True)
    for row in cells.rows:
        table.add_column(row[0], justify="right", no_wrap=True)
    for j, header in enumerate(cells.headers[1:], start=1):
        table.add_row(_plain(header), *(_plain(row[j]) for row in cells.rows))
    return table


def _by_block(cells: Cells) -> Table:
    """One line per item and measure: the item's name on its first line, a rule between items."""
    table = _table(cells.title, cells.caption)
    table.add_column(cells.headers[0], no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("", justify="right", no_wrap=True)
    for row in cells.rows:
        pairs = list(zip(cells.headers[1:], row[1:]))
        for k, (header, value) in enumerate(pairs):
            table.add_row(
                _plain(row[0] if k == 0 else ""), _plain(header), _plain(value), end_section=k == len(pairs) - 1
            )
    return table
