"""The newsletter journey in Chromium (issue 10, point 3): the sign-up form with an error, the
'check your email' page, the confirmed page from the emailed link, the unsubscribe page and its
button; each with axe (WCAG 2.2 AA) at 1280 and 320 px. And unsubscribing without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.newsletter import routes, signing
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, body_text, make_settings, prepare
from tests.newsletter.helpers import rows

pytestmark = pytest.mark.browser

LONG_EMAIL = "a.very.long.name.for.somebody@north-east-carers-partnership.example.org"


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Settings]]:
    # A browser fills the form faster than a person: the fill time is the bot check's business
    # (tests/newsletter/test_sign_up.py), not this test's.
    monkeypatch.setattr(routes, "MIN_FILL_SECONDS", 0.0)
    settings = make_settings(tmp_path, REAL_CONTENT)  # no SMTP: emails land as .eml files
    prepare(settings)
    with LiveServer(settings) as server:
        yield server, settings


def _confirm_link(settings: Settings) -> str:
    [eml] = sorted(settings.outbox_dir.glob("*.eml"))
    match = re.search(
        r"https?://[^\s/]+(/newsletter/confirm/\S+)",
        body_text(message_from_bytes(eml.read_bytes())),
    )
    assert match
    return match.group(1)


def test_sign_up_with_an_error_check_your_email_and_confirmed(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    page.goto(f"{server.url}/newsletter")
    assert page.locator("h1").inner_text() == "Sign up for our newsletter"
    assert_accessible(page, "newsletter-form")

    page.fill("#email", "not-an-email")
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    assert "correct format" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#email").input_value() == "not-an-email"
    assert page.title().startswith("Error: Sign up for our newsletter")
    assert_accessible(page, "newsletter-form-error")

    page.fill("#email", LONG_EMAIL)
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    assert page.url.endswith("/newsletter/check-your-email")
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page, "newsletter-check-your-email")

    page.goto(server.url + _confirm_link(settings))
    assert page.locator("h1").inner_text() == "You have signed up for our newsletter"
    assert_accessible(page, "newsletter-confirmed")
    assert rows(settings)[LONG_EMAIL].subscribed


def test_the_unsubscribe_page_and_its_button(
    live: tuple[LiveServer, Settings], page: Page, nojs_page: Page
) -> None:
    server, settings = live
    page.goto(f"{server.url}/newsletter")
    page.fill("#email", "ann@example.com")
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    page.goto(server.url + _confirm_link(settings))
    subscriber = rows(settings)["ann@example.com"]
    path = f"/newsletter/unsubscribe/{signing.unsubscribe_token(settings, subscriber.id)}"

    page.goto(server.url + path)
    assert page.locator("h1").inner_text() == "Unsubscribe from our newsletter"
    assert_accessible(page, "newsletter-unsubscribe")
    assert rows(settings)["ann@example.com"].subscribed  # opening the page changes nothing
    click_and_wait(page, page.get_by_role("button", name="Unsubscribe"))
    assert page.locator("h1").inner_text() == "You have unsubscribed"
    assert_accessible(page, "newsletter-unsubscribed")
    assert not rows(settings)["ann@example.com"].subscribed

    page.goto(f"{server.url}/newsletter/confirm/not-a-real-link")
    assert page.locator("h1").inner_text() == "This link does not work"
    assert_accessible(page, "newsletter-link-problem")

    # Without JavaScript the button is a plain form: it works the same.
    nojs_page.goto(server.url + path)
    with nojs_page.expect_navigation():
        nojs_page.get_by_role("button", name="Unsubscribe").click()
    assert nojs_page.locator("h1").inner_text() == "You have unsubscribed"
