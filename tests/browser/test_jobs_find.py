"""A PA finds a job advert and replies, in real Chromium (issue 13, point 2): filters with
counts and distance, the advert in words, the reply form with errors, the confirmation; the
employer's email arrives at a real SMTP server with Reply-To the PA; axe finds nothing at 1280
and 320 px; and the filters work with JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pafinder.db import make_engine
from pafinder.jobs.find import reply
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible
from tests.conftest import REAL_CONTENT, Inbox, body_text, make_settings, prepare
from tests.jobs.factory import add_job

pytestmark = pytest.mark.browser
EMPLOYER = "hidden.employer@example.org"


@pytest.fixture
def live(
    tmp_path: Path, smtp: tuple[str, Inbox], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, Settings, Inbox]]:
    # The minimum fill time is tested in tests/jobs/test_reply.py; a browser types too fast.
    monkeypatch.setattr(reply, "MIN_FILL_SECONDS", 0.0)
    url, inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    engine = make_engine(settings.database_url)
    add_job(engine, title="Evening help in Macclesfield", areas=["macclesfield"])
    add_job(
        engine,
        title="Weekend PA in Crewe",
        areas=["crewe"],
        postcode="CW1 2AB",
        email=EMPLOYER,
        pay_pence=1375,
        gender_requirement="woman",
        gender_reason="Intimate personal care",
        tasks=["personal-care", "shopping"],
        summary="Saturday and Sunday mornings with a friendly family 🙂",
    )
    add_job(engine, title="Nantwich and Crewe driver", areas=["crewe", "nantwich"], driving=True)
    with LiveServer(settings) as server:
        yield server, settings, inbox


def test_pa_finds_a_job_and_replies(live: tuple[LiveServer, Settings, Inbox], page: Page) -> None:
    server, _settings, inbox = live
    page.goto(server.url + "/jobs")
    status = page.get_by_role("status")
    expect(status).to_have_text("3 jobs found")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a job as a personal assistant")
    assert_accessible(page, "jobs-results")

    # Filter by area, with the counts beside the options, and a postcode.
    page.locator("summary", has_text="Area").first.click()
    page.get_by_label("Crewe (2)").check()
    page.get_by_label("Your postcode").fill("cw1 2ab")
    page.get_by_label("Distance").select_option("5")
    page.get_by_role("button", name="Apply filters").click()
    expect(status).to_have_text(re.compile(r"^[12] jobs? found$"))
    assert "area=crewe" in page.url and "within=5" in page.url
    expect(page.locator(".app-filter-tag", has_text="Area: Crewe")).to_be_visible()
    expect(page.locator(".app-job-result__distance").first).to_have_text(
        re.compile(r"^(About [0-9.]+ miles? away|Less than 1 mile away)$")
    )
    expect(page.locator("#alert-link")).to_have_attribute("href", "/jobs/alerts?area=crewe")
    assert_accessible(page, "jobs-filtered")

    # Open the advert: everything in words, nothing about the employer.
    page.get_by_role("link", name="Weekend PA in Crewe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekend PA in Crewe")
    expect(page.locator("#pay")).to_have_text("£13.75 an hour")
    expect(page.locator("#gender")).to_contain_text("This job needs a woman")
    expect(page.locator("#gender")).to_contain_text("Intimate personal care")
    expect(page.locator("#dbs")).to_have_text("Enhanced")
    html = page.content()
    assert EMPLOYER not in html and "CW1 2AB" not in html and "Postcode area CW1" in html
    assert_accessible(page, "job-advert")

    # Reply: first with mistakes, then properly.
    page.get_by_role("button", name="Reply to this advert").click()
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    assert_accessible(page, "job-reply-errors")
    page.get_by_label("Your name").fill("Pat Assistant")
    page.get_by_label("Your email address").fill("pat.pa@example.com")
    page.get_by_label("Your message").fill("I am free at weekends and have 5 years' experience")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply sent")
    assert_accessible(page, "job-reply-sent")
    (message,) = inbox.wait_for(1)
    assert EMPLOYER in str(message["To"]) and str(message["Reply-To"]) == "pat.pa@example.com"
    assert "I am free at weekends" in body_text(message)


def test_filters_work_without_javascript(
    live: tuple[LiveServer, Settings, Inbox], nojs_page: Page
) -> None:
    server, _settings, _inbox = live
    page = nojs_page
    page.goto(server.url + "/jobs")
    status = page.get_by_role("status")
    expect(status).to_have_text("3 jobs found")
    page.locator("summary", has_text="Area").first.click()
    page.get_by_label("Nantwich (1)").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(status).to_have_text("1 job found")
    assert "area=nantwich" in page.url
    # The days and times grid: a checkbox for each slot, named with its count.
    page.goto(server.url + "/jobs")
    page.locator("summary", has_text="Days and times").click()
    page.get_by_label("Monday morning (3)").check()
    page.get_by_label("Wednesday morning (3)").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(status).to_have_text("3 jobs found")
    assert "availability=mon-am" in page.url and "availability=wed-am" in page.url
    # A postcode the table does not know: a message by the field, not an empty list.
    page.goto(server.url + "/jobs?postcode=ZZ99+9ZZ")
    expect(page.locator("#postcode-error")).to_contain_text("We could not find the postcode")
    # Remove a filter through its tag, then open an advert and reach the reply form.
    page.goto(server.url + "/jobs?area=nantwich&area=crewe")
    expect(status).to_have_text("2 jobs found")
    page.locator(".app-filter-tag", has_text="Area: Nantwich").click()
    expect(status).to_have_text("2 jobs found")
    assert "nantwich" not in page.url
    page.get_by_role("link", name="Weekend PA in Crewe").click()
    page.get_by_role("button", name="Reply to this advert").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reply to the advert")
