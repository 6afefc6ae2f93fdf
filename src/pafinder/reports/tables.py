"""The shape of a return once it is worked out: a list of tables, each a caption, column
headings and rows of cells. The page, the CSV and the XLSX are all drawn from the same list,
so a download holds exactly what the page shows.

A cell is what the reader sees after the small-number rule (pafinder.reports.suppression):
a count (``int``), a percent (``Percent``), ``FEWER`` ("fewer than 5"), ``SUPPRESSED`` (a count
of 5 or more hidden so that a small one cannot be worked out from a total), or ``None`` (no
figure: a percent with no answers).
"""

from __future__ import annotations

from dataclasses import dataclass

FEWER = "fewer than 5"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Percent:
    """A whole-number percent, kept apart from counts so no rule mistakes 3% for 3 people."""

    value: int

    def __str__(self) -> str:
        return f"{self.value}%"


Cell = int | Percent | str | None


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]  # one per value column
    key: str | None = None  # the measure's key in the JSON return; None for rows only shown
    total: bool = False  # a total row: shown in bold, never drawn as a bar


@dataclass(frozen=True)
class ReportTable:
    id: str  # unique on the page: the table's id, the CSV section and the XLSX sheet
    caption: str
    columns: tuple[str, ...]  # headings: the row label's first, then one per value column
    rows: tuple[Row, ...]
    chart: bool = False  # draw the first value column as bars beside the table
    note: str = ""  # a sentence under the caption saying where the figures come from


def cell_text(cell: Cell) -> str:
    """A cell as the page shows it: counts with thousands commas, "45%", the suppression
    words, and "No figure" where there is none."""
    if cell is None:
        return "No figure"
    if isinstance(cell, bool):  # never a count, but bool is an int to Python
        raise TypeError("a cell is never a bool")
    if isinstance(cell, int):
        return f"{cell:,}"
    return str(cell)
