"""An employer finds a PA and contacts them, in real Chromium: filters, profile, contact form
with errors, confirmation; the PA's email arrives at a real SMTP server; axe finds nothing on
any page; and the search works with JavaScript switched off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pafinder.content import load_content
from pafinder.register.commands import import_file
from tests.browser.conftest import LiveServer, assert_accessible
from tests.conftest import REAL_CONTENT, Inbox, body_text, make_settings, prepare
from tests.register import pa_rows

pytestmark = pytest.mark.browser
ROWS = pa_rows.make_rows(load_content(REAL_CONTENT), 60, seed=17)


def test_employer_finds_and_contacts_a_pa(
    tmp_path: Path, smtp: tuple[str, Inbox], page: Page, nojs_page: Page
) -> None:
    url, inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", ROWS))
    published = [r for r in ROWS if r["status"] == "published"]

    with LiveServer(settings) as server:
        page.goto(server.url + "/find-a-pa")
        status = page.get_by_role("status")
        expect(status).to_have_text(f"{len(published)} personal assistants found")
        assert_accessible(page, "find-a-pa-results")

        # Filter by an area and a task, with the counts beside the options.
        page.get_by_text("Areas covered", exact=True).first.click()
        crewe = sum("crewe" in pa_rows.split(r["areas"]) for r in published)
        page.get_by_label(f"Crewe ({crewe})").check()
        page.get_by_role("button", name="Apply filters").click()
        expect(status).to_have_text(re.compile(rf"^{crewe} personal assistants? found$"))
        assert "area=crewe" in page.url

        # An empty result says which filter to relax, and the suggestion works.
        page.goto(
            server.url + "/find-a-pa?area=crewe&language=tigrinya&language=welsh&task=pet-care"
        )
        expect(status).to_have_text("0 personal assistants found")
        assert_accessible(page, "find-a-pa-empty")
        page.locator(".app-pa-suggestions a").first.click()
        expect(status).not_to_have_text("0 personal assistants found")

        # Open a profile.
        page.goto(server.url + "/find-a-pa?area=crewe")
        first = page.locator(".app-pa-result__name a").first
        name = first.inner_text()
        first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(page.locator("#dbs-status")).to_contain_text(
            re.compile("Checked by staff|Declared by the PA, not yet checked|has not told us")
        )
        assert_accessible(page, "pa-profile")
        row = next(
            r
            for r in published
            if f"{r['first_name']} {r['last_name'][0]}." == name and r["about"] in page.content()
        )
        assert row["email"] not in page.content() and row["phone"] not in page.content()

        # Contact them: first with mistakes, then properly.
        page.get_by_role("button", name=f"Contact {name}").click()
        page.get_by_role("button", name="Send message").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert page.title().startswith("Error: ")
        assert_accessible(page, "pa-contact-errors")
        page.get_by_label("Your name").fill("Sam Employer")
        page.get_by_label("Your email address").fill("sam@example.com")
        page.get_by_label("Your message").fill("Could you help on Tuesday mornings in Crewe?")
        page.get_by_role("button", name="Send message").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Message sent")
        assert_accessible(page, "pa-contact-sent")
        (message,) = inbox.wait_for(1)
        assert row["email"] in str(message["To"])
        assert "Could you help on Tuesday mornings in Crewe?" in body_text(message)
        assert "sam@example.com" in body_text(message)

        # Without JavaScript: the filters are a plain GET form.
        nojs_page.goto(server.url + "/find-a-pa")
        nojs_page.get_by_text("DBS check, driving and smoking", exact=True).click()
        nojs_page.get_by_label("Has a driving licence").check()
        nojs_page.get_by_role("button", name="Apply filters").click()
        drivers = sum(r["driving"] == "yes" for r in published)
        expect(nojs_page.get_by_role("status")).to_have_text(
            re.compile(rf"^{drivers} personal assistants? found$")
        )
        assert "driving=yes" in nojs_page.url
