"""The return on the web and the command line (CONTRACT "Quarterly returns"), on the known data
set of tests/reports/helpers.py: the page's tables, the CSV and the XLSX hold the same cells;
per-service access and the audit; bad input is a clear message, never a 500; `pafinder report`
gives the same figures as JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import html5lib
import openpyxl
import pytest
from click.testing import CliRunner, Result

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import make_engine
from pafinder.reports.commands import as_json
from pafinder.reports.exports import PERCENT_FORMAT, csv_safe
from pafinder.reports.returns import build
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from tests.conftest import PageClient, add_staff, sign_in
from tests.reports import helpers
from tests.reports.helpers import Q1, Q2

ADMIN = "reports-admin@example.org"
CARERS_STAFF = "reports-carers@example.org"
OTHER_STAFF = "reports-dps@example.org"
Q2_QUERY = {"from": Q2[0].isoformat(), "to": Q2[1].isoformat()}


@pytest.fixture(scope="module")
def site(carers_portal: Settings) -> Settings:
    """The carers data set with an admin, a carers member and a member of another service."""
    add_staff(carers_portal, ADMIN, "admin")
    add_staff(carers_portal, CARERS_STAFF, "staff", ("carers",))
    add_staff(carers_portal, OTHER_STAFF, "staff", ("direct-payment-support",))
    return carers_portal


def signed_in(settings: Settings, email: str) -> Iterator[PageClient]:
    # Once per module: sign-ins are rate limited per account, and a signed-in session is all
    # these tests need (they only read).
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, email).status_code == 303
        yield client


@pytest.fixture(scope="module")
def admin(site: Settings) -> Iterator[PageClient]:
    yield from signed_in(site, ADMIN)


@pytest.fixture(scope="module")
def carers_member(site: Settings) -> Iterator[PageClient]:
    yield from signed_in(site, CARERS_STAFF)


@pytest.fixture(scope="module")
def other_member(site: Settings) -> Iterator[PageClient]:
    yield from signed_in(site, OTHER_STAFF)


def audit_since(settings: Settings, last_id: int) -> list[dict[str, Any]]:
    rows = staff_store.recent_audit(make_engine(settings.database_url), limit=200)
    return [r for r in reversed(rows) if r["id"] > last_id]


def last_audit_id(settings: Settings) -> int:
    rows = staff_store.recent_audit(make_engine(settings.database_url), limit=1)
    return int(rows[0]["id"]) if rows else 0


# --- The page, the CSV and the XLSX, cell for cell ------------------------------------------


def _text(element: Any) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def page_tables(html: str) -> list[list[list[str]]]:
    """Every <table> of the page as rows of texts: its caption (without the note under it),
    its headings, then each row's heading and cells."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for table in tree.iter("table"):
        caption = table.find("caption")
        assert caption is not None
        rows = [[re.sub(r"\s+", " ", caption.text or "").strip()]]
        rows.append([_text(th) for th in table.find("thead").iter("th")])  # type: ignore[union-attr]
        for tr in table.find("tbody").iter("tr"):  # type: ignore[union-attr]
            rows.append([_text(cell) for cell in tr if cell.tag in ("th", "td")])
        found.append(rows)
    return found


def from_page(text: str) -> str:
    """A page cell as the CSV writes it: counts without thousands commas; labels made safe."""
    if re.fullmatch(r"\d{1,3}(,\d{3})*", text):
        return text.replace(",", "")
    return text


def csv_tables(body: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """(title lines, tables) of a CSV download: title lines, a blank row, then per table its
    caption row, headings row, rows and a blank row."""
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(text[1:])))
    blank = rows.index([])
    titles = [r[0] for r in rows[:blank]]
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for row in rows[blank + 1 :]:
        if row:
            current.append(row)
        else:
            tables.append(current)
            current = []
    assert not current, "the CSV ends with a blank row"
    return titles, tables


