"""Horizontal bar charts for a return, drawn on the server as inline SVG.

The chart is a picture of the table beside it, not a second source of figures: it carries
aria-hidden="true" so screen readers read the table, and it is drawn from the same cells with
the same words (pafinder.reports.tables.cell_text) so the two can never disagree.

The page's Content-Security-Policy forbids inline ``style`` attributes, so everything is drawn
with SVG presentation attributes (fill=, font-size=, ...). The drawing has a fixed viewBox and
width="100%", so it scales down to a 320 px screen; labels sit above their bars, not beside them,
so a long label has the whole width and wraps onto a second line instead of squeezing the bar.

A table with nothing to draw (no rows, or no row with a figure above zero) still gets an SVG,
saying "No figures to draw", so the page keeps its shape and a sighted reader is told why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from markupsafe import Markup, escape

from pafinder.reports.tables import Cell, Percent, ReportTable, Row, cell_text

BAR = "#1d70b8"  # GOV.UK blue: 5.2:1 against white, above the 3:1 that graphics need
TEXT = "#0b0c0c"  # GOV.UK text colour: 19:1 against white
FONT = "arial, sans-serif"  # the project's GOV.UK font stack (no GOV.UK Transport)

WIDTH = 360  # viewBox units; at 320 px wide (290 px inside the page margins) 1 unit = 0.8 px
FONT_SIZE = 18  # so text is about 14.5 px on a 320 px screen
LINE = 22  # label line height
BAR_HEIGHT = 22
GAP = 14  # space after each bar, before the next label
PAD = 4  # space between label and bar, and round the edge
CHAR = FONT_SIZE * 0.56  # a generous average Arial character width, for wrapping and room
MAX_LABEL_LINES = 3  # the table beside the chart always has the whole label
NOTHING = "No figures to draw"

# Characters XML 1.0 refuses (a label from data could hold one); HTML would cope, a parser not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")


def bar_chart(table: ReportTable, column: int = 0) -> Markup:
    """One bar per non-total row for ``cells[column]``: counts against the largest count in
    the column, percents against 100; a cell without a figure draws no bar, only its words."""
    rows = [row for row in table.rows if not row.total]
    cells = [_cell(row, column) for row in rows]
    largest = max((c for c in cells if isinstance(c, int) and not isinstance(c, bool)), default=0)
    if not any(_figure(c) > 0 for c in cells):
        return _svg(LINE + 2 * PAD, [_text(PAD, PAD + FONT_SIZE, NOTHING)])

    # Room at the right of the longest bar for the longest figure, so no number runs off.
    room = max(len(cell_text(c)) for c in cells if _is_figure(c)) * CHAR + 2 * PAD
    longest = WIDTH - 2 * PAD - room
    parts: list[str] = []
    y = PAD
    for row, cell in zip(rows, cells, strict=True):
        for line in _wrap(_clean(row.label)):
            y += LINE
            parts.append(_text(PAD, y - (LINE - FONT_SIZE) / 2 - 2, line))
        y += PAD
        words = cell_text(cell)
        if _is_figure(cell):
            whole = 100 if isinstance(cell, Percent) else largest
            length = longest * _figure(cell) / whole if whole else 0.0
            parts.append(
                f'<rect class="app-chart__bar" x="{PAD}" y="{y}" width="{_num(length)}" '
                f'height="{BAR_HEIGHT}" fill="{BAR}"/>'
            )
            parts.append(_text(PAD + length + PAD, _baseline(y), words))
        else:
            parts.append(_text(PAD, _baseline(y), words))  # the words, where the bar would be
        y += BAR_HEIGHT + GAP
    return _svg(y - GAP + PAD, parts)


def _cell(row: Row, column: int) -> Cell:
    return row.cells[column] if 0 <= column < len(row.cells) else None


def _is_count(cell: Cell) -> bool:
    return isinstance(cell, int) and not isinstance(cell, bool)


def _is_figure(cell: Cell) -> bool:
    return _is_count(cell) or isinstance(cell, Percent)


def _figure(cell: Cell) -> int:
    """The number a bar is drawn from; 0 for a cell that has none (a negative never draws)."""
    if isinstance(cell, Percent):
        return max(cell.value, 0)
    if _is_count(cell):
        assert isinstance(cell, int)
        return max(cell, 0)
    return 0


def _clean(label: str) -> str:
    return _NOT_XML.sub("", label)


def _wrap(label: str) -> Iterator[str]:
    """Split a label into lines that fit the width; a word longer than a line is cut, and a
    label past MAX_LABEL_LINES ends in an ellipsis."""
    per_line = int((WIDTH - 2 * PAD) / CHAR)
    lines: list[str] = []
    current = ""
    for word in label.split():
        while len(word) > per_line:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        if current and len(current) + 1 + len(word) > per_line:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    if len(lines) > MAX_LABEL_LINES:
        lines = lines[:MAX_LABEL_LINES]
        lines[-1] = lines[-1][: per_line - 1].rstrip() + "…"
    yield from lines


def _baseline(bar_top: float) -> float:
    """The text baseline that centres a line of text on a bar."""
    return bar_top + BAR_HEIGHT / 2 + FONT_SIZE * 0.35


def _num(value: float) -> str:
    """A coordinate with at most two decimals, so the markup stays short and stable."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, words: str) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" fill="{TEXT}" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}">{escape(words)}</text>'
    )


def _svg(height: float, parts: list[str]) -> Markup:
    # Every value in parts was escaped or is a number we formatted, hence Markup.
    return Markup(  # noqa: S704
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" width="100%" '
        'aria-hidden="true" focusable="false">' + "".join(parts) + "</svg>"
    )


# For web.templating.make_environment: the return's macro (reports/_table.html) uses these.
TEMPLATE_FILTERS: dict[str, Callable[..., Any]] = {"cell_text": cell_text, "bar_chart": bar_chart}
