"""A PA registers through every page in Chromium, confirms by the emailed link, a staff member
approves with a DBS check, and the PA manages the listing; axe (WCAG 2.2 AA) on every page,
error pages included. The journey also runs once with JavaScript switched off."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import make_engine
from pafinder.register import lifecycle_mail, lifecycle_store
from pafinder.register.index import rebuild_pa_index
from pafinder.register.journey_routes import MIN_FILL_SECONDS
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

pytestmark = pytest.mark.browser
LAST_YEAR = str(date.today().year - 1)


@pytest.fixture
def live(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[LiveServer, Settings, Inbox]]:
    url, inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    rebuild_pa_index(make_engine(settings.database_url), settings)
    with LiveServer(settings) as server:
        yield server, settings, inbox


def link(inbox: Inbox, index: int, prefix: str) -> str:
    message = inbox.wait_for(index + 1)[index]
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def cont(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def fill_registration(page: Page, base: str, check: bool) -> float:
    """Every question page; with ``check``, axe on each page and on a page with errors.

    Returns the monotonic time by which the server had started the draft (its fill-time clock)."""
    page.goto(base + "/become-a-pa/register")
    if check:
        assert_accessible(page, "register-start")
    page.get_by_role("button", name="Start now").click()

    page.wait_for_url("**/about-you")
    draft_started = time.monotonic()
    if check:
        assert_accessible(page, "register-about-you")
        click_and_wait(page, page.get_by_role("button", name="Save and continue"))  # errors
        assert page.title().startswith("Error: ")
        assert_accessible(page, "register-about-you-errors")
    page.fill("#first_name", "Zoë")
    page.fill("#last_name", "O'Neil-Ó Súilleabháin")
    page.fill("#email", "zoe@example.org")
    page.fill("#phone", "07700 900982")
    page.fill("#postcode", "cw1 2ab")
    cont(page)

    page.wait_for_url("**/where-and-who")
    if check:
        assert_accessible(page, "register-where-and-who")
    page.get_by_label("Crewe").check()
    page.get_by_label("Nantwich").check()
    page.get_by_label("Learning disability").check()
    page.get_by_label("Adults (18 to 64)").check()
    cont(page)

    page.wait_for_url("**/what-you-can-do")
    if check:
        assert_accessible(page, "register-what-you-can-do")
    page.get_by_label("Shopping").check()
    page.get_by_label("Going out and social activities").check()
    page.fill("#experience_years", "6")
    page.fill("#experience", "Six years supporting young adults with learning disabilities.")
    page.get_by_label("English").check()
    page.get_by_label("British Sign Language (BSL)").check()
    other_language = page.get_by_label("Which other language do you speak or sign?")
    if check:  # with JavaScript the box opens when its choice is ticked (GOV.UK's reveal)
        assert not other_language.is_visible()
    page.get_by_label("Another language").check()
    other_language.fill("Tigrinya")
    if check:
        assert_accessible(page, "register-what-you-can-do-other-open")
    page.get_by_label("Female").check()
    cont(page)

    page.wait_for_url("**/qualifications")
    if check:
        assert_accessible(page, "register-qualifications")
    page.get_by_label("Emergency first aid").check()
    page.fill("#q-emergency-first-aid-date-month", "4")
    page.fill("#q-emergency-first-aid-date-year", LAST_YEAR)
    page.fill("#q-emergency-first-aid-expires-month", "4")
    page.fill("#q-emergency-first-aid-expires-year", str(int(LAST_YEAR) + 3))
    page.get_by_label("Another qualification or training").check()
    page.get_by_label("What is the other qualification or training called?").fill("Makaton level 1")
    if check:
        assert_accessible(page, "register-qualifications-other-open")
    cont(page)

    page.wait_for_url("**/availability")
    if check:
        assert_accessible(page, "register-availability")
    page.check("#availability")  # Monday morning
    page.check("#availability-sat-eve")
    page.fill("#hours_wanted", "16")
    page.get_by_label("Emergency cover at short notice").check()
    cont(page)

    page.wait_for_url("**/dbs-and-driving")
    if check:
        assert_accessible(page, "register-dbs-and-driving")
    page.get_by_label("Enhanced with a check of the adults' barred list").check()
    page.fill("#dbs_certificate_date-day", "9")
    page.fill("#dbs_certificate_date-month", "9")
    page.fill("#dbs_certificate_date-year", LAST_YEAR)
    page.check("#dbs_update_service")
    page.check("#driving")
    page.check("#own_car")
    page.check("#smoker-no")
    cont(page)

    page.wait_for_url("**/about-me")
    if check:
        assert_accessible(page, "register-about-me")
    page.fill("#about", "Calm, reliable and fond of board games and long walks.")
    cont(page)

    page.wait_for_url("**/check-answers")
    if check:
        assert_accessible(page, "register-check-answers")
    assert "Zoë O'Neil-Ó Súilleabháin" in page.content()
    return draft_started


def send_registration(page: Page, started: float) -> None:
    # The minimum fill time is real: a person never beats it, a script in a hurry would. The
    # server's clock starts at "Start now", so wait from then, not from the first page load
    # (a slow cold start once ate into the wait and the send was refused).
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - started)))
    page.get_by_role("button", name="Send registration").click()
    page.wait_for_url("**/check-your-email")


def test_register_verify_approve_and_manage(live, page: Page) -> None:
    server, settings, inbox = live
    engine = make_engine(settings.database_url)
    started = fill_registration(page, server.url, check=True)
    send_registration(page, started)
    assert_accessible(page, "register-check-your-email")
    [listing] = lifecycle_store.for_email(engine, "zoe@example.org")
    assert listing["status"] == "unverified"

    page.goto(server.url + link(inbox, 0, "/become-a-pa/verify/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Email address confirmed"
    assert_accessible(page, "register-verified")
    page.goto(server.url + "/become-a-pa/verify/not-a-real-token")
    assert_accessible(page, "register-link-problem")

    # Staff sign in and approve with a DBS check.
    add_staff(settings, "checker@example.org")
    page.goto(server.url + "/staff/sign-in")
    page.fill("#email", "checker@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))
    page.goto(server.url + "/staff/pas")
    assert_accessible(page, "moderation-queue")
    click_and_wait(page, page.get_by_role("link", name=re.compile(listing["ref"])).first)
    assert_accessible(page, "moderation-record")
    click_and_wait(page, page.get_by_role("button", name="Approve and publish"))
    assert page.title().startswith("Error: ")
    assert_accessible(page, "moderation-record-errors")
    page.get_by_label("Enhanced with a check of the adults' barred list").check()
    page.get_by_label("I checked it on the DBS Update Service").check()
    today = date.today()
    page.fill("#checked_on-day", str(today.day))
    page.fill("#checked_on-month", str(today.month))
    page.fill("#checked_on-year", str(today.year))
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url("**/staff/pas?done=approved*")
    assert_accessible(page, "moderation-approved")

    # The typed language waits for staff: approved, it shows on the profile.
    click_and_wait(page, page.get_by_role("link", name=re.compile(listing["ref"])).first)
    assert "Tigrinya" in page.content() and "Makaton level 1" in page.content()
    language_form = page.locator("form[action$='/other-answers/language']")
    click_and_wait(page, language_form.get_by_role("button", name="Approve"))
    assert_accessible(page, "moderation-other-approved")

    published = lifecycle_store.get(engine, listing["ref"])
    assert published is not None and published["status"] == "published"
    assert published["dbs_checked"] and published["dbs_check_method"] == "update_service"
    assert lifecycle_store.searchable(published)
    profile = page.goto(f"{server.url}/find-a-pa/{listing['ref']}")
    assert profile is not None and profile.status == 200
    assert "Zoë" in page.content() and "07700" not in page.content()
    assert "Also speaks: Tigrinya" in page.content()
    assert "Makaton level 1" not in page.content(), "a typed answer shows before approval"

    # The PA manages the listing from a fresh emailed link.
    page.goto(server.url + "/become-a-pa/manage")
    assert_accessible(page, "manage-request")
    page.fill("#email", "zoe@example.org")
    click_and_wait(page, page.get_by_role("button", name="Email me a link"))
    assert_accessible(page, "manage-sent")
    manage_index = len(inbox.wait_for(3)) - 1  # verification, published, manage link
    page.goto(server.url + link(inbox, manage_index, "/become-a-pa/manage/"))
    page.wait_for_url("**/become-a-pa/manage/listing")
    assert_accessible(page, "manage-listing")
    click_and_wait(page, page.get_by_role("link", name="Change about you"))
    assert_accessible(page, "manage-edit-about-me")
    page.fill("#about", "")
    click_and_wait(page, page.get_by_role("button", name="Save changes"))
    assert_accessible(page, "manage-edit-errors")
    page.fill("#about", "Calm, reliable, and now learning Makaton.")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/listing?saved=yes")
    page.get_by_role("button", name="Pause: I am not taking new work").click()
    page.wait_for_url("**/listing?saved=pause")
    assert_accessible(page, "manage-paused")
    paused = lifecycle_store.get(engine, listing["ref"])
    assert paused is not None and paused["paused"] and not lifecycle_store.searchable(paused)
    page.goto(server.url + "/become-a-pa/manage/withdraw")
    assert_accessible(page, "manage-withdraw")

    token = lifecycle_mail.make_token(settings, lifecycle_mail.STILL_AVAILABLE, listing["ref"])
    page.goto(f"{server.url}/become-a-pa/still-available/{token}")
    assert_accessible(page, "still-available")

    page.goto(server.url + "/become-a-pa/manage/delete")
    assert_accessible(page, "manage-delete")
    page.get_by_role("button", name="Delete my listing and data").click()
    page.wait_for_url("**/manage/deleted")
    assert_accessible(page, "manage-deleted")
    assert lifecycle_store.get(engine, listing["ref"]) is None


def test_register_without_javascript(live, nojs_page: Page) -> None:
    server, settings, inbox = live
    started = fill_registration(nojs_page, server.url, check=False)
    send_registration(nojs_page, started)
    nojs_page.goto(server.url + link(inbox, 0, "/become-a-pa/verify/"))
    assert "Email address confirmed" in nojs_page.content()
    engine = make_engine(settings.database_url)
    [listing] = lifecycle_store.for_email(engine, "zoe@example.org")
    assert listing["status"] == "pending"
    assert listing["qualifications"][0]["expires"] == f"{int(LAST_YEAR) + 3}-04-01"
    assert listing["availability"] == ["mon-am", "sat-eve"]
    assert listing["languages"] == ["english", "british-sign-language"]
    assert listing["dbs_certificate_date"] == date(int(LAST_YEAR), 9, 9)
    assert listing["created_at"].date() >= date.today() - timedelta(days=1)
