"""The PA register for staff in Chromium (issue 9, point 7): find a listing by name in the
register, open its record, add a note, try to take it down without a reason, then with one;
the list and the record (with its error, notes and history) checked with axe (WCAG 2.2 AA) at
1280 and 320 px, with no sideways scrolling at 320 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.db import make_engine
from pafinder.register import lifecycle_store
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import STAFF_PASSWORD, add_staff, prepare
from tests.register.lifecycle_helpers import pa_settings, pending_listing, published_listing

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    settings = pa_settings(tmp_path)
    prepare(settings)  # site/ built, as the live server's health check needs
    add_staff(settings, "registrar@example.org")
    with LiveServer(settings) as server:
        yield server, settings


def test_find_note_and_take_down_a_listing(live: tuple[LiveServer, Settings], page: Page) -> None:
    server, settings = live
    ref = published_listing(
        settings, "a.very.long.email.address.for.a.narrow.screen@example.org", first_name="Zoë"
    )
    pending_listing(settings, "other@example.org", first_name="Olu")
    page.goto(server.url + "/staff/sign-in")
    page.fill("#email", "registrar@example.org")
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))

    click_and_wait(page, page.get_by_role("link", name="PA register"))
    assert page.get_by_role("heading", level=1).inner_text() == "PA register"
    assert "2 listings match" in page.content()
    assert_accessible(page, "register-admin-list")
    page.fill("#q", "zoë")
    page.select_option("#state", "published")
    click_and_wait(page, page.get_by_role("button", name="Show listings"))
    assert "1 listing matches" in page.content()
    assert_accessible(page, "register-admin-list-filtered")

    click_and_wait(page, page.get_by_role("link", name=re.compile(ref)))
    assert_accessible(page, "register-admin-record")
    page.fill("#note", "Rang Zoë: <b>happy</b> to be contacted by email.")
    click_and_wait(page, page.get_by_role("button", name="Add note"))
    assert "Note added." in page.content()
    assert "<b>happy</b>" in page.get_by_role("list", name="Notes").inner_text()

    click_and_wait(page, page.get_by_role("button", name="Take down and email the PA"))
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "register-admin-record-error")
    page.fill("#take_down_reason", "A family reported that the listing is not yours.")
    click_and_wait(page, page.get_by_role("button", name="Take down and email the PA"))
    assert "Listing taken down. The PA has been emailed the reason." in page.content()
    history = page.get_by_role("list", name="History").inner_text()
    assert "Taken down" in history and "By registrar@example.org" in history
    assert_accessible(page, "register-admin-record-taken-down")

    taken = lifecycle_store.get(make_engine(settings.database_url), ref)
    assert taken is not None and taken["status"] == "taken_down"
    profile = page.goto(f"{server.url}/find-a-pa/{ref}")
    assert profile is not None and profile.status == 404
