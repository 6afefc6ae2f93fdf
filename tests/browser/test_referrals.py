"""Referral journeys in real Chromium, checked with axe at 1280 and 320 px, with the emails read
from a real SMTP server: a self-referral to peer support, a carer's self-referral, a
professional referral to mentoring, and a family member's referral with JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import utcnow
from pafinder.settings import Settings
from pafinder.workdays import london_date, respond_by
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, Inbox, body_text, make_settings, prepare


@pytest.fixture
def live(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[LiveServer, Inbox]]:
    url, inbox = smtp
    settings: Settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    with LiveServer(settings) as server:
        yield server, inbox


def fill_person(page: Page, email: str) -> None:
    page.fill("#first_name", "Zoë")
    page.fill("#last_name", "Ó Súilleabháin")
    page.fill("#date_of_birth-day", "10")
    page.fill("#date_of_birth-month", "12")
    page.fill("#date_of_birth-year", "1985")
    page.fill("#postcode", "de1 2ab")
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
    assert_accessible(page, "referral-peer-support-form")
    page.check('input[name="referrer_type"][value="self"]')
    fill_person(page, "zoe@example.org")
    page.fill("#reason", "I have been feeling low and would like to talk to someone.")
    page.check('input[name="need"][value="own_mental_health"]')
    page.check('input[name="interests"][value="groups"]')
    page.check('input[name="eq_gender"][value="prefer_not_to_say"]')
    # First without agreeing: the error summary links to the field, everything is kept.
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.input_value("#first_name") == "Zoë"
    assert_accessible(page, "referral-peer-support-error")
    page.check('input[name="consent"][value="yes"]')
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/check")
    assert "Zoë Ó Súilleabháin" in page.content()
    ref = confirm(page, "referral-peer-support", 3)
    inbox.wait_for(2)
    (ack,) = inbox.to("zoe@example.org")
    assert ref in body_text(ack) and "low" not in body_text(ack)
    (staff,) = inbox.to("peer-support@example.org")
    assert f"/staff/referrals/{ref}" in body_text(staff) and "Zoë" not in body_text(staff)


def test_carers_self_referral(live: tuple[LiveServer, Inbox], page: Page) -> None:
    server, inbox = live
    page.goto(server.url + "/services/carers/")
    page.get_by_role("button", name="Ask for help").click()
    page.wait_for_url("**/refer/carers")
    assert_accessible(page, "referral-carers-form")
    page.check('input[name="referrer_type"][value="self"]')
    fill_person(page, "carer@example.org")
    page.fill("#reason", "I look after my dad and need a break.")
    page.check('input[name="cared_for_lives_in_area"][value="yes"]')
    page.check('input[name="cared_for_needs"][value="dementia"]')
    page.check('input[name="wants_carers_assessment"][value="yes"]')
    page.check('input[name="eq_carer"][value="yes"]')
    page.check('input[name="consent"][value="yes"]')
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/check")
    assert "Dementia" in page.content()
    ref = confirm(page, "referral-carers", 5)
    inbox.wait_for(2)
    assert ref in body_text(inbox.to("carer@example.org")[0])
    (staff,) = inbox.to("carers@example.org")
    assert ref in body_text(staff) and "dad" not in body_text(staff)


def test_referral_without_javascript(live: tuple[LiveServer, Inbox], nojs_page: Page) -> None:
    server, inbox = live
    page = nojs_page
    page.goto(server.url + "/refer/direct-payment-support")
    page.check('input[name="referrer_type"][value="family_or_carer"]')
    page.fill("#referrer_name", "Sam O\u2019Brien")
    page.fill("#referrer_relationship", "Son")
    fill_person(page, "parent@example.org")
    page.fill("#postcode", "CW1 2AB")
    page.fill("#reason", "Mum needs help to employ a PA.")
    page.check('input[name="funding"][value="has_direct_payment"]')
    page.check('input[name="consent"][value="yes"]')
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/check")
    # A change link goes back to the form with the draft kept, then on again.
    click_and_wait(page, page.get_by_role("link", name="Change why support is needed"))
    assert page.input_value("#reason") == "Mum needs help to employ a PA."
    assert page.input_value("#referrer_name") == "Sam O\u2019Brien"
    page.fill("#reason", "Mum needs help to find and employ a PA.")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/check")
    assert "find and employ" in page.content()
    ref = confirm(page, "referral-nojs", 5, axe=False)
    inbox.wait_for(2)
    assert ref in body_text(inbox.to("parent@example.org")[0])
    assert inbox.to("directpayments@example.org")


def test_professional_referral_to_mentoring(live: tuple[LiveServer, Inbox], page: Page) -> None:
    server, inbox = live
    page.goto(server.url + "/refer/mentoring")
    assert "Young people cannot refer themselves" in page.content()
    assert_accessible(page, "referral-mentoring-form")
    page.fill("#referrer_name", "Priya Shah")
    page.fill("#referrer_role", "Virtual School caseworker")
    page.fill("#referrer_organisation", "Derby City Council Virtual School")
    page.fill("#referrer_email", "priya.shah@example.org")
    page.fill("#first_name", "Jordan")
    page.fill("#last_name", "Smith")
    page.fill("#date_of_birth-day", "3")
    page.fill("#date_of_birth-month", "4")
    page.fill("#date_of_birth-year", "2011")
    page.fill("#postcode", "DE22 1AA")
    page.check('input[name="preferred_contact"][value="phone"]')
    page.fill("#phone", "07700 900 123")
    page.fill("#reason", "Jordan has not been to school since September.")
    page.check('input[name="looked_after"][value="yes"]')
    page.fill("#school", "Sample Academy")
    page.check('input[name="consent"][value="yes"]')
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/check")
    assert "Virtual School caseworker" in page.content()
    ref = confirm(page, "referral-mentoring", 2)
    inbox.wait_for(2)
    (ack,) = inbox.to("priya.shah@example.org")
    assert ref in body_text(ack) and "Jordan" not in body_text(ack)
    (staff,) = inbox.to("mentoring@example.org")
    assert ref in body_text(staff) and "Jordan" not in body_text(staff)
