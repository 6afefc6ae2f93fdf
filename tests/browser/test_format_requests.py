"""Requests for other formats in Chromium (issue 14, point 4): the public form with an error and
sent, the revealed boxes (a language, something else, a postal address) working with
JavaScript (hidden until their radio is chosen) and without it (always shown, and sent); the
staff list and a request's page, marked done; each with axe (WCAG 2.2 AA) at 1280 and 320 px
and nothing wider than 320 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.formats import public_routes
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare
from tests.formats.helpers import make_request, rows

pytestmark = pytest.mark.browser

FORM = "/accessible-formats/request"
LONG_EMAIL = "a.very.long.name.for.somebody@north-east-carers-partnership.example.org"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Settings]]:
    # A browser fills the form faster than a person: the fill time is the bot check's business
    # (tests/formats/test_form.py), not this test's.
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


def test_the_form_reveals_its_boxes_shows_errors_and_sends(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    page.goto(f"{server.url}{FORM}")
    assert page.locator("h1").inner_text() == "Ask for information in another format"
    # With JavaScript the extra boxes wait for their answer.
    assert not page.locator("#language").is_visible()
    assert not page.locator("#format_other").is_visible()
    assert not page.locator("#address").is_visible()
    assert_accessible(page, "format-request-form")
    _fits_320(page)

    page.get_by_label("Another language").check()
    assert page.locator("#language").is_visible()
    page.get_by_label("Something else").check()
    assert page.locator("#format_other").is_visible() and not page.locator("#language").is_visible()
    page.get_by_label("By post").check()
    assert page.locator("#address").is_visible()
    page.fill("#name", "Ada Lovelace")
    click_and_wait(page, page.get_by_role("button", name="Send request"))
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the format you need" in summary and "Enter your postal address" in summary
    assert "Choose the information you need" in summary
    assert page.locator("#name").input_value() == "Ada Lovelace"
    # The chosen answers' boxes are open again, with their messages by them.
    assert page.locator("#format_other").is_visible() and page.locator("#address").is_visible()
    assert_accessible(page, "format-request-form-error")
    _fits_320(page)

    page.get_by_label("Another language").check()
    page.fill("#language", "Urdu")
    page.select_option("#page", "/about/how-to-complain/")
    page.fill("#address", "1 High Street\nDerby\nDE1 1AA")
    page.fill("#email", "ada@example.org")
    click_and_wait(page, page.get_by_role("button", name="Send request"))
    assert f"{FORM}/sent/" in page.url
    assert page.locator("h1").inner_text() == "Request sent"
    ref = page.locator("#reference").inner_text()
    assert ref.startswith("F-")
    assert_accessible(page, "format-request-confirmation")
    _fits_320(page)
    [row] = rows(settings)
    assert (row.ref, row.format, row.delivery) == (ref, "language", "post")


def test_the_form_works_without_javascript(
    live: tuple[LiveServer, Settings], nojs_page: Page
) -> None:
    server, settings = live
    page = nojs_page
    page.goto(f"{server.url}{FORM}")
    # Without JavaScript every box is shown, each under its answer.
    for box in ("#language", "#format_other", "#address"):
        assert page.locator(box).is_visible(), box
    page.get_by_label("Something else").check()
    page.fill("#format_other", "Moon type")
    page.select_option("#page", "other")
    page.fill("#information", "The letter you sent me in May.")
    page.get_by_label("By phone (we call you)").check()
    page.fill("#name", "Sam Jones")
    click_and_wait(page, page.get_by_role("button", name="Send request"))
    assert "Enter your phone number" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#format_other").input_value() == "Moon type"
    page.fill("#phone", "07700 900 982")
    click_and_wait(page, page.get_by_role("button", name="Send request"))
    assert page.locator("h1").inner_text() == "Request sent"
    [row] = rows(settings)
    assert (row.format, row.delivery, row.phone) == ("other", "phone", "07700 900 982")


def test_the_staff_list_and_a_request_marked_done(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    ref = make_request(
        settings,
        format="language",
        format_detail="Averyveryverylongwordwithoutanyspaces" * 3,
        information="<script>alert(1)</script> the leaflet",
        email=LONG_EMAIL,
    )
    make_request(settings, format="bsl", delivery="phone", email="", phone="07700 900 982")
    page.goto(server.url + "/staff/sign-in")
    page.fill("#email", "worker@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))
    assert page.get_by_role("link", name="Requests for other formats").count() == 1

    page.goto(f"{server.url}/staff/format-requests")
    assert page.locator(".govuk-summary-card").count() == 2
    assert_accessible(page, "format-requests-staff-list")
    _fits_320(page)

    page.goto(f"{server.url}/staff/format-requests/{ref}")
    assert "<script>alert(1)</script>" in page.locator("main").inner_text()
    assert_accessible(page, "format-requests-staff-record")
    _fits_320(page)

    page.fill("#note", "Sent by post on Monday.")
    click_and_wait(page, page.get_by_role("button", name="Mark as done"))
    assert "Marked as done on" in page.locator("#done-at").inner_text()
    assert_accessible(page, "format-requests-staff-record-done")
    _fits_320(page)

    page.goto(f"{server.url}/staff/format-requests?status=done")
    assert page.locator(".govuk-summary-card").count() == 1
    assert_accessible(page, "format-requests-staff-list-done")
