"""The admin pages in Chromium: the sign-in help, the audit log with filters and pages, and staff
accounts with an error shown; axe (WCAG 2.2 AA) at 1280 and 320 px, nothing wider than 320 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import make_engine
from pafinder.staff import store
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import STAFF_PASSWORD, add_staff, make_settings, prepare

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
# A long address, so the cards must wrap it at 320 px.
WORKER = "a.very.long.name.for.a.worker@peer-support.example.org"


def fits_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{page.url} is {width}px wide at 320px"


def test_audit_and_accounts_pages_are_accessible(tmp_path: Path, page: Page) -> None:
    settings = make_settings(tmp_path)
    prepare(settings)
    add_staff(settings, ADMIN, role="admin")
    add_staff(settings, WORKER, services=("peer-support",))
    engine = make_engine(settings.database_url)
    worker = store.get_by_email(engine, WORKER)
    assert worker is not None
    with engine.begin() as conn:
        for n in range(60):
            store.record(
                conn,
                f"staff:{worker.id}",
                "referral.status",
                "referral",
                "R-ABCD-2345",
                {"from": "received", "to": "contacted", "note_length": n},
            )
    with LiveServer(settings) as server:
        page.goto(server.url + "/staff/sign-in")
        assert "pafinder staff unlock" in page.inner_text("main")
        assert_accessible(page, "staff-sign-in-help")
        page.fill("#email", ADMIN)
        page.fill("#password", STAFF_PASSWORD)
        click_and_wait(page, page.get_by_role("button", name="Sign in"))

        page.goto(server.url + "/staff/audit")
        page.select_option("#who", label=WORKER)
        page.fill("#referral", "r-abcd-2345")
        click_and_wait(page, page.get_by_role("button", name="Show entries"))
        assert "60 entries match" in page.inner_text("#audit-count")
        assert page.locator(".govuk-pagination").count() == 1
        assert page.locator("a[href='/staff/referrals/R-ABCD-2345']").count() == 50
        assert_accessible(page, "staff-audit-filtered")
        fits_320(page)

        page.fill("#from-day", "31")
        page.fill("#from-month", "2")
        page.fill("#from-year", "2026")
        click_and_wait(page, page.get_by_role("button", name="Show entries"))
        assert "Date from must be a real date" in page.inner_text(".govuk-error-summary")
        assert_accessible(page, "staff-audit-error")
        fits_320(page)

        page.goto(server.url + "/staff/accounts")
        page.fill("#email", "new.person@example.org")
        page.check("#role-2")  # Administrator
        page.fill("#password", "short")
        click_and_wait(page, page.get_by_role("button", name="Add account"))
        summary = page.inner_text(".govuk-error-summary")
        assert "The password must be 12 characters or more" in summary
        assert page.input_value("#email") == "new.person@example.org"
        assert_accessible(page, "staff-accounts-error")
        fits_320(page)

        page.fill("#password", "a good temporary password")
        click_and_wait(page, page.get_by_role("button", name="Add account"))
        assert "new.person@example.org can now sign in" in page.inner_text(
            ".govuk-notification-banner"
        )
        assert_accessible(page, "staff-accounts-added")

        page.goto(server.url + f"/staff/accounts/{worker.id}")
        assert_accessible(page, "staff-account")
        fits_320(page)
