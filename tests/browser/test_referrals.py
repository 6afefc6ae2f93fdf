"""Referral journeys as question pages in real Chromium, every page checked with axe at 1280 and
320 px (no sideways scroll at 320), with the emails read from a real SMTP server: a
self-referral to peer support (with "Exit this page" and an error on a page), a professional
referral to mentoring, a family member's referral with JavaScript off (change links), and
"Delete my answers" and "Exit this page" with JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import utcnow
from pafinder.referrals.journey import routes as journey_routes
from pafinder.settings import Settings
from pafinder.workdays import london_date, respond_by
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, Inbox, body_text, make_settings, prepare


@pytest.fixture
def live(
    tmp_path: Path, smtp: tuple[str, Inbox], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, Inbox]]:
    # The minimum fill time is tested over HTTP (tests/referrals/test_question_pages.py); a
    # fast machine must not race it here.
    monkeypatch.setattr(journey_routes, "MIN_FILL_SECONDS", 0.0)
    url, inbox = smtp
    settings: Settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    with LiveServer(settings) as server:
        yield server, inbox


def step(page: Page, title: str, name: str | None = None) -> None:
    """On the page titled ``title`` (checked with axe when ``name`` is given), press Continue."""
    assert page.locator("h1").inner_text() == title
    assert page.locator(".govuk-back-link").count() == 1
    assert page.get_by_role("button", name="Delete my answers").count() == 1
    if name:
        assert_accessible(page, name)
    click_and_wait(page, page.get_by_role("button", name="Continue"))


def fill_person(page: Page) -> None:
    page.fill("#first_name", "Zoë")
    page.fill("#last_name", "Ó Súilleabháin")
    page.fill("#date_of_birth-day", "10")
    page.fill("#date_of_birth-month", "12")
    page.fill("#date_of_birth-year", "1985")
    page.fill("#postcode", "de1 2ab")


def contact_by_email(page: Page, email: str) -> None:
    page.check('input[name="preferred_contact"][value="email"]')
    page.fill("#email", email)


def confirm(page: Page, name: str, days: int, axe: bool = True) -> str:
    """Check answers, send, and check the confirmation; returns the reference. (axe runs in
    the page, so it cannot run where JavaScript is switched off.)"""
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    if axe:
        assert_accessible(page, f"{name}-check")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url("**/confirmation/**")
    assert page.locator("h1").inner_text() == "Referral sent"
    ref = page.locator("#reference").inner_text()
    due = page.locator("#respond-by").get_attribute("datetime")
    assert due in {respond_by(utcnow(), days).isoformat()}, due
    if axe:
        assert_accessible(page, f"{name}-confirmation")
    assert london_date(utcnow()).isoformat() < str(due)
    return ref


def test_self_referral_to_peer_support(live: tuple[LiveServer, Inbox], page: Page) -> None:
    server, inbox = live
    page.goto(server.url + "/services/peer-support-recovery/")
    page.get_by_role("button", name="Ask for help").click()
    page.wait_for_url("**/refer/peer-support-recovery")
    assert page.locator(".govuk-exit-this-page").count() == 1
    page.check('input[name="referrer_type"][value="self"]')
    step(page, "Who is filling in this form?", "referral-peer-support-who")
    # First with nothing typed: the error summary links to the field, the title says Error.
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "referral-peer-support-error")
    fill_person(page)
    step(page, "About you")
    contact_by_email(page, "zoe@example.org")
    step(page, "How should we get in touch?", "referral-peer-support-contact")
    page.fill("#reason", "I have been feeling low and would like to talk to someone.")
    step(page, "Why is support needed?", "referral-peer-support-reason")
    page.check('input[name="need"][value="own_mental_health"]')
    step(page, "About the person's situation", "referral-peer-support-questions")
    page.check('input[name="interests"][value="groups"]')
    step(page, "What kind of support would help?")
    step(page, "Is there anything that would make it easier to talk to us?")
    page.check('input[name="consent"][value="yes"]')
    step(page, "Do you agree to this referral?", "referral-peer-support-agreement")
    page.check('input[name="eq_gender"][value="prefer_not_to_say"]')
    step(page, "Equality monitoring (optional)", "referral-peer-support-equality")
    assert "Zoë Ó Súilleabháin" in page.content()
    assert page.locator(".govuk-exit-this-page").count() == 1
    ref = confirm(page, "referral-peer-support", 3)
    assert "0115 496 0140" in page.content() and "feeling low" not in page.content()
    inbox.wait_for(2)
    (ack,) = inbox.to("zoe@example.org")
    assert ref in body_text(ack) and "low" not in body_text(ack)
    assert "0115 496 0140" in body_text(ack)
    (staff,) = inbox.to("peer-support@example.org")
    assert f"/staff/referrals/{ref}" in body_text(staff) and "Zoë" not in body_text(staff)


def test_professional_referral_to_mentoring(live: tuple[LiveServer, Inbox], page: Page) -> None:
    server, inbox = live
    page.goto(server.url + "/refer/mentoring")
    # One route: no "who" question; the professional's details come first.
    assert "Young people cannot refer themselves" in page.content()
    page.fill("#referrer_name", "Priya Shah")
    page.fill("#referrer_role", "Virtual School caseworker")
    page.fill("#referrer_organisation", "Derby City Council Virtual School")
    page.fill("#referrer_email", "priya.shah@example.org")
    step(page, "Your details", "referral-mentoring-professional")
    page.fill("#first_name", "Jordan")
    page.fill("#last_name", "Smith")
    page.fill("#date_of_birth-day", "3")
    page.fill("#date_of_birth-month", "4")
    page.fill("#date_of_birth-year", "2011")
    page.fill("#postcode", "DE22 1AA")
    step(page, "About the person who needs support", "referral-mentoring-person")
    page.check('input[name="preferred_contact"][value="text"]')
    page.fill("#phone", "07700 900 123")
    step(page, "How should we get in touch?")
    page.fill("#reason", "Jordan has not been to school since September.")
    step(page, "Why is support needed?")
    page.check('input[name="looked_after"][value="yes"]')
    page.fill("#school", "Sample Academy")
    step(page, "School, college and care", "referral-mentoring-questions")
    step(page, "What outcomes would you like the mentoring to achieve?")
    page.check('input[name="consent"][value="yes"]')
    step(page, "Does the person agree to this referral?", "referral-mentoring-agreement")
    step(page, "Equality monitoring (optional)")
    assert "Virtual School caseworker" in page.content()
    ref = confirm(page, "referral-mentoring", 2)
    # Jordan asked for a text: no email to him, and the page says so; Priya gets one.
    assert "so we have not sent them a confirmation email" in page.content()
    inbox.wait_for(2)
    (ack,) = inbox.to("priya.shah@example.org")
    assert ref in body_text(ack) and "Jordan" not in body_text(ack)
    (staff,) = inbox.to("mentoring@example.org")
    assert ref in body_text(staff) and "Jordan" not in body_text(staff)


def test_referral_without_javascript(live: tuple[LiveServer, Inbox], nojs_page: Page) -> None:
    server, inbox = live
    page = nojs_page
    page.goto(server.url + "/refer/direct-payment-support")
    page.check('input[name="referrer_type"][value="family_or_carer"]')
    step(page, "Who is filling in this form?")
    page.fill("#referrer_name", "Sam O\u2019Brien")
    page.fill("#referrer_relationship", "Son")
    step(page, "About you")
    fill_person(page)
    page.fill("#postcode", "CW1 2AB")
    step(page, "About the person who needs support")
    contact_by_email(page, "parent@example.org")
    step(page, "How should we get in touch?")
    page.fill("#reason", "Mum needs help to employ a PA.")
    step(page, "Why is support needed?")
    page.check('input[name="funding"][value="has_direct_payment"]')
    step(page, "Which best describes the person's care and support?")  # alone on this route
    step(page, "What would the person like help with?")
    step(page, "Is there anything that would make it easier to talk to us?")
    page.check('input[name="consent"][value="yes"]')
    step(page, "Does the person agree to this referral?")
    step(page, "Equality monitoring (optional)")
    # A change link goes to that one page with the draft kept, then back to check answers.
    click_and_wait(page, page.get_by_role("link", name="Change why support is needed"))
    assert page.input_value("#reason") == "Mum needs help to employ a PA."
    page.fill("#reason", "Mum needs help to find and employ a PA.")
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    assert "find and employ" in page.content()
    assert "Sam O\u2019Brien" in page.content()
    ref = confirm(page, "referral-nojs", 5, axe=False)
    inbox.wait_for(2)
    assert ref in body_text(inbox.to("parent@example.org")[0])
    assert inbox.to("directpayments@example.org")


def test_exit_and_delete_without_javascript(
    live: tuple[LiveServer, Inbox], nojs_page: Page
) -> None:
    server, _inbox = live
    page = nojs_page
    page.goto(server.url + "/refer/carers")
    exit_link = page.get_by_role("button", name="Emergency Exit this page")
    assert exit_link.get_attribute("href") == "https://www.bbc.co.uk/weather"
    page.check('input[name="referrer_type"][value="self"]')
    step(page, "Who is filling in this form?")
    fill_person(page)
    step(page, "About you")
    click_and_wait(page, page.get_by_role("button", name="Delete my answers"))
    assert page.locator("h1").inner_text() == "Your answers have been deleted"
    page.goto(server.url + "/refer/carers/person")
    assert page.url.endswith("/refer/carers")  # nothing behind it now: back to the start
    assert not page.is_checked('input[name="referrer_type"][value="self"]')
