"""Working a referral on its record page in Chromium (issue 9): received, contacted, waiting
(with a delay reason), active and closed, and another refused with a reason; the record page
checked with axe (WCAG 2.2 AA) at 1280 and 320 px with its errors, forms and timeline."""

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
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    add_staff(settings, "worker@example.org")
    with LiveServer(settings) as server:
        yield server, settings


def _referral(settings: Settings) -> str:
    return make_referral(settings, london_date(utcnow()) + timedelta(days=5))


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/staff/sign-in")
    page.fill("#email", "worker@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))


def _change(page: Page, status: str, reason: tuple[str, str] | None = None) -> None:
    page.check(f'input[name="status"][value="{status}"]')
    if reason:
        page.check(f'input[name="{reason[0]}"][value="{reason[1]}"]')
    click_and_wait(page, page.get_by_role("button", name="Change status"))


def _summary(page: Page, key: str) -> str:
    row = page.locator(".govuk-summary-list__row", has=page.locator(f"dt:text-is('{key}')"))
    return row.locator("dd").inner_text().strip()


def test_work_a_referral_to_closed_and_refuse_another(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    ref = _referral(settings)
    refused = _referral(settings)
    _sign_in(page, server.url)
    page.goto(f"{server.url}/staff/referrals/{ref}")
    assert _summary(page, "Status") == "Received"
    assert_accessible(page, "casework-received")

    # Waiting without its reason: the page comes back with the error, nothing recorded.
    _change(page, "contacted")
    assert _summary(page, "Status") == "Contacted"
    _change(page, "waiting")
    assert page.locator(".govuk-error-summary").inner_text().count("Select the reason") == 1
    assert page.locator("#delay_reason-error").is_visible()
    assert _summary(page, "Status") == "Contacted"
    assert_accessible(page, "casework-waiting-error")
    page.check('input[name="delay_reason"][value="no_care_available"]')
    click_and_wait(page, page.get_by_role("button", name="Change status"))
    assert _summary(page, "Status") == "On the waiting list"

    page.fill("#note", "Rang the carer: <b>happy</b> to wait.")
    click_and_wait(page, page.get_by_role("button", name="Add note"))
    click_and_wait(page, page.get_by_role("button", name="Assign to me"))
    assert _summary(page, "Assigned to") == "worker@example.org"
    page.check('input[name="priority"][value="high"]')
    click_and_wait(page, page.get_by_role("button", name="Set priority"))
    assert _summary(page, "Priority") == "High"

    _change(page, "active")
    _change(page, "closed")
    assert _summary(page, "Status") == "Closed"
    timeline = page.locator("#timeline + ol").inner_text()
    for line in (
        "From Received to Contacted",
        "From Contacted to On the waiting list",
        "Reason: No care or support is available yet",
        "Rang the carer: <b>happy</b> to wait.",
        "From Nobody to worker@example.org",
        "From Normal to High",
        "From On the waiting list to Receiving support",
        "From Receiving support to Closed",
    ):
        assert line in timeline
    assert "By worker@example.org on " in timeline
    assert_accessible(page, "casework-closed")

    page.goto(f"{server.url}/staff/referrals/{refused}")
    _change(page, "refused", ("refusal_reason", "needs_cannot_be_met"))
    assert _summary(page, "Status") == "Refused"
    assert "Reason: We cannot meet their needs" in page.locator("#timeline + ol").inner_text()
    assert_accessible(page, "casework-refused")
