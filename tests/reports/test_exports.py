"""The return's CSV and XLSX downloads: what the page shows, cell for cell, and no formulas."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from pafinder.reports.exports import PERCENT_FORMAT, csv_safe, to_csv, to_xlsx
from pafinder.reports.tables import FEWER, SUPPRESSED, Percent, ReportTable, Row

TITLE = ["Quarterly return: Peer support", "1 April 2026 to 30 June 2026"]
UNICODE = "Zoë Ł 🙂"

TABLES = [
    ReportTable(
        id="referrals-by-source",
        caption="Referrals by source",
        columns=("Source", "This quarter", "Year to date"),
        rows=(
            Row("Self", (1234, 2000)),
            Row("=SUM(A1)", (FEWER, 7)),
            Row(UNICODE, (SUPPRESSED, 12)),
            Row("Total", (1250, 2019), total=True),
        ),
        chart=True,
        note="Referrals received in the period.",
    ),
    ReportTable(
        id="feedback",
        caption="Feedback: agreed with each statement",
        columns=("Statement", "This quarter"),
        rows=(
            Row("I feel listened to", (Percent(45),)),
            Row("@mention +1 -1", (None,)),
            Row("#N/A", (Percent(100),)),
        ),
    ),
]

EXPECTED_CSV = [
    ["Quarterly return: Peer support"],
    ["1 April 2026 to 30 June 2026"],
    [],
    ["Referrals by source"],
    ["Source", "This quarter", "Year to date"],
    ["Self", "1234", "2000"],
    ["'=SUM(A1)", "fewer than 5", "7"],
    [UNICODE, "suppressed", "12"],
    ["Total", "1250", "2019"],
    [],
    ["Feedback: agreed with each statement"],
    ["Statement", "This quarter"],
    ["I feel listened to", "45%"],
    ["'@mention +1 -1", "No figure"],
    ["#N/A", "100%"],
    [],
]


def test_csv_round_trips_to_exactly_the_expected_rows() -> None:
    text = to_csv(TITLE, TABLES)
    assert list(csv.reader(io.StringIO(text))) == EXPECTED_CSV
    text.encode("utf-8")  # UTF-8 text, emoji included


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d"])
def test_csv_neutralises_every_formula_start(start: str) -> None:
    assert csv_safe(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"
    tables = [ReportTable("t", start + "caption", (start + "col", "n"), (Row(start + "x", (1,)),))]
    title = start + "title"
    cells = [c for row in csv.reader(io.StringIO(to_csv([title], tables))) for c in row]
    text_cells = [c for c in cells if c and c != "1" and c != "n"]
    assert text_cells and all(c.startswith("'") for c in text_cells)


def test_csv_leaves_safe_text_and_negative_free_counts_alone() -> None:
    assert csv_safe("Self") == "Self"
    assert csv_safe("a=b") == "a=b"
    assert csv_safe("") == ""


def read_back(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def values(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]


def test_xlsx_holds_the_same_cells_as_the_page() -> None:
    book = read_back(to_xlsx(TITLE, TABLES))
    assert book.sheetnames == ["About", "referrals-by-source", "feedback"]
    assert values(book["About"]) == [[TITLE[0]], [TITLE[1]]]
    assert values(book["referrals-by-source"]) == [
        ["Referrals by source"],
        ["Source", "This quarter", "Year to date"],
        ["Self", 1234, 2000],
        ["=SUM(A1)", "fewer than 5", 7],  # text, as the page shows it (see below)
        [UNICODE, "suppressed", 12],
        ["Total", 1250, 2019],
    ]
    assert values(book["feedback"]) == [
        ["Feedback: agreed with each statement"],
        ["Statement", "This quarter"],
        ["I feel listened to", 45],
        ["@mention +1 -1", "No figure"],
        ["#N/A", 100],
    ]


def test_xlsx_types_formats_and_bold() -> None:
    book = read_back(to_xlsx(TITLE, TABLES))
    sheet = book["referrals-by-source"]
    assert all(c.font.b for c in sheet[2])  # the headings
    assert sheet["B3"].data_type == "n" and sheet["B3"].number_format == "General"
    assert all(c.font.b for c in sheet[6])  # the total row
    assert not sheet["A3"].font.b
    assert sheet.column_dimensions["A"].width >= len(UNICODE)
    feedback = book["feedback"]
    assert feedback["B3"].value == 45 and feedback["B3"].number_format == PERCENT_FORMAT
    assert feedback["B5"].number_format == PERCENT_FORMAT


def test_xlsx_never_holds_a_formula_or_an_error() -> None:
    hostile = [
        ReportTable("t", "=1+1", ("=A1", "n"), (Row("=SUM(A1)", (1,)), Row("#DIV/0!", ("=x",)))),
    ]
    data = to_xlsx(['=HYPERLINK("http://example.org")'], hostile)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in s or b't="e"' in s for s in sheets)
    book = read_back(data)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert {c.data_type for c in cells} == {"s", "n"}
    assert book["t"]["A3"].value == "=SUM(A1)" and book["t"]["A3"].quotePrefix
    assert book["t"]["A4"].value == "#DIV/0!" and book["t"]["A4"].data_type == "s"


def test_xlsx_is_the_same_bytes_every_time() -> None:
    first = to_xlsx(TITLE, TABLES)
    assert to_xlsx(TITLE, TABLES) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    book = read_back(first)
    assert book.properties.created == book.properties.modified
    assert book.properties.created is not None and book.properties.created.year == 2000


def test_sheet_titles_are_valid_short_and_unique() -> None:
    long = "a" * 40
    tables = [
        ReportTable(table_id, "c", ("x", "n"), (Row("r", (1,)),))
        for table_id in [long, long, "About", "what/is:this?[x]*", "'quoted'", "SAME", "same"]
    ]
    book = read_back(to_xlsx([], tables))
    names = book.sheetnames
    assert names[0] == "About"
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names) == 8
    assert names[1] == "a" * 31 and names[2] == "a" * 29 + "-2"
    assert names[3] == "About-2"
    assert names[4] == "what-is-this--x--"
    assert names[5] == "quoted"


def test_text_a_spreadsheet_cannot_hold_is_dropped_not_a_crash() -> None:
    tables = [ReportTable("t", "c\x00\x01", ("x\x0b", "n"), (Row("bad\x1f\ud800label", (1,)),))]
    book = read_back(to_xlsx(["title\x02"], tables))
    assert book["t"]["A3"].value == "badlabel"
    assert book["About"]["A1"].value == "title"
    text = to_csv(["title\x02"], tables)
    text.encode("utf-8")
    assert ["badlabel", "1"] in list(csv.reader(io.StringIO(text)))


def test_empty_return() -> None:
    assert list(csv.reader(io.StringIO(to_csv([], [])))) == [[]]
    assert read_back(to_xlsx([], [])).sheetnames == ["About"]
