"""The staff referral queue in Chromium (issue 9, point 1): axe (WCAG 2.2 AA) at 1280 and 320 px
with its cards, pagination and a filter error, nothing wider than a 320 px screen, and filtering
by a select and the button with JavaScript switched off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare
from tests.referrals.test_queue import _copies, _referral

pytestmark = pytest.mark.browser

# A long address: the assignee select and the cards must still fit a 320 px screen.
LONG_EMAIL = "a.very.long.name.for.a.support.worker@north-east-carers-partnership.example.org"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    add_staff(settings, "worker@example.org")
    add_staff(settings, LONG_EMAIL)
    with LiveServer(settings) as server:
        yield server, settings


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/staff/sign-in")
    page.fill("#email", "worker@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))


def _refs(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".govuk-summary-card__title a").all_inner_texts()]


def _fits_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})


def _setup(settings: Settings) -> tuple[str, str]:
    today = london_date(utcnow())
    long_id = staff_store.get_by_email(make_engine(settings.database_url), LONG_EMAIL)
    assert long_id is not None
    urgent = _referral(
        settings,
        priority="urgent",
        assigned_to=long_id.id,
        flags='["outside_area", "safeguarding_override"]',
    )
    overdue = _referral(settings, respond_by=today - timedelta(days=6), service="mentoring")
    # Enough for a second page.
    _copies(settings, 55)
    return urgent, overdue


def test_queue_is_accessible_at_1280_and_320(live: tuple[LiveServer, Settings], page: Page) -> None:
    server, settings = live
    urgent, overdue = _setup(settings)
    _sign_in(page, server.url)
    page.goto(f"{server.url}/staff/referrals")
    assert page.locator("h1").all_inner_texts() == ["Referrals"]
    assert "57 referrals match" in page.locator("#queue-count").inner_text()
    assert _refs(page)[:2] == [overdue, urgent]  # overdue first, then urgent
    assert page.locator(".govuk-pagination").is_visible()
    assert_accessible(page, "queue")
    _fits_320(page)

    click_and_wait(page, page.locator(".govuk-pagination__next a"))
    assert "page=2" in page.url and "Showing 51 to 57" in page.content()
    assert_accessible(page, "queue-page-2")

    page.goto(f"{server.url}/staff/referrals?priority=panic&service=mentoring")
    assert "Choose a priority from the list" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#service").input_value() == "mentoring"
    assert_accessible(page, "queue-error")
    _fits_320(page)


def test_filter_with_a_select_and_the_button_without_javascript(
    live: tuple[LiveServer, Settings], nojs_page: Page
) -> None:
    server, settings = live
    urgent, overdue = _setup(settings)
    page = nojs_page
    _sign_in(page, server.url)
    page.goto(f"{server.url}/staff/referrals")
    page.select_option("#priority", "urgent")
    click_and_wait(page, page.get_by_role("button", name="Show referrals"))
    assert "priority=urgent" in page.url
    assert _refs(page) == [urgent]
    assert page.locator("#priority").input_value() == "urgent"
    assert "1 referral matches" in page.locator("#queue-count").inner_text()

    page.select_option("#priority", "")
    page.select_option("#service", "mentoring")
    page.check("#overdue")
    click_and_wait(page, page.get_by_role("button", name="Show referrals"))
    assert _refs(page) == [overdue]
    assert "Overdue by" in page.locator(".govuk-summary-card").inner_text()
    _fits_320(page)
