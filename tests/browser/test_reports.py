"""The returns pages in Chromium (issue 10, point 4): the list of services and a carers return
with figures in most parts (referrals, a refusal, the waiting list, an event with attendance,
feedback), at 1280 and 320 px with axe (WCAG 2.2 AA) and nothing wider than the
screen; the error state with its summary focused and linked to the field; the quarter and month
links; both downloads; and the period form with JavaScript switched off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from pafinder.db import make_engine, utcnow
from pafinder.events import bookings
from pafinder.events.models import BookingInput
from pafinder.events.recurrence import occurrence
from pafinder.events.store import get_event
from pafinder.periods import period_name, quarter
from pafinder.referrals import store as referral_store
from pafinder.referrals.casework import referral_changes
from pafinder.settings import Settings
from pafinder.workdays import london_date
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, add_staff, make_settings, prepare
from tests.events.conftest import add_event
from tests.feedback.helpers import add_responses
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"


def _today() -> date:
    return london_date(utcnow())


def _set(settings: Settings, ref: str, **values: Any) -> int:
    """Change a stored referral as case work would have; its id."""
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        table = referral_store.referrals
        conn.execute(table.update().where(table.c.ref == ref).values(**values))
        return int(conn.execute(select(table.c.id).where(table.c.ref == ref)).scalar_one())


def _status_change(settings: Settings, referral_id: int, to: str, reason: str) -> None:
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(
            referral_changes.insert().values(
                referral_id=referral_id,
                at=utcnow(),
                what="status",
                from_value="received",
                to_value=to,
                reason=reason,
            )
        )


def _add_data(settings: Settings) -> None:
    """Enough for every part of the return to hold a figure, some of them 5 or more."""
    now = utcnow()
    for n in range(6):
        ref = make_referral(settings, slug="carers", eq_gender="woman", eq_age_band="45_54")
        if n < 3:
            _set(settings, ref, first_contact_at=now)
    for route in ("professional", "family_or_carer"):
        make_referral(settings, slug="carers", route=route)
    outside = make_referral(settings, slug="carers", postcode="S1 2AB")
    refused_id = _set(settings, outside, status="refused", refusal_reason="not_eligible")
    _status_change(settings, refused_id, "refused", "not_eligible")
    waiting = make_referral(settings, slug="carers", postcode="DE22 1AA")
    waiting_id = _set(settings, waiting, status="waiting", delay_reason="no_care_available")
    _status_change(settings, waiting_id, "waiting", "no_care_available")

    # A weekly group from the start of this quarter, six people marked at its first date.
    first = quarter(_today())[0]
    event_id = add_event(settings, start_date=first, capacity=20, service="carers")
    engine = make_engine(settings.database_url)
    event = get_event(engine, event_id)
    assert event is not None
    occ = occurrence(event, event.local_start.date())
    assert occ is not None
    marks = {}
    for n in range(6):
        person = BookingInput.model_validate(
            {
                "date": occ.original_date.isoformat(),
                "name": f"Carer {n}",
                "email": f"carer{n}@example.org",
            }
        )
        booked = bookings.book(engine, occ, person)
        assert booked.booking is not None
        marks[booked.booking.id] = "attended" if n < 5 else "did-not-attend"
    bookings.set_attendance(engine, event_id, occ.original_date, marks, "test")

    add_responses(settings, "carers", _today(), {"less-alone": "agree"}, n=6)
    add_responses(settings, "carers", _today(), {"less-alone": "disagree"}, n=2)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Settings]]:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    add_staff(settings, ADMIN, role="admin")
    _add_data(settings)
    with LiveServer(settings) as server:
        yield server, settings


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/staff/sign-in")
    page.fill("#email", ADMIN)
    page.fill("#password", STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_url("**/staff/")


def _fits_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at 320px"
    page.set_viewport_size({"width": 1280, "height": 900})


def _period(page: Page) -> str:
    return page.locator("#period strong").inner_text()


def test_the_returns_pages_are_accessible_and_the_links_change_the_period(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, _ = live
    _sign_in(page, server.url)
    click_and_wait(page, page.get_by_role("link", name="Returns", exact=True))
    assert page.locator("h1").all_inner_texts() == ["Returns"]
    assert_accessible(page, "reports-index")
    _fits_320(page)

    click_and_wait(page, page.get_by_role("link", name="Carers support service"))
    assert page.locator("h1").all_inner_texts() == ["Return for the Carers support service"]
    start, end = quarter(_today())
    assert _period(page) == period_name(start, end)
    main = page.locator("main").inner_text()
    assert "fewer than 5" in main
    # Five came to the group: a figure of 5 or more shows; the one who did not, does not.
    events = page.locator("#events tbody tr")
    came = events.filter(has=page.get_by_role("rowheader", name="Attendances", exact=True))
    assert came.locator("td").first.inner_text() == "5"
    missed = events.filter(has=page.get_by_role("rowheader", name="Booked but did not come"))
    assert missed.locator("td").first.inner_text() == "fewer than 5"
    assert page.locator("table").count() > 5
    assert page.locator("svg").count() >= 1
    assert_accessible(page, "reports-carers")
    _fits_320(page)

    # A quarter link and a month link each change the period the page is for.
    before = quarter(start - timedelta(days=1))
    click_and_wait(page, page.get_by_role("link", name=period_name(*before), exact=True))
    assert _period(page) == period_name(*before)
    assert f"from={before[0].isoformat()}" in page.url
    month = _today().replace(day=1)
    click_and_wait(page, page.get_by_role("link", name=f"{month:%B %Y}", exact=True))
    assert _period(page) == f"{month:%B %Y}"
    assert page.locator("h1").count() == 1
    assert_accessible(page, "reports-carers-month")


def test_the_error_state_is_focused_linked_and_accessible(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, _ = live
    _sign_in(page, server.url)
    page.goto(f"{server.url}/staff/reports/carers")
    page.fill("#from", "2026-12-31")
    page.fill("#to", "2026-10-01")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Show the return").click()
    response = navigation.value
    assert response is not None and response.status == 400
    summary = page.locator(".govuk-error-summary")
    assert "Date to must be the same as or after date from" in summary.inner_text()
    assert page.title().startswith("Error: ")
    # GOV.UK Frontend moves focus to the summary, so a screen reader hears it first.
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('.govuk-error-summary')"
    )
    # What was typed stays in the boxes, with the message by the field.
    assert page.locator("#from").input_value() == "2026-12-31"
    assert page.locator("#to").input_value() == "2026-10-01"
    assert page.locator("#to-error").count() == 1
    link = summary.get_by_role("link", name="Date to must be the same as or after date from")
    assert link.get_attribute("href") == "#to"
    link.click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'to'")
    assert page.locator("h1").count() == 1
    assert_accessible(page, "reports-carers-error")
    _fits_320(page)


def test_the_downloads_are_files(live: tuple[LiveServer, Settings], page: Page) -> None:
    server, _ = live
    _sign_in(page, server.url)
    start, end = quarter(_today())
    page.goto(f"{server.url}/staff/reports/carers?from={start}&to={end}")
    name = f"return-carers-{start.isoformat()}-to-{end.isoformat()}"
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV, every table one after another").click()
    assert csv_download.value.suggested_filename == f"{name}.csv"
    text = Path(csv_download.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeffReturn for the Carers support service")
    assert period_name(start, end) in text and "fewer than 5" in text
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Spreadsheet (XLSX), one sheet per table").click()
    assert xlsx_download.value.suggested_filename == f"{name}.xlsx"
    assert Path(xlsx_download.value.path()).read_bytes()[:2] == b"PK"  # a zip, as XLSX is


def test_the_period_form_works_without_javascript(
    live: tuple[LiveServer, Settings], nojs_page: Page
) -> None:
    server, _ = live
    page = nojs_page
    _sign_in(page, server.url)
    page.goto(f"{server.url}/staff/reports/carers")
    start, end = quarter(_today())
    earlier = quarter(start - timedelta(days=1))[0]
    page.fill("#from", earlier.isoformat())
    page.fill("#to", end.isoformat())
    click_and_wait(page, page.get_by_role("button", name="Show the return"))
    assert f"from={earlier.isoformat()}" in page.url
    assert _period(page) == period_name(earlier, end)
    page.fill("#from", "2026-02-30")
    click_and_wait(page, page.get_by_role("button", name="Show the return"))
    assert "Date from must be a real date" in page.locator(".govuk-error-summary").inner_text()
    _fits_320(page)
