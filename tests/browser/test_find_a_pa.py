"""An employer finds a PA and contacts them, in real Chromium: filters, profile, contact form
with errors, confirmation; the PA's email arrives at a real SMTP server; axe finds nothing on
any page; and the search works with JavaScript switched off. On a 320 px phone (issue 11): the
results come first, the filters open from a "Filter results" toggle with and without
JavaScript, the availability grid and the profile's table fit, tags remove one filter each, and
the profile's breadcrumb goes back to the same search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.register import index
from pafinder.register.commands import import_file
from tests.browser.conftest import LiveServer, assert_accessible, axe_violations, describe
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


def _phone_portal(tmp_path: Path) -> tuple[object, list[dict[str, str]]]:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", ROWS))
    # What the import has no columns for: every third PA has their own car.
    with make_engine(settings.database_url).begin() as conn:
        for i, row in enumerate(ROWS):
            conn.execute(
                text("UPDATE pas SET own_car = :car, hours_wanted = :h WHERE email = :e"),
                {"car": i % 3 == 0, "h": 20 if i % 2 else None, "e": row["email"]},
            )
    index.bump_version(settings)
    return settings, [r for r in ROWS if r["status"] == "published"]


def _fits(page: Page, what: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at 320px"


def test_find_a_pa_on_a_phone(tmp_path: Path, page: Page, browser: Browser) -> None:
    settings, published = _phone_portal(tmp_path)
    crewe = [r for r in published if "crewe" in pa_rows.split(r["areas"])]
    with LiveServer(settings) as server:
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(server.url + "/find-a-pa")
        box = page.locator(".app-pa-result").first.bounding_box()
        assert box and box["y"] < 640, box  # was 1,750 px down
        page.goto(server.url + "/find-a-pa?area=crewe&driving=yes")
        status = page.get_by_role("status")
        drivers = [r for r in crewe if r["driving"] == "yes"]
        expect(status).to_have_text(re.compile(rf"^{len(drivers)} personal assistants? found$"))

        # Results first: the filter form is closed behind the toggle, the first result is on
        # the first screen, below the toggle, and no filter control is drawn above it.
        toggle = page.locator("#filters > summary")
        expect(toggle).to_have_text(re.compile(r"Filter results \(2 selected\)"))
        form = page.locator(".app-pa-filters")
        expect(form).to_be_hidden()
        first = page.locator(".app-pa-result").first
        result_box, toggle_box = first.bounding_box(), toggle.bounding_box()
        assert result_box and toggle_box
        assert toggle_box["y"] < result_box["y"] < 640, result_box
        assert page.locator(".app-filter-tag").count() == 2
        _fits(page, "find-a-pa (closed)")

        # Open the filters: the sections with a choice are open, the others closed.
        toggle.click()
        expect(form).to_be_visible()
        form_box = form.bounding_box()
        assert form_box and form_box["y"] < page.locator(".app-pa-result").first.bounding_box()["y"]
        areas = page.locator("details.app-pa-filters__group", has_text="Areas covered")
        expect(areas).to_have_attribute("open", "")
        languages = page.locator("details.app-pa-filters__group", has_text="Languages")
        assert languages.get_attribute("open") is None
        # The availability grid: a proper table, within 320 px.
        page.locator("summary", has_text="Available").click()
        grid = page.locator(".app-availability-grid")
        expect(grid.locator("th[scope=col]")).to_have_count(5)
        expect(grid.locator("th[scope=row]")).to_have_count(7)
        grid_box = grid.bounding_box()
        assert grid_box and grid_box["x"] + grid_box["width"] <= 320
        _fits(page, "find-a-pa (open)")
        violations = axe_violations(page)
        assert not violations, describe(violations)
        tuesday = sum(
            "crewe" in pa_rows.split(r["areas"])
            and r["driving"] == "yes"
            and "tue-eve" in pa_rows.split(r["availability"])
            for r in published
        )
        page.get_by_label(re.compile(r"^Tuesday evening \(")).check()
        page.get_by_role("button", name="Apply filters").click()
        expect(status).to_have_text(re.compile(rf"^{tuesday} personal assistants? found$"))
        assert "availability=tue-eve" in page.url
        # After Apply the toggle is closed again; the tags say what is chosen.
        expect(form).to_be_hidden()
        expect(page.locator(".app-filter-tag")).to_have_count(3)

        # A tag removes just its filter.
        page.locator(".app-filter-tag", has_text="Has a driving licence").click()
        expect(page.locator(".app-filter-tag")).to_have_count(2)
        assert "driving=yes" not in page.url and "availability=tue-eve" in page.url
        assert "area=crewe" in page.url
        search_url = page.url
        assert_accessible(page, "find-a-pa-phone")
        # Long search words in the tags and the empty page's suggestions wrap, never scroll.
        page.goto(f"{server.url}/find-a-pa?q={'x' * 150}&area=crewe&hours=30&own_car=yes")
        expect(status).to_have_text("0 personal assistants found")
        assert_accessible(page, "find-a-pa-phone-long-words")
        page.goto(search_url)
        page.set_viewport_size({"width": 320, "height": 640})

        # The profile fits 320 px and its breadcrumb returns to the same search.
        if page.locator(".app-pa-result__name a").count():
            page.locator(".app-pa-result__name a").first.click()
            expect(page.locator("#hours-wanted")).to_have_text(re.compile("20 hours|Not given"))
            table = page.locator(".app-pa-availability").bounding_box()
            assert table and table["x"] + table["width"] <= 320, table
            _fits(page, "pa-profile")
            assert_accessible(page, "pa-profile-phone")
            page.set_viewport_size({"width": 320, "height": 640})
            page.locator(".govuk-breadcrumbs__link").click()
            assert page.url == search_url

    # Without JavaScript on a phone: the toggle is a plain details element and the form a GET.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    try:
        nojs = context.new_page()
        with LiveServer(settings) as server:
            nojs.goto(server.url + "/find-a-pa")
            expect(nojs.locator(".app-pa-filters")).to_be_hidden()
            nojs.get_by_text("Filter results", exact=True).click()
            expect(nojs.locator(".app-pa-filters")).to_be_visible()
            nojs.get_by_text("Hours and kind of work", exact=True).click()
            nojs.get_by_label("Has their own car").check()
            nojs.get_by_role("button", name="Apply filters").click()
            cars = sum(i % 3 == 0 for i, r in enumerate(ROWS) if r["status"] == "published")
            expect(nojs.get_by_role("status")).to_have_text(
                re.compile(rf"^{cars} personal assistants? found$")
            )
            assert "own_car=yes" in nojs.url
            _fits(nojs, "find-a-pa without JavaScript")
            nojs.locator(".app-filter-tag").click()
            expect(nojs.get_by_role("status")).to_have_text(
                f"{len(published)} personal assistants found"
            )
    finally:
        context.close()
