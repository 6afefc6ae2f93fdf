"""The feedback form (and its error), the thank-you page and the staff results page in
Chromium: axe (WCAG 2.2 AA) at 1280 and 320 px, no sideways scroll at 320 px; and the form
works with JavaScript off."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import utcnow
from pafinder.feedback import forms
from pafinder.settings import Settings
from pafinder.workdays import london_date
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare
from tests.feedback.helpers import add_responses, stored

pytestmark = pytest.mark.browser


def _portal(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    return settings


@pytest.fixture(autouse=True)
def no_minimum_fill_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The robot check's minimum fill time is tested over HTTP (tests/feedback); here it would
    make each send depend on how fast the browser got there (a form sent sooner is dropped as a
    robot's, so the first, empty send would show the thank-you page instead of its error)."""
    monkeypatch.setattr(forms, "MIN_FILL_SECONDS", 0.0)


def test_the_form_its_error_and_the_thank_you_page_are_accessible(
    tmp_path: Path, page: Page
) -> None:
    settings = _portal(tmp_path)
    with LiveServer(settings) as server:
        page.goto(server.url + "/feedback/carers")
        assert (
            page.locator("h1").inner_text()
            == "Tell us what you think of the carers support service"
        )
        assert page.locator("input[type=radio]").count() == 5 * 3
        assert_accessible(page, "feedback-form")

        click_and_wait(page, page.get_by_role("button", name="Send feedback"))
        summary = page.locator(".govuk-error-summary")
        assert "Answer at least one question or write a comment" in summary.inner_text()
        assert page.title().startswith("Error: ")
        assert_accessible(page, "feedback-form-error")

        page.get_by_role("group", name="I feel less alone").get_by_label(
            "Agree", exact=True
        ).check()
        page.get_by_role("group", name="I feel more ready for an emergency").get_by_label(
            "Neither agree nor disagree"
        ).check()
        page.fill("#comment", "The Tuesday group helps. " + "x" * 120)
        click_and_wait(page, page.get_by_role("button", name="Send feedback"))
        page.wait_for_url("**/feedback/carers/thank-you")
        assert page.locator("h1").count() == 1
        assert page.locator("h1").inner_text() == "Thank you for your feedback"
        assert_accessible(page, "feedback-thank-you")
    [row] = stored(settings)
    assert row["answers"] == {"less-alone": "agree", "ready-for-emergency": "neither"}


def test_the_form_works_without_javascript(tmp_path: Path, nojs_page: Page) -> None:
    settings = _portal(tmp_path)
    with LiveServer(settings) as server:
        nojs_page.goto(server.url + "/feedback/mentoring")
        nojs_page.get_by_role("group", name="I feel more confident").get_by_label(
            "Disagree", exact=True
        ).check()
        click_and_wait(nojs_page, nojs_page.get_by_role("button", name="Send feedback"))
        assert nojs_page.locator("h1").inner_text() == "Thank you for your feedback"
    assert stored(settings)[0]["answers"] == {"more-confident": "disagree"}


def test_the_staff_results_page_is_accessible(tmp_path: Path, page: Page) -> None:
    settings = _portal(tmp_path)
    today = london_date(utcnow())
    add_responses(
        settings, "carers", today, {"less-alone": "agree", "time-for-myself": "disagree"}, n=6
    )
    add_responses(settings, "carers", today, {"ready-for-emergency": "agree"}, n=2)
    for n in range(22):
        add_responses(settings, "carers", today, {}, comment=f"Comment {n}\nwith a new line")
    add_responses(settings, "carers", today, {}, comment="<b>bold?</b> " + "unbroken" * 40)
    email = add_staff(settings, "carers@example.org", services=("carers",))
    with LiveServer(settings) as server:
        page.goto(server.url + "/staff/sign-in")
        page.fill("#email", email)
        page.fill("#password", STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/staff/")
        click_and_wait(page, page.get_by_role("link", name="Feedback", exact=True))
        assert_accessible(page, "feedback-staff-index")
        click_and_wait(page, page.get_by_role("link", name="Carers support service"))
        text = page.locator("main").inner_text()
        assert "Meets the 75% target" in text and "Below the 75% target" in text
        assert "fewer than 5" in text and "<b>bold?</b>" in text
        assert page.locator(".govuk-pagination").count() == 1
        assert_accessible(page, "feedback-staff-results")
        page.goto(server.url + "/staff/feedback/carers?from=2026-02-30")
        assert "Date from must be a real date" in page.locator(".govuk-error-summary").inner_text()
        assert_accessible(page, "feedback-staff-results-error")
