"""Checks on the record page in Chromium (issue 9, point 3): a peer support referral goes into
support and gets its recovery plan review; a reschedule with a past date comes back with the
error and the form open; a good one moves it; marking it done sets the next review. The page is
checked with axe (WCAG 2.2 AA) at 1280 and 320 px with its errors and with its checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import utcnow
from pafinder.settings import Settings
from pafinder.workdays import london_date
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.browser.test_casework import _change, _sign_in
from tests.conftest import REAL_CONTENT, add_staff, make_settings, prepare
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    add_staff(settings, "worker@example.org")
    with LiveServer(settings) as server:
        yield server, settings


def _long(days: int) -> str:
    day = london_date(utcnow()) + timedelta(days=days)
    return f"{day.day} {day:%B %Y}"


def test_reschedule_and_complete_a_recovery_plan_review(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    ref = make_referral(settings, slug="peer-support-recovery")
    _sign_in(page, server.url)
    page.goto(f"{server.url}/staff/referrals/{ref}")
    _change(page, "contacted")
    _change(page, "active")
    checks = page.locator("#checks")
    assert checks.is_visible()
    assert _long(84) in page.content()
    page.get_by_text("Mark recovery plan review as done or reschedule it").click()
    key = page.locator("h3[id^=check-]").first.get_attribute("id")
    page.fill(f"#{key}-due-day", "1")
    page.fill(f"#{key}-due-month", "1")
    page.fill(f"#{key}-due-year", "2020")
    page.fill(f"#{key}-reason", "Away")
    click_and_wait(page, page.get_by_role("button", name="Reschedule"))
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "The new due date must be today or in the future" in summary
    assert page.locator(f"#{key}-due-error").is_visible()  # the details opened by itself
    assert page.input_value(f"#{key}-reason") == "Away"
    assert_accessible(page, "checks-reschedule-error")

    later = london_date(utcnow()) + timedelta(days=90)
    page.fill(f"#{key}-due-day", str(later.day))
    page.fill(f"#{key}-due-month", str(later.month))
    page.fill(f"#{key}-due-year", str(later.year))
    click_and_wait(page, page.get_by_role("button", name="Reschedule"))
    assert "because: Away" in page.locator("#checks ~ dl").first.inner_text()

    page.get_by_text("Mark recovery plan review as done or reschedule it").click()
    page.fill(f"#{key}-note", "Reviewed the plan together <b>ok</b>")
    page.fill(f"#{key}-next-weeks", "6")
    click_and_wait(page, page.get_by_role("button", name="Mark as done"))
    text = page.content()
    assert "Recovery plan review (2)" in text and _long(42) in text
    assert "Reviewed the plan together &lt;b&gt;ok&lt;/b&gt;" in text
    assert "Recovery plan review done." in page.locator("#timeline + ol").inner_text()
    assert_accessible(page, "checks-done")
