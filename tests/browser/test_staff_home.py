"""The staff home page in Chromium, with its warning that email is stuck: axe (WCAG 2.2 AA)
at 1280 and 320 px."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import update

from pafinder import outbox
from pafinder.db import make_engine, utcnow
from pafinder.mail import build_message
from tests.browser.conftest import LiveServer, assert_accessible
from tests.conftest import STAFF_PASSWORD, add_staff, free_port, make_settings, prepare

pytestmark = pytest.mark.browser


def test_staff_home_with_stuck_email_is_accessible(tmp_path: Path, page: Page) -> None:
    settings = make_settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    prepare(settings)
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        for n in range(2):
            outbox.queue(conn, build_message(settings, f"p{n}@example.org", "Hi", "Hi"), "test")
        conn.execute(update(outbox.mail_outbox).values(created_at=utcnow() - timedelta(hours=1)))
    email = add_staff(settings, "admin@example.org", role="admin")
    with LiveServer(settings) as server:
        page.goto(server.url + "/staff/sign-in")
        page.fill("#email", email)
        page.fill("#password", STAFF_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/staff/")
        warning = page.locator(".govuk-warning-text").inner_text()
        assert "2 emails are waiting to be sent" in warning
        assert_accessible(page, "staff-home-email-stuck")
