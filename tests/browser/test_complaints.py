"""Complaints in Chromium (issue 10, point 2): the public form, with an error and sent, and its
confirmation; the staff list and a record (long words, a script tag as text) with an error in
its form; each with axe (WCAG 2.2 AA) at 1280 and 320 px and nothing wider than 320 px. And the
form sent with JavaScript switched off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.complaints import public_routes
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.complaints.helpers import make_item, rows
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare

pytestmark = pytest.mark.browser

LONG_EMAIL = "a.very.long.name.for.somebody@north-east-carers-partnership.example.org"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Settings]]:
    # A browser fills the form faster than a person: the fill time is the bot check's business
    # (tests/complaints/test_form.py), not this test's.
    monkeypatch.setattr(public_routes, "MIN_FILL_SECONDS", 0.0)
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    add_staff(settings, "worker@example.org")
    with LiveServer(settings) as server:
        yield server, settings


def _fits_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_public_form_with_an_error_and_its_confirmation(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    page.goto(f"{server.url}/complaints")
    assert_accessible(page, "complaints-form")
    _fits_320(page)

    page.check("#kind")  # the first kind: complaint
    page.fill("#email", "not-an-email")
    click_and_wait(page, page.get_by_role("button", name="Send"))
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Select the service" in summary and "Enter what you want to tell us" in summary
    assert "correct format" in summary
    assert page.locator("#email").input_value() == "not-an-email"
    assert_accessible(page, "complaints-form-error")
    _fits_320(page)

    page.get_by_label("Carers support service").check()
    page.fill("#details", "Nobody rang me back after I phoned twice. 🙁")
    page.fill("#email", "ada@example.org")
    click_and_wait(page, page.get_by_role("button", name="Send"))
    assert "/complaints/sent/" in page.url
    assert page.locator("h1").inner_text() == "Complaint sent"
    ref = page.locator("#reference").inner_text()
    assert ref.startswith("C-")
    assert "within 20 working days" in page.locator("#next-steps").inner_text()
    assert_accessible(page, "complaints-confirmation")
    _fits_320(page)
    assert [r.ref for r in rows(settings)] == [ref]


def test_the_staff_list_and_record(live: tuple[LiveServer, Settings], page: Page) -> None:
    server, settings = live
    ref = make_item(
        settings,
        details="<script>alert(1)</script> " + "Averyveryverylongwordwithoutanyspaces" * 4,
        name="Ada Lovelace",
        email=LONG_EMAIL,
        phone="07700 900 982",
    )
    make_item(settings, kind="compliment", service="general")
    page.goto(server.url + "/staff/sign-in")
    page.fill("#email", "worker@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))

    page.goto(f"{server.url}/staff/complaints")
    assert page.locator(".govuk-summary-card").count() == 2
    assert_accessible(page, "complaints-staff-list")
    _fits_320(page)

    page.goto(f"{server.url}/staff/complaints?kind=rant")
    assert "Choose a kind" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "complaints-staff-list-error")

    page.goto(f"{server.url}/staff/complaints/{ref}")
    assert "<script>alert(1)</script>" in page.locator("#details").inner_text()
    assert_accessible(page, "complaints-staff-record")
    _fits_320(page)

    page.select_option("#theme", "waiting_time")
    page.fill("#acknowledged_on-day", "31")
    page.fill("#acknowledged_on-month", "2")
    page.fill("#acknowledged_on-year", "2026")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    assert "real date" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#theme").input_value() == "waiting_time"
    assert_accessible(page, "complaints-staff-record-error")
    _fits_320(page)

    page.fill("#acknowledged_on-day", "")
    page.fill("#acknowledged_on-month", "")
    page.fill("#acknowledged_on-year", "")
    page.get_by_label("Partly upheld").check()
    click_and_wait(page, page.get_by_role("button", name="Save"))
    assert page.url.endswith(f"/staff/complaints/{ref}")
    [row] = [r for r in rows(settings) if r.ref == ref]
    assert (row.theme, row.outcome) == ("waiting_time", "partly_upheld")


def test_the_form_works_without_javascript(
    live: tuple[LiveServer, Settings], nojs_page: Page
) -> None:
    server, settings = live
    page = nojs_page
    page.goto(f"{server.url}/complaints")
    page.get_by_label("Compliment").check()
    page.get_by_label("Not about one service").check()
    page.fill("#details", "The website was easy to use.")
    click_and_wait(page, page.get_by_role("button", name="Send"))
    assert page.locator("h1").inner_text() == "Compliment sent"
    assert [r.kind for r in rows(settings)] == ["compliment"]
