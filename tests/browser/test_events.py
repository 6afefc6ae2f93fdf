"""Events in real Chromium with axe: staff create a repeating group, a person finds it with the
filters, books, gets the email with a calendar file (real SMTP), and cancels from the emailed
link; and /events works with JavaScript switched off."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from pafinder.db import make_engine
from pafinder.events import bookings
from pafinder.events.listing import next_month
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import STAFF_PASSWORD, Inbox, add_staff, body_text
from tests.events.conftest import add_event, events_settings, london_today

pytestmark = pytest.mark.browser


def test_staff_create_group_then_a_person_finds_books_and_cancels(
    page: Page, tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = events_settings(tmp_path, smtp_url=url)
    add_staff(settings, "events@example.org")
    first = london_today() + timedelta(days=6)
    with LiveServer(settings) as server:
        page.goto(server.url + "/staff/sign-in")
        page.fill("#email", "events@example.org")
        page.fill("#password", STAFF_PASSWORD)
        click_and_wait(page, page.get_by_role("button", name="Sign in"))
        page.goto(server.url + "/staff/events/new")
        page.get_by_role("button", name="Save and publish").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "events-staff-form-errors")

        page.fill("#title", "Normanton carers evening group")
        page.select_option("#kind", "support-group")
        page.select_option("#service", "carers")
        page.fill("#audience", "Carers in Derby")
        page.fill("#description", "Tea, cake and a chat with other carers.")
        page.fill("#start-date-day", str(first.day))
        page.fill("#start-date-month", str(first.month))
        page.fill("#start-date-year", str(first.year))
        page.fill("#start-time", "6pm")
        page.fill("#end-time", "7:30pm")
        page.get_by_label("Every week", exact=True).check()
        page.get_by_label("In person", exact=True).check()
        page.select_option("#area", "normanton")
        page.fill("#venue-name", "Normanton Community Hall")
        page.fill("#address", "12 Sample Lane\nDerby")
        page.fill("#postcode", "DE23 6ZZ")
        page.get_by_label("Step-free access").check()
        page.get_by_label("Hearing loop").check()
        page.get_by_label("Free", exact=True).check()
        page.get_by_label("Yes", exact=True).check()
        page.fill("#capacity", "6")
        page.get_by_role("button", name="Save and publish").click()
        expect(page.get_by_text("Saved and published.")).to_be_visible()
        assert_accessible(page, "events-staff-event")

        # A person finds it with the filters.
        page.goto(server.url + "/events")
        assert_accessible(page, "events-listing")
        page.select_option("#service", "carers")
        page.select_option("#kind", "support-group")
        page.select_option("#area", "normanton")
        page.select_option("#format", "in-person")
        page.get_by_role("button", name="Show events").click()
        assert "service=carers" in page.url
        results = page.locator(".app-event")
        expect(results.first).to_contain_text("Normanton carers evening group")
        expect(results.first).to_contain_text("6 places left")
        expect(results.first).to_contain_text("Step-free access, Hearing loop")
        assert_accessible(page, "events-filtered")

        results.first.get_by_role("link", name=re.compile("^Book a place")).click()
        expect(page.locator("h1")).to_contain_text("Book a place")
        assert_accessible(page, "events-book")
        page.fill("#name", "Siân O'Neill")
        page.fill("#email", "sian@example.com")
        page.fill("#access-needs", "A seat near the door")
        page.get_by_role("button", name="Book a place").click()
        expect(page.locator("h1")).to_have_text("Booking request received")
        expect(page.locator("main")).to_contain_text("sent the details to the email you gave")
        assert_accessible(page, "events-booked")

        [email] = inbox.wait_for(1)
        assert email["To"] == "sian@example.com"
        attachment = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
        vevent = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")[0]
        assert str(vevent["SUMMARY"]) == "Normanton carers evening group"
        assert vevent.decoded("DTSTART").date() == first
        assert vevent.decoded("DTSTART").hour == 18
        assert vevent["DTSTART"].params["TZID"] == "Europe/London"
        link = re.search(r"/events/bookings/\S+", body_text(email))
        assert link

        page.goto(server.url + link.group(0))
        expect(page.locator("h1")).to_have_text("You have a place")
        assert_accessible(page, "events-booking")
        page.goto(server.url + link.group(0) + "/cancel")
        assert_accessible(page, "events-cancel")
        page.get_by_role("button", name="Yes, cancel my place").click()
        expect(page.locator("h1")).to_have_text("Your booking is cancelled")
    people = [b for b in bookings.occurrence_bookings(make_engine(settings.database_url), 1, first)]
    assert [b.status for b in people] == ["cancelled"]


def test_events_without_javascript(nojs_page: Page, tmp_path: Path) -> None:
    settings = events_settings(tmp_path)
    soon = london_today() + timedelta(days=3)
    add_event(settings, start_date=soon, title="Carers coffee morning")
    add_event(
        settings,
        start_date=soon,
        title="Crewe direct payments workshop",
        service="direct-payment-support",
        kind="workshop",
        area="crewe",
        repeat="bimonthly",
    )
    with LiveServer(settings) as server:
        from pafinder.content import load_content
        from pafinder.events.publish import publish

        publish(make_engine(settings.database_url), settings, load_content(settings.content_dir))
        nojs_page.set_default_timeout(15000)
        nojs_page.goto(server.url + "/events")
        expect(nojs_page.locator("body")).to_contain_text("Carers coffee morning")
        # Months, date inputs and counts need no JavaScript either (issue 11, point 7).
        nojs_page.get_by_role("link", name=re.compile("^Next month")).click()
        expect(nojs_page.locator(".app-event-month")).to_have_text(
            f"{next_month(soon.replace(day=1)):%B %Y}"
        )
        nojs_page.get_by_role("link", name=re.compile("^Previous month")).click()
        expect(nojs_page.locator(".app-event-month")).to_have_text(f"{soon:%B %Y}")
        nojs_page.fill("#from-day", str(soon.day))
        nojs_page.fill("#from-month", str(soon.month))
        nojs_page.fill("#from-year", "20x6")
        nojs_page.get_by_role("button", name="Show events").click()
        expect(nojs_page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
        expect(nojs_page.locator("#from-year")).to_have_value("20x6")
        nojs_page.fill("#from-year", str(soon.year))
        nojs_page.get_by_role("button", name="Show events").click()
        expect(nojs_page.locator("#results")).to_contain_text("dates match")
        nojs_page.select_option("#service", "direct-payment-support")
        nojs_page.get_by_role("button", name="Show events").click()
        expect(nojs_page.locator(".app-event").first).to_contain_text(
            "Crewe direct payments workshop"
        )
        expect(nojs_page.locator("body")).not_to_contain_text("Carers coffee morning")
        # (axe needs JavaScript, so accessibility is checked in the journey above.)
        nojs_page.locator(".app-event").first.get_by_role(
            "link", name=re.compile("^Book a place")
        ).click()
        nojs_page.fill("#name", "Raj")
        nojs_page.fill("#phone", "07700 900123")
        nojs_page.get_by_role("button", name="Book a place").click()
        expect(nojs_page.locator("h1")).to_have_text("Booking request received")
        expect(nojs_page.locator("main")).to_contain_text("we will phone or text you")


def test_events_a_month_at_a_time_with_date_inputs_and_counts(page: Page, tmp_path: Path) -> None:
    """JavaScript on: the month pages, the GOV.UK date inputs (and their errors) and the
    counts beside each filter, with axe at 1280 and 320 px and no sideways scroll at 320."""
    settings = events_settings(tmp_path)
    soon = london_today() + timedelta(days=2)
    add_event(settings, start_date=soon, title="Carers coffee morning")
    add_event(
        settings,
        start_date=soon + timedelta(days=1),
        title="Crewe direct payments workshop with a long name to wrap at 320 pixels wide",
        service="direct-payment-support",
        kind="workshop",
        area="crewe",
        repeat="none",
    )
    with LiveServer(settings) as server:
        from pafinder.content import load_content
        from pafinder.events.publish import publish

        publish(make_engine(settings.database_url), settings, load_content(settings.content_dir))
        page.goto(server.url + "/events")
        expect(page.locator(".app-event-month")).to_have_text(f"{soon:%B %Y}")
        service = page.locator("#service option[value='direct-payment-support']")
        expect(service).to_have_text("Direct payment support service (1)")
        expect(page.locator("a[href$='/events/1.ics']").first).to_be_visible()
        assert_accessible(page, "events-month-first")
        click_and_wait(page, page.get_by_role("link", name=re.compile("^Next month")))
        expect(page.locator(".app-event-month")).to_have_text(
            f"{next_month(soon.replace(day=1)):%B %Y}"
        )
        assert_accessible(page, "events-month-next")

        page.fill("#from-day", "31")
        page.fill("#from-month", "2")
        page.fill("#from-year", str(soon.year + 1))
        click_and_wait(page, page.get_by_role("button", name="Show events"))
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
        expect(page.locator("#from-day")).to_have_value("31")
        assert_accessible(page, "events-date-error")
        page.fill("#from-day", str(soon.day))
        page.fill("#from-month", str(soon.month))
        page.fill("#from-year", str(soon.year))
        page.select_option("#service", "direct-payment-support")
        click_and_wait(page, page.get_by_role("button", name="Show events"))
        expect(page.locator("#results")).to_have_text("1 date matches")
        expect(page.locator(".app-event")).to_have_count(1)
        assert_accessible(page, "events-one-match")