def xlsx_tables(body: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """(About lines, tables) of an XLSX download, each cell as the page writes it: numbers
    with thousands commas, percents (whole numbers in the 0"%" format) with a % sign."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames[0] == "About"
    about = [str(r[0]) for r in book["About"].iter_rows(values_only=True)]
    tables = []
    for sheet in book.worksheets[1:]:
        rows = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            texts = []
            for cell in row:
                if cell.value is None:
                    continue
                if isinstance(cell.value, bool):
                    raise AssertionError("no cell is a bool")
                if isinstance(cell.value, int):
                    if cell.number_format == PERCENT_FORMAT:
                        texts.append(f"{cell.value}%")
                    else:
                        assert cell.number_format == "General", cell.number_format
                        texts.append(f"{cell.value:,}")
                else:
                    assert isinstance(cell.value, str), cell.value
                    assert cell.data_type == "s"  # never a formula
                    texts.append(cell.value)
            if number > 1 or texts:
                rows.append(texts)
        tables.append(rows)
    return about, tables


def get_all(client: PageClient, query: dict[str, str]) -> tuple[Any, Any, Any]:
    page = client.get("/staff/reports/carers", params=query)
    csv_body = client.get("/staff/reports/carers.csv", params=query)
    xlsx = client.get("/staff/reports/carers.xlsx", params=query)
    return page, csv_body, xlsx


def assert_same_cells(page: Any, csv_response: Any, xlsx_response: Any) -> None:
    assert page.status_code == csv_response.status_code == xlsx_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["content-disposition"]
    assert xlsx_response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    shown = page_tables(page.text)
    assert len(shown) > 10
    titles, in_csv = csv_tables(csv_response.content)
    about, in_xlsx = xlsx_tables(xlsx_response.content)
    assert titles == about
    assert titles[0] == "Return for the Carers support service"
    as_csv = [[[csv_safe(from_page(t)) for t in row] for row in table] for table in shown]
    assert in_csv == as_csv
    assert in_xlsx == shown
    # The numbers are the ones the page's words say: every cell is a count, a percent, the
    # rule's words or "No figure".
    cells = [t for table in shown for row in table[2:] for t in row[1:]]
    for text in cells:
        assert re.fullmatch(r"\d{1,3}(,\d{3})*|\d+%|fewer than 5|suppressed|No figure", text), text
    assert "fewer than 5" in cells and "suppressed" in cells


def test_page_csv_and_xlsx_hold_the_same_cells_for_staff(
    site: Settings, carers_member: PageClient
) -> None:
    page, csv_response, xlsx_response = get_all(carers_member, Q2_QUERY)
    assert_same_cells(page, csv_response, xlsx_response)
    shown = page_tables(page.text)
    by_caption = {table[0][0]: table for table in shown}
    sources = by_caption["Referrals received, by who made them"]
    assert sources[1] == [
        "Who referred",
        "July to September 2026",
        "Year to date, from 1 April 2026",
    ]
    # Q2: 7, 5, 0 of 12; the year: 17, 11 (hidden: the 4 beside it could be worked out), 4.
    assert sources[2:] == [
        ["People referring themselves", "7", "17"],
        ["Family members, friends or carers", "5", "suppressed"],
        ["Professionals", "0", "fewer than 5"],
        ["All referrals received", "12", "32"],
    ]
    assert "Counts of 1 to 4 show as" in page.text  # the rule is said on the page


def test_page_csv_and_xlsx_hold_the_same_cells_for_an_admin_with_every_number(
    site: Settings, admin: PageClient
) -> None:
    page, csv_response, xlsx_response = get_all(admin, {**Q2_QUERY, "raw": "yes"})
    shown = page_tables(page.text)
    _, in_csv = csv_tables(csv_response.content)
    _, in_xlsx = xlsx_tables(xlsx_response.content)
    assert in_csv == [[[csv_safe(from_page(t)) for t in row] for row in table] for table in shown]
    assert in_xlsx == shown
    cells = [t for table in shown for row in table[2:] for t in row[1:]]
    assert "fewer than 5" not in cells and "suppressed" not in cells
    sources = next(t for t in shown if t[0][0] == "Referrals received, by who made them")
    assert sources[2:][2] == ["Professionals", "0", "4"]
    # And with the rule on, the admin gets what staff get.
    assert_same_cells(*get_all(admin, Q2_QUERY))


def test_the_page_tables_are_the_returns_tables(site: Settings, carers_member: PageClient) -> None:
    """The page shows exactly Return.tables (the measures' source), in order."""
    from pafinder.reports.tables import cell_text

    built = build(make_engine(site.database_url), helpers.service(site, "carers"), *Q1)
    expected = [
        [
            [table.caption],
            list(table.columns),
            *([row.label, *(cell_text(c) for c in row.cells)] for row in table.rows),
        ]
        for table in built.tables
    ]
    page = carers_member.get(
        "/staff/reports/carers", params={"from": "2026-04-01", "to": "2026-06-30"}
    )
    assert page_tables(page.text) == expected


# --- Access and audit ---------------------------------------------------------------------


def test_each_view_and_download_is_audited(site: Settings, carers_member: PageClient) -> None:
    before = last_audit_id(site)
    get_all(carers_member, Q2_QUERY)
    produced = [r for r in audit_since(site, before) if r["action"] == "report.produced"]
    assert [(r["subject_type"], r["subject_id"]) for r in produced] == [("service", "carers")] * 3
    details = [json.loads(r["detail"]) for r in produced]
    assert len({d["format"] for d in details}) == 3  # the page, the CSV, the XLSX
    for detail in details:
        assert detail == {**detail, "from": "2026-07-01", "to": "2026-09-30", "raw": False}
    assert len({r["actor"] for r in produced}) == 1
    assert produced[0]["actor"].startswith("staff:")


@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
def test_staff_of_another_service_are_refused_and_it_is_audited(
    site: Settings, other_member: PageClient, suffix: str
) -> None:
    before = last_audit_id(site)
    response = other_member.get(f"/staff/reports/carers{suffix}", params=Q2_QUERY)
    assert response.status_code == 403
    assert "<table" not in response.text  # no figure of theirs
    rows = audit_since(site, before)
    assert [(r["action"], r["subject_type"], r["subject_id"]) for r in rows] == [
        ("access.refused", "service", "carers")
    ]
    # Their own service is fine.
    assert other_member.get(f"/staff/reports/direct-payment-support{suffix}").status_code == 200


@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
def test_every_number_is_for_admins_only(
    site: Settings, carers_member: PageClient, suffix: str
) -> None:
    before = last_audit_id(site)
    response = carers_member.get(
        f"/staff/reports/carers{suffix}", params={**Q2_QUERY, "raw": "yes"}
    )
    assert response.status_code == 403
    rows = audit_since(site, before)
    assert [r["action"] for r in rows] == ["access.refused"]
    assert "report.produced" not in [r["action"] for r in rows]


def test_signed_out_is_sent_to_sign_in(site: Settings) -> None:
    with PageClient(create_app(site), base_url="http://127.0.0.1") as client:
        for suffix in ("", ".csv", ".xlsx"):
            response = client.get(f"/staff/reports/carers{suffix}", follow_redirects=False)
            assert response.status_code in (302, 303)
            assert "/staff/sign-in" in response.headers["location"]


def test_the_index_lists_only_the_services_a_member_works_on(
    site: Settings, other_member: PageClient
) -> None:
    page = other_member.get("/staff/reports")
    assert page.status_code == 200
    assert "/staff/reports/direct-payment-support" in page.text
    assert "/staff/reports/carers" not in page.text


# --- Bad input ------------------------------------------------------------------------------

BAD = {
    "from after to": ({"from": "2026-09-30", "to": "2026-07-01"}, "to"),
    "no such day": ({"from": "2026-02-30", "to": "2026-03-31"}, "from"),
    "superscript digits": ({"from": "2026-0²-01", "to": "2026-09-30"}, "from"),
    "over two years": ({"from": "2024-04-01", "to": "2026-09-30"}, "to"),
    "script tags": ({"from": "<script>alert(1)</script>", "to": "2026-09-30"}, "from"),
    "emoji": ({"from": "2026-07-01", "to": "🙂🙂"}, "to"),
    "huge": ({"from": "9" * 5000, "to": "2026-09-30"}, "from"),
    "huge year": ({"from": "9999-12-31", "to": "9999-12-31"}, "from"),
    "only one": ({"from": "2026-07-01"}, "to"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_dates_are_a_clear_message_and_never_a_500(
    site: Settings, carers_member: PageClient, case: str
) -> None:
    query, field = BAD[case]
    page = carers_member.get("/staff/reports/carers", params=query)
    assert page.status_code == 400, page.text[:500]
    assert "govuk-error-summary" in page.text
    assert f'href="#{field}"' in page.text
    assert "<script>alert" not in page.text
    typed = query.get(field, "")[:30]
    if typed and "<" not in typed:
        assert f'value="{typed}"' in page.text  # what was typed is kept
    if "<" in query.get("from", ""):
        assert "&lt;script&gt;" in page.text
    for suffix in (".csv", ".xlsx"):
        download = carers_member.get(f"/staff/reports/carers{suffix}", params=query)
        assert download.status_code == 400
        assert download.headers["content-type"].startswith("text/plain")
        assert download.text.startswith("The dates are not right: ")


def test_a_repeated_date_is_refused_but_the_same_one_twice_is_fine(
    site: Settings, carers_member: PageClient
) -> None:
    twice = [("from", "2026-07-01"), ("from", "2026-08-01"), ("to", "2026-09-30")]
    page = carers_member.get("/staff/reports/carers", params=twice)
    assert page.status_code == 400
    assert "Enter only one date for from" in page.text
    assert carers_member.get("/staff/reports/carers.csv", params=twice).status_code == 400
    same = [("from", "2026-07-01"), ("from", "2026-07-01"), ("to", "2026-09-30")]
    assert carers_member.get("/staff/reports/carers", params=same).status_code == 200


def test_odd_parameters_never_break_the_page(site: Settings, carers_member: PageClient) -> None:
    for query in (
        {"from": "", "to": ""},  # this quarter
        {"raw": "no", **Q2_QUERY},
        {"raw": "<b>", **Q2_QUERY},
        {"from": "2026-07-01\x00", "to": "2026-09-30"},
        {"from": " 2026-07-01 ", "to": "2026-09-30"},
        {"unknown": "x" * 10000},
    ):
        response = carers_member.get("/staff/reports/carers", params=query)
        assert response.status_code in (200, 400), (query, response.status_code)


def test_an_unknown_service_is_a_404_with_words(site: Settings, carers_member: PageClient) -> None:
    for path in (
        "/staff/reports/no-such-service",
        "/staff/reports/no-such-service.csv",
        "/staff/reports/no-such-service.xlsx",
        "/staff/reports/%3Cscript%3E",
        "/staff/reports/" + "x" * 500,
    ):
        response = carers_member.get(path, params=Q2_QUERY)
        assert response.status_code == 404, path
        assert "There is no service called" in response.text
        assert "&lsquo;<script>" not in response.text and "‘<script>" not in response.text
        if "%3C" in path:
            assert "&lt;script&gt;" in response.text  # shown, escaped


# --- The command line -----------------------------------------------------------------------


def cli(settings: Settings, *args: str) -> Result:
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": str(settings.secret_key),
    }
    return CliRunner().invoke(main, list(args), env=env)


def plain(measures: dict[str, Any]) -> dict[str, Any]:
    from pafinder.reports.tables import Percent

    return {k: v.value if isinstance(v, Percent) else v for k, v in measures.items()}


@pytest.mark.parametrize("raw", [False, True])
def test_the_command_prints_the_returns_measures_as_json(site: Settings, raw: bool) -> None:
    before = last_audit_id(site)
    args = ["report", "carers", "--from", "2026-07-01", "--to", "2026-09-30"]
    result = cli(site, *args, *(["--raw"] if raw else []))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"service", "from", "to", "measures"}
    assert (data["service"], data["from"], data["to"]) == ("carers", "2026-07-01", "2026-09-30")
    built = build(make_engine(site.database_url), helpers.service(site, "carers"), *Q2, raw=raw)
    assert data["measures"] == plain(built.measures)
    assert data == as_json(built)
    values = list(data["measures"].values())
    if raw:
        assert all(isinstance(v, int) for v in values)
        assert data["measures"]["referrals.source.professional"] == 0
        assert data["measures"]["events.attendances"] == 6
    else:
        assert "fewer than 5" in values and "suppressed" in values
        assert data["measures"]["events.attendances"] == "suppressed"
    rows = [r for r in audit_since(site, before) if r["action"] == "report.produced"]
    assert [(r["actor"], json.loads(r["detail"])["raw"]) for r in rows] == [("cli", raw)]


def test_the_command_csv_is_the_web_csv(site: Settings, carers_member: PageClient) -> None:
    result = cli(
        site, "report", "carers", "--from", "2026-07-01", "--to", "2026-09-30", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    web = carers_member.get("/staff/reports/carers.csv", params=Q2_QUERY)
    assert result.stdout_bytes.decode("utf-8") == web.content.decode("utf-8")[1:]


def test_the_command_writes_an_xlsx_that_loads(site: Settings, carers_member: PageClient) -> None:
    result = cli(
        site, "report", "carers", "--from", "2026-07-01", "--to", "2026-09-30", "--format", "xlsx"
    )
    assert result.exit_code == 0, result.output
    about, tables = xlsx_tables(result.stdout_bytes)
    web_about, web_tables = xlsx_tables(
        carers_member.get("/staff/reports/carers.xlsx", params=Q2_QUERY).content
    )
    assert (about, tables) == (web_about, web_tables)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["carers", "--from", "2026-02-30", "--to", "2026-03-31"], "Date from must be a real date"),
        (["carers", "--from", "2026-09-30", "--to", "2026-07-01"], "Date to must be the same as"),
        (["carers", "--from", "2024-01-01", "--to", "2026-09-30"], "at most two years"),
        (["carers", "--from", "2026-0²-01", "--to", "2026-09-30"], "Date from must be a real date"),
        (["nobody", "--from", "2026-07-01", "--to", "2026-09-30"], "There is no service called"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2(
    site: Settings, args: list[str], words: str
) -> None:
    result = cli(site, "report", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output
