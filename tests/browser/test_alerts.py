"""Alerts in Chromium (issue 13, points 3 and 4): a PA signs up for job alerts (an error first),
confirms from the email, gets a digest and unsubscribes from its link; an employer saves a
/find-a-pa search from its link, confirms and unsubscribes. axe (WCAG 2.2 AA) on every page at
1280 and 320 px; and the whole job-alert journey again with JavaScript off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pafinder.alerts import routes
from pafinder.alerts.digest import send_alerts
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from tests.alerts.helpers import rows
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait
from tests.conftest import REAL_CONTENT, body_text, make_settings, prepare
from tests.jobs.factory import add_job

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Settings]]:
    # A browser fills the form faster than a person: the fill time is tests/alerts' business.
    monkeypatch.setattr(routes, "MIN_FILL_SECONDS", 0.0)
    settings = make_settings(tmp_path, REAL_CONTENT)  # no SMTP: emails land as .eml files
    prepare(settings)
    with LiveServer(settings) as server:
        yield server, settings


def link(settings: Settings, pattern: str) -> str:
    """The path of the newest emailed link matching ``pattern`` (a regex of the path)."""
    found = []
    for eml in sorted(settings.outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        text = body_text(message_from_bytes(eml.read_bytes()))
        found += re.findall(rf"https?://[^\s/]+({pattern}\S+)", text)
    assert found, pattern
    return found[-1]


def digest(settings: Settings) -> None:
    """A new advert in Crewe, then the daily run."""
    engine = make_engine(settings.database_url)
    for row in rows(settings, "jobs"):
        assert row["confirmed_at"] is not None
    from sqlalchemy import update

    from pafinder.alerts.tables import job_alerts

    with engine.begin() as conn:
        conn.execute(update(job_alerts).values(watermark=utcnow() - timedelta(hours=1)))
    add_job(
        engine, areas=["crewe"], tasks=["shopping"], published_at=utcnow() - timedelta(minutes=5)
    )
    send_alerts(engine, settings, load_content(settings.content_dir))


def test_job_alert_sign_up_confirm_digest_and_unsubscribe(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    page.goto(f"{server.url}/jobs/alerts?area=crewe&task=shopping")
    assert page.locator("h1").inner_text() == "Get emails about new jobs"
    assert page.locator("#area").is_checked() or page.get_by_label("Crewe").is_checked()
    assert_accessible(page, "alerts-jobs-form")
    page.get_by_label("Crewe").uncheck()
    page.fill("#email", "pat@example.org")
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    assert "Choose at least one area" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    assert page.locator("#email").input_value() == "pat@example.org"
    assert_accessible(page, "alerts-jobs-form-error")
    page.get_by_label("Crewe").check()
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    assert page.url.endswith("/jobs/alerts/check-your-email")
    assert_accessible(page, "alerts-check-your-email")

    page.goto(server.url + link(settings, "/jobs/alerts/confirm/"))
    assert page.locator("h1").inner_text() == "Your job alert is set up"
    assert_accessible(page, "alerts-jobs-confirmed")

    digest(settings)
    page.goto(server.url + link(settings, "/jobs/alerts/unsubscribe/"))
    assert page.locator("h1").inner_text() == "Stop these emails"
    assert_accessible(page, "alerts-unsubscribe")
    click_and_wait(page, page.get_by_role("button", name="Stop emails"))
    assert page.locator("h1").inner_text() == "You will get no more of these emails"
    assert_accessible(page, "alerts-unsubscribed")
    assert rows(settings, "jobs") == []

    page.goto(f"{server.url}/jobs/alerts/confirm/not-a-real-link")
    assert page.locator("h1").inner_text() == "This link does not work"
    assert_accessible(page, "alerts-link-problem")


def test_saved_search_from_find_a_pa_confirm_and_unsubscribe(
    live: tuple[LiveServer, Settings], page: Page
) -> None:
    server, settings = live
    page.goto(f"{server.url}/find-a-pa?area=crewe&postcode=SK11+6AB&within=10")
    click_and_wait(page, page.get_by_role("link", name="Email me when new PAs match this search"))
    assert page.locator("h1").inner_text() == "Get emails about new PAs"
    assert "Within 10 miles" in page.locator("#search").inner_text()
    assert_accessible(page, "alerts-search-form")
    page.fill("#email", "not an email")
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    assert page.title().startswith("Error: ")
    assert "Areas covered: Crewe" in page.locator("#search").inner_text()  # the search is kept
    assert_accessible(page, "alerts-search-form-error")
    page.fill("#email", "employer@example.org")
    click_and_wait(page, page.get_by_role("button", name="Sign up"))
    assert page.url.endswith("/find-a-pa/alerts/check-your-email")

    page.goto(server.url + link(settings, "/find-a-pa/alerts/confirm/"))
    assert page.locator("h1").inner_text() == "Your saved search is set up"
    assert_accessible(page, "alerts-search-confirmed")
    [saved] = rows(settings, "pas")
    assert saved["confirmed_at"] is not None

    from pafinder.alerts import signing

    token = signing.token(settings, "unsubscribe", "pas", saved["id"])
    unsubscribe = f"/find-a-pa/alerts/unsubscribe/{token}"
    page.goto(server.url + unsubscribe)
    assert_accessible(page, "alerts-search-unsubscribe")
    click_and_wait(page, page.get_by_role("button", name="Stop emails"))
    assert page.locator("h1").inner_text() == "You will get no more of these emails"
    assert rows(settings, "pas") == []


def test_without_javascript(live: tuple[LiveServer, Settings], nojs_page: Page) -> None:
    server, settings = live
    page = nojs_page
    page.goto(f"{server.url}/jobs/alerts?area=crewe")
    page.fill("#email", "nojs@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign up").click()
    assert page.url.endswith("/jobs/alerts/check-your-email")
    page.goto(server.url + link(settings, "/jobs/alerts/confirm/"))
    assert page.locator("h1").inner_text() == "Your job alert is set up"
    digest(settings)
    page.goto(server.url + link(settings, "/jobs/alerts/unsubscribe/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Stop emails").click()
    assert page.locator("h1").inner_text() == "You will get no more of these emails"
    assert rows(settings, "jobs") == []
