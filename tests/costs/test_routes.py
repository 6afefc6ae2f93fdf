"""The calculator page: a GET form with no JavaScript, the figures under it, errors as GOV.UK
shows them (400, everything typed kept), never a 500 for any input, and a path the static
build never writes a page at."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.build import build
from pafinder.costs import routes
from pafinder.settings import Settings
from tests.conftest import FIXTURE_CONTENT, REAL_CONTENT, PageClient, make_settings, prepare

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

PATH = "/employing-a-pa/cost-calculator"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(routes, "today", lambda: date(2026, 12, 1))
    s = make_settings(tmp_path, REAL_CONTENT)
    prepare(s)
    return s


def client(settings: Settings) -> PageClient:
    return PageClient(create_app(settings), base_url="http://127.0.0.1")


def line(html: str, name: str) -> str:
    match = re.search(rf'id="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def messages(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'class="govuk-error-message"[^>]*>.*?</span>([^<]*)<', html, re.S)
    ]


def test_the_empty_form_is_a_get_form_with_one_h1(settings: Settings) -> None:
    with client(settings) as c:
        page = c.get(PATH)
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "Work out the cost of employing a PA</h1>" in page.text
    assert '<form method="get" action="/employing-a-pa/cost-calculator"' in page.text
    assert 'name="csrftoken"' not in page.text  # a GET changes nothing
    assert "2026 to 2027 tax year" in page.text and "6 April 2026" in page.text
    assert (
        "https://www.gov.uk/guidance/rates-and-thresholds-for-employers-2026-to-2027" in page.text
    )
    assert 'id="costs"' not in page.text  # no figures before any answers


def test_the_figures_and_their_explanations(settings: Settings) -> None:
    with client(settings) as c:
        page = c.get(PATH, params={"hours": "20", "pay": "12.71", "weeks": "46.4"})
    assert page.status_code == 200
    html = page.text
    # worked by hand in tests/costs/test_calculator.py::test_a_typical_pa_worked_by_hand
    assert line(html, "line-pay") == "£11,794.88"
    assert line(html, "line-holiday") == "£1,423.52"
    assert line(html, "line-ni") == "£1,232.76"
    assert line(html, "line-allowance") == "-£1,232.76"
    assert line(html, "line-pension") == "£209.35"
    assert line(html, "line-insurance") == "£90.00"
    assert line(html, "total-year") == "£13,517.75"
    assert line(html, "total-year-without") == "£14,750.51"
    assert "£259.96 a week" in html and "£283.66 a week" in html
    assert "This is an estimate" in html and "care and support" in html
    assert "15% of your PA's pay and holiday pay above £5,000 a year" in html
    assert "between £6,240 and £50,270 a year: 3% of £6,978.40" in html
    assert "govuk-warning-text" not in html  # £12.71 is the living wage
    for field, value in (("hours", "20"), ("pay", "12.71"), ("weeks", "46.4")):
        assert re.search(rf'name="{field}"[^>]*value="{re.escape(value)}"', html), field


def test_pay_below_the_living_wage_is_warned_about(settings: Settings) -> None:
    with client(settings) as c:
        below = c.get(PATH, params={"hours": "20", "pay": "12.70", "weeks": "46.4"})
        at = c.get(PATH, params={"hours": "20", "pay": "£12.71", "weeks": "46.4"})
    assert below.status_code == 200 and "govuk-warning-text" in below.text
    assert "£12.70 an hour is less than the National Living Wage of £12.71" in below.text
    assert "govuk-warning-text" not in at.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"hours": "", "pay": "", "weeks": ""},
            [
                "Enter how many hours a week your PA works",
                "Enter how much you will pay your PA an hour",
                "Enter how many weeks a year your PA works",
            ],
        ),
        (
            {"hours": "-3", "pay": "-1", "weeks": "-2"},
            [
                "Hours a week must be a number, like 20 or 37.5",
                "Hourly pay must be an amount of money, like 12.71",
                "Weeks a year must be a number, like 46.4",
            ],
        ),
        (
            {"hours": "0", "pay": "0.00", "weeks": "0"},
            [
                "Hours a week must be more than 0",
                "Hourly pay must be more than £0",
                "Weeks a year must be more than 0",
            ],
        ),
        (
            {"hours": "169", "pay": "1000.01", "weeks": "46.5"},
            [
                "Hours a week must be 168 or fewer (there are 168 hours in a week)",
                "Hourly pay must be £1,000 or less",
                "Weeks a year must be 46.4 or fewer: do not count your PA&#39;s 5.6 weeks of "
                "paid holiday",
            ],
        ),
        (
            {"hours": "ten", "pay": "12.715", "weeks": "1.234"},
            [
                "Hours a week must be a number, like 20 or 37.5",
                "Hourly pay must be in pounds and pence, like 12.71",
                "Weeks a year can have no more than 2 decimal places, like 46.4",
            ],
        ),
        (
            {"hours": "😀", "pay": "<script>alert(1)</script>", "weeks": "٤٦"},
            [
                "Hours a week must be a number, like 20 or 37.5",
                "Hourly pay must be an amount of money, like 12.71",
                "Weeks a year must be a number, like 46.4",
            ],
        ),
        (
            {"hours": "9" * 5000, "pay": "1" * 5000, "weeks": "1e3"},
            [
                "Hours a week must be a number, like 20 or 37.5",
                "Hourly pay must be an amount of money, like 12.71",
                "Weeks a year must be a number, like 46.4",
            ],
        ),
    ],
)
def test_bad_answers_are_a_400_with_messages_and_what_was_typed(
    settings: Settings, params: dict[str, str], expected: list[str]
) -> None:
    with client(settings) as c:
        page = c.get(PATH, params=params)
    assert page.status_code == 400
    assert "There is a problem" in page.text and "<title>Error: " in page.text
    assert messages(page.text) == expected
    for field in ("hours", "pay", "weeks"):
        assert f'href="#{field}"' in page.text
    assert "<script>alert(1)</script>" not in page.text  # escaped when shown again
    if params["pay"].startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'id="costs"' not in page.text


def test_one_bad_answer_keeps_the_other_two(settings: Settings) -> None:
    with client(settings) as c:
        page = c.get(PATH, params={"hours": "37.5", "pay": "abc", "weeks": "40"})
    assert page.status_code == 400
    assert messages(page.text) == ["Hourly pay must be an amount of money, like 12.71"]
    assert re.search(r'name="hours"[^>]*value="37.5"', page.text)
    assert re.search(r'name="pay"[^>]*value="abc"', page.text)
    assert re.search(r'name="weeks"[^>]*value="40"', page.text)


def test_repeated_and_odd_parameters_never_500(settings: Settings) -> None:
    with client(settings) as c:
        for query in (
            "hours=1&hours=2&pay=13&pay=x&weeks=1",
            "hours[]=1&pay=13&weeks=1",
            "hours=%00&pay=13&weeks=1",
            "hours=1,5&pay=1,000&weeks=1",
            "hours=NaN&pay=Infinity&weeks=inf",
            "pay=13",
        ):
            page = c.get(f"{PATH}?{query}")
            assert page.status_code in (200, 400), query
        big = c.get(PATH, params={"hours": "168", "pay": "1,000", "weeks": "46.4"})
    assert big.status_code == 200
    assert line(big.text, "line-pay") == "£7,795,200.00"  # 168 x £1,000 x 46.4


def test_a_trailing_slash_goes_to_the_page(settings: Settings) -> None:
    with client(settings) as c:
        moved = c.get(PATH + "/?hours=1", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == PATH + "?hours=1"


def test_the_static_build_writes_no_page_at_the_calculator_s_path(settings: Settings) -> None:
    build(settings)
    assert not (settings.site_dir / "employing-a-pa" / "cost-calculator").exists()
    assert (settings.site_dir / "employing-a-pa" / "pensions" / "index.html").exists()
    with client(settings) as c:
        page = c.get(PATH)
        pensions = c.get("/employing-a-pa/pensions/")
    assert page.status_code == 200 and "Work out the cost" in page.text
    assert PATH in pensions.text  # the content pages link to it


def test_no_content_page_may_take_the_slug() -> None:
    pages = REAL_CONTENT / "pages" / "employing-a-pa"
    assert not (pages / "cost-calculator.md").exists()


def test_content_without_rate_tables_says_the_calculator_is_unavailable(tmp_path: Path) -> None:
    s = make_settings(tmp_path, FIXTURE_CONTENT)
    prepare(s)
    if (FIXTURE_CONTENT / "rates" / "employer-national-insurance.yaml").exists():
        pytest.skip("the fixture content has the tables")
    with client(s) as c:
        page = c.get(PATH, params={"hours": "1", "pay": "13", "weeks": "1"})
    assert page.status_code == 503
    assert "The cost calculator is not available" in page.text
