"""An employer posts a job advert through every page in Chromium, confirms it by the emailed
link (read from a real aiosmtpd server), manages it, a staff member publishes it, and it is on
/jobs/{ref}; axe (WCAG 2.2 AA) at 1280 and 320 px on every page, error pages included. The
journey also runs with JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import make_engine
from pafinder.jobs import store
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import (
    REAL_CONTENT,
    STAFF_PASSWORD,
    Inbox,
    add_staff,
    body_text,
    make_settings,
    prepare,
)
from tests.jobs.post_helpers import backdate_drafts

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[LiveServer, Settings, Inbox]]:
    url, inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    with LiveServer(settings) as server:
        yield server, settings, inbox


def link(inbox: Inbox, index: int, prefix: str) -> str:
    message = inbox.wait_for(index + 1)[index]
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def cont(page: Page) -> None:
    click_and_wait(page, page.get_by_role("button", name="Save and continue"))


def fill_date(page: Page, prefix: str, day: date) -> None:
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def step(page: Page, name: str, check: bool) -> None:
    page.wait_for_url(f"**/jobs/post/{name}")
    if check:
        assert_accessible(page, f"jobs-post-{name}")


def fill_advert(page: Page, base: str, check: bool) -> None:
    page.goto(base + "/jobs/post")
    if check:
        assert_accessible(page, "jobs-post-start")
    click_and_wait(page, page.get_by_role("button", name="Start now"))

    step(page, "title", check)
    if check:
        cont(page)  # nothing typed: the errors page
        assert page.title().startswith("Error: ")
        assert_accessible(page, "jobs-post-title-errors")
    page.fill("#title", "PA for Zoë, who loves gardening 🌻")
    cont(page)

    step(page, "tasks", check)
    page.get_by_label("Shopping").check()
    page.fill("#tasks_other", "Helping in the garden")
    cont(page)

    step(page, "hours", check)
    page.fill("#hours_per_week", "12")
    page.check("#availability")  # Monday morning
    page.check("#availability-sat-pm")
    cont(page)

    step(page, "starts", check)
    fill_date(page, "starts", date.today() + timedelta(days=30))
    cont(page)

    step(page, "pay", check)
    assert "National Living Wage" in page.content()
    page.fill("#pay", "5.00")
    cont(page)
    assert page.title().startswith("Error: ")
    if check:
        assert_accessible(page, "jobs-post-pay-errors")
    page.fill("#pay", "14.25")
    cont(page)

    step(page, "where", check)
    page.get_by_label("Crewe").check()
    page.fill("#postcode", "ZZ99 9ZZ")
    cont(page)
    assert "We do not know that postcode" in page.content()
    page.fill("#postcode", "cw1")
    cont(page)

    step(page, "gender", check)
    page.check("#gender_requirement-woman")
    cont(page)
    assert "Say why the job needs a man or a woman" in page.content()
    if check:
        assert_accessible(page, "jobs-post-gender-errors")
    page.fill("#gender_reason", "Intimate personal care: Zoë would like a woman to help her")
    cont(page)

    step(page, "dbs", check)
    page.check("#lacks_capacity")  # yes
    page.check("#dbs-standard")
    cont(page)
    assert "The PA must have an enhanced DBS check" in page.content()
    page.check("#dbs")  # enhanced, the first choice
    cont(page)

    step(page, "driving", check)
    page.check("#driving-no")
    cont(page)

    step(page, "closes", check)
    fill_date(page, "closes", date.today() + timedelta(days=5))
    cont(page)
    assert "at least 14 days from today" in page.content()
    fill_date(page, "closes", date.today() + timedelta(days=21))
    cont(page)

    step(page, "summary", check)
    page.fill("#summary", "Zoë is 30, loves her allotment and wants help a few mornings a week.")
    cont(page)

    step(page, "email", check)
    page.fill("#email", "employer@example.org")
    cont(page)

    page.wait_for_url("**/jobs/post/check-answers")
    if check:
        assert_accessible(page, "jobs-post-check-answers")
    assert "PA for Zoë, who loves gardening 🌻" in page.content()
    assert "£14.25" in page.content() and "CW1" in page.content()


def send_advert(page: Page, settings: Settings) -> None:
    backdate_drafts(settings)  # the minimum fill time, without waiting for it
    click_and_wait(page, page.get_by_role("button", name="Send advert"))
    page.wait_for_url("**/jobs/post/check-your-email")


def test_post_confirm_manage_publish_and_see_the_advert(live, page: Page) -> None:
    server, settings, inbox = live
    engine = make_engine(settings.database_url)
    fill_advert(page, server.url, check=True)
    send_advert(page, settings)
    assert_accessible(page, "jobs-post-check-your-email")
    with engine.connect() as conn:
        [advert] = store.for_email(conn, "employer@example.org")
    assert advert["status"] == "unconfirmed"

    page.goto(server.url + link(inbox, 0, "/jobs/post/confirm/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Email address confirmed"
    assert_accessible(page, "jobs-post-confirmed")
    page.goto(server.url + "/jobs/post/confirm/not-a-real-token")
    assert_accessible(page, "jobs-post-link-problem")

    manage = link(inbox, 0, "/jobs/manage/")
    page.goto(server.url + manage)
    assert "Waiting for our team to check it" in page.content()
    assert_accessible(page, "jobs-manage")
    page.goto(server.url + manage + "/delete")
    assert_accessible(page, "jobs-manage-delete")

    add_staff(settings, "checker@example.org")
    page.goto(server.url + "/staff/sign-in")
    page.fill("#email", "checker@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))
    page.goto(server.url + "/staff/jobs")
    assert_accessible(page, "jobs-staff-queue")
    click_and_wait(page, page.get_by_role("link", name=re.compile("loves gardening")))
    assert_accessible(page, "jobs-staff-advert")
    click_and_wait(page, page.get_by_role("button", name="Send it back"))  # no reason: errors
    assert page.title().startswith("Error: ")
    assert_accessible(page, "jobs-staff-advert-errors")
    click_and_wait(page, page.get_by_role("button", name="Publish the advert"))
    page.wait_for_url("**/staff/jobs?done=published")
    assert_accessible(page, "jobs-staff-published")

    shown = page.goto(f"{server.url}/jobs/{advert['ref']}")
    assert shown is not None and shown.status == 200
    assert "loves gardening" in page.content()
    assert "employer@example.org" not in page.content()


def test_post_a_job_without_javascript(live, nojs_page: Page) -> None:
    server, settings, inbox = live
    fill_advert(nojs_page, server.url, check=False)
    send_advert(nojs_page, settings)
    nojs_page.goto(server.url + link(inbox, 0, "/jobs/post/confirm/"))
    assert "Email address confirmed" in nojs_page.content()
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        [advert] = store.for_email(conn, "employer@example.org")
    assert advert["status"] == "pending" and advert["pay_pence"] == 1425
    assert advert["availability"] == ["mon-am", "sat-pm"] and advert["postcode"] == "CW1"
    assert advert["gender_requirement"] == "woman" and advert["dbs"] == "enhanced"
    # The employer closes it early from the emailed link.
    nojs_page.goto(server.url + link(inbox, 0, "/jobs/manage/"))
    click_and_wait(nojs_page, nojs_page.get_by_role("button", name="Close the advert now"))
    assert "Your advert is closed" in nojs_page.content()
