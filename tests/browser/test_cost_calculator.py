"""The cost calculator in Chromium (issue 14, point 5): the empty form, the form with errors
and the figures, each with axe (WCAG 2.2 AA) at 1280 and 320 px; and the same journey with
JavaScript switched off, where the GET form works the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.costs import routes
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, make_settings, prepare

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

PATH = "/employing-a-pa/cost-calculator"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setattr(routes, "today", lambda: date(2026, 12, 1))
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    with LiveServer(settings) as server:
        yield server


def _fill(page: Page, hours: str, pay: str, weeks: str) -> None:
    page.fill("#hours", hours)
    page.fill("#pay", pay)
    page.fill("#weeks", weeks)
    click_and_wait(page, page.get_by_role("button", name="Work out the cost"))


def test_the_calculator_with_errors_and_figures(live: LiveServer, page: Page) -> None:
    page.goto(live.url + PATH)
    assert page.locator("h1").inner_text() == "Work out the cost of employing a PA"
    assert_accessible(page, "cost-calculator")

    _fill(page, "", "twelve", "60")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter how many hours a week your PA works" in summary
    assert "Hourly pay must be an amount of money" in summary
    assert "Weeks a year must be 46.4 or fewer" in summary
    assert page.locator("#pay").input_value() == "twelve"
    assert page.locator("#weeks").input_value() == "60"
    assert page.title().startswith("Error: Work out the cost of employing a PA")
    assert_accessible(page, "cost-calculator-errors")

    _fill(page, "20", "12.50", "46.4")  # below the £12.71 living wage: a warning
    assert page.locator("#line-pay").inner_text() == "£11,600.00"  # 20 x £12.50 x 46.4
    assert "less than the National Living Wage" in page.locator(".govuk-warning-text").inner_text()
    assert page.locator("#hours").input_value() == "20"
    assert_accessible(page, "cost-calculator-figures")


def test_the_calculator_without_javascript(live: LiveServer, nojs_page: Page) -> None:
    nojs_page.goto(live.url + PATH)
    _fill(nojs_page, "20", "12.71", "46.4")
    assert nojs_page.url.endswith(f"{PATH}?hours=20&pay=12.71&weeks=46.4")
    assert nojs_page.locator("#line-pay").inner_text() == "£11,794.88"
    assert nojs_page.locator("#total-year").inner_text() == "£13,517.75"
    assert nojs_page.locator(".govuk-warning-text").count() == 0

    _fill(nojs_page, "-1", "13", "40")
    assert "Hours a week must be a number" in nojs_page.locator(".govuk-error-summary").inner_text()
    assert nojs_page.locator("#weeks").input_value() == "40"
