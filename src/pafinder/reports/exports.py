"""A return's downloads, CSV and XLSX, drawn from the same ReportTables as the page, so a
download holds exactly what the page shows (the suppression words included, never the
numbers behind them).

Labels can come from data and from content YAML, so neither format lets one become a formula:
in the CSV a text cell beginning with = + - @ (or a tab or carriage return) gets a leading
apostrophe, which spreadsheets show as text; in the XLSX every text cell is written as a string
(never a formula or an error code) with Excel's "quote prefix" set, so editing it keeps it text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.writer.excel import ExcelWriter

from pafinder.reports.tables import Cell, Percent, ReportTable, cell_text

NO_FIGURE = "No figure"
# The characters a spreadsheet starts a formula with (OWASP), and their full-width forms.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PERCENT_FORMAT = '0"%"'  # shows 45 as 45% while the cell keeps the whole number 45
# A fixed time for the workbook's properties and its zip entries: two exports of the same
# tables are then the same bytes (a download can be compared, cached or checked by hash).
FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold

# Characters an XLSX (XML 1.0) cannot hold, and lone surrogates UTF-8 cannot encode.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]|[\ud800-\udfff]")


def csv_safe(text: str) -> str:
    """Text a spreadsheet will never run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(cell: Cell) -> str:
    """A cell as the CSV holds it: counts as plain digits (no commas), percents as "45%",
    the suppression words as they are, and "No figure" where there is none."""
    if cell is None:
        return NO_FIGURE
    if isinstance(cell, bool):
        raise TypeError("a cell is never a bool")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, Percent):
        return str(cell)
    return csv_safe(_clean(cell_text(cell)))


def csv_rows(title_lines: list[str], tables: list[ReportTable]) -> list[list[str]]:
    """Every row of the CSV, before quoting: title lines, a blank row, then per table its
    caption, its column headings, its rows and a blank row."""
    rows: list[list[str]] = [[_text(line)] for line in title_lines]
    rows.append([])
    for table in tables:
        rows.append([_text(table.caption)])
        rows.append([_text(heading) for heading in table.columns])
        for row in table.rows:
            rows.append([_text(row.label), *(csv_cell(cell) for cell in row.cells)])
        rows.append([])
    return rows


def to_csv(title_lines: list[str], tables: list[ReportTable]) -> str:
    """The return as CSV text (encode it as UTF-8 to send it)."""
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(title_lines, tables))
    return out.getvalue()


def to_xlsx(
    title_lines: list[str], tables: list[ReportTable], *, when: datetime = FIXED_TIME
) -> bytes:
    """The return as an XLSX workbook: a sheet "About" with the title lines, then a sheet per
    table (caption in A1, bold headings in row 2, its rows below)."""
    book = Workbook()
    about = book.active
    about.title = "About"
    for number, line in enumerate(title_lines, start=1):
        _put(about.cell(row=number, column=1), line)
    _fit(about, 1, title_lines)
    taken = {"about"}
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.id, taken))
        _put(sheet.cell(row=1, column=1), table.caption)
        for col, heading in enumerate(table.columns, start=1):
            _put(sheet.cell(row=2, column=col), heading).font = bold
        for number, row in enumerate(table.rows, start=3):
            _put(sheet.cell(row=number, column=1), row.label).font = Font(bold=row.total)
            for col, cell in enumerate(row.cells, start=2):
                _put(sheet.cell(row=number, column=col), cell).font = Font(bold=row.total)
        _fit(sheet, 1, [table.columns[0] if table.columns else "", *(r.label for r in table.rows)])
        for col, heading in enumerate(table.columns[1:], start=2):
            _fit(sheet, col, [heading, *(cell_text(c) for c in _column(table, col - 2))])
    book.properties.created = when
    book.properties.modified = when
    book.properties.creator = "pafinder"
    return _save(book)


def _put(target: Any, cell: Cell) -> Any:
    """Write one cell of a return: counts and percents as numbers, everything else as text."""
    if isinstance(cell, bool):
        raise TypeError("a cell is never a bool")
    if isinstance(cell, int):
        target.value = cell
    elif isinstance(cell, Percent):
        target.value = cell.value
        target.number_format = PERCENT_FORMAT
    else:
        target.value = _clean(NO_FIGURE if cell is None else cell)
        # openpyxl would make "=..." a formula and "#N/A" an error; a return's text is text.
        target.data_type = "s"
        if target.value.startswith(FORMULA_START):
            target.quotePrefix = True
    return target


def _column(table: ReportTable, index: int) -> list[Cell]:
    return [row.cells[index] for row in table.rows if index < len(row.cells)]


def _fit(sheet: Any, col: int, texts: list[str]) -> None:
    """Widen a column to its longest text (in characters, as Excel measures), within reason."""
    longest = max((len(t) for t in texts), default=0)
    sheet.column_dimensions[get_column_letter(col)].width = min(max(longest + 2, 10), 80)


def _sheet_title(table_id: str, taken: set[str]) -> str:
    """A sheet title from the table's id: no characters Excel refuses, at most 31 long, and
    unique regardless of case (as Excel compares them)."""
    base = INVALID_TITLE_REGEX.sub("-", _clean(table_id)).strip("'") or "Table"
    title = base[:31]
    number = 1
    while title.lower() in taken:
        number += 1
        suffix = f"-{number}"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def _text(text: str) -> str:
    return csv_safe(_clean(text))


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time: openpyxl stamps them with the clock."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # openpyxl writes each sheet to a temporary file and adds it with its file time.
        with open(filename, "rb") as part:
            self.writestr(arcname or Path(filename).name, part.read())


def _save(book: Workbook) -> bytes:
    # ExcelWriter, not Workbook.save: save() sets the modified time to now.
    out = io.BytesIO()
    with _FixedTimeZip(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return out.getvalue()
