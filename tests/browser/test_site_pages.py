"""Every page `pafinder build` writes, plus search results and staff sign-in, in Chromium:
zero axe violations at 1280 and 320 px, no console errors (a CSP breach shows there), a
working skip link, and the same pages with JavaScript switched off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, click_and_wait

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

EXTRA_PAGES = [
    "/search?q=holiday+pay",
    "/search?q=zzqqxx",
    "/staff/sign-in",
    "/no-such-page",
    "/find-a-pa",
    "/find-a-pa?area=crewe&task=personal-care&dbs=enhanced",
    "/become-a-pa/register",
    "/become-a-pa/manage",
    "/events?service=carers",
]


@pytest.fixture(scope="module")
def server(real_site: Settings) -> Iterator[LiveServer]:
    with LiveServer(real_site) as live:
        yield live


def dynamic_pages(settings: Settings) -> list[str]:
    """A published PA's profile and every service's referral form, from the demo data."""
    from sqlalchemy import select

    from pafinder.content import load_content
    from pafinder.db import make_engine
    from pafinder.register.tables import pas

    with make_engine(settings.database_url).connect() as conn:
        ref = conn.execute(select(pas.c.ref).where(pas.c.status == "published")).scalar()
    services = load_content(settings.content_dir).services
    return [f"/find-a-pa/{ref}", *(f"/refer/{s.slug}" for s in services)]


def built_pages(settings: Settings) -> list[str]:
    paths = []
    for index in sorted(settings.site_dir.rglob("index.html")):
        rel = index.parent.relative_to(settings.site_dir).as_posix()
        paths.append("/" if rel == "." else f"/{rel}/")
    return paths


# The pages are shared out over this many tests (every SHARES-th page each), so no one test runs
# long enough to meet pytest-timeout on a loaded machine, and xdist can run shares side by side.
SHARES = 6


def test_the_sweep_covers_every_page(server: LiveServer) -> None:
    pages = all_pages(server.settings)
    assert len(pages) >= 50, "the sample site should have every page of the content"
    assert sorted(p for share in range(SHARES) for p in pages[share::SHARES]) == sorted(pages)


def all_pages(settings: Settings) -> list[str]:
    return built_pages(settings) + EXTRA_PAGES + dynamic_pages(settings)


@pytest.mark.parametrize("share", range(SHARES))
def test_every_page_is_accessible_at_both_widths(
    server: LiveServer, browser: Browser, share: int
) -> None:
    pages = all_pages(server.settings)[share::SHARES]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    try:
        for path in pages:
            response = page.goto(server.url + path)
            assert response is not None
            expected = 404 if path == "/no-such-page" else 200
            assert response.status == expected, path
            assert_accessible(page, f"site{path}")
    finally:
        context.close()
    # Chromium logs the 404 response itself as a console error; anything else is a real fault.
    real = [e for e in errors if "404" not in e]
    assert not real, "console errors (CSP or script faults):\n" + "\n".join(real)


def test_javascript_enhancements_run_under_the_csp(server: LiveServer, page: Page) -> None:
    page.goto(server.url + "/")
    page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
    page.set_viewport_size({"width": 320, "height": 800})
    toggle = page.locator(".govuk-service-navigation__toggle")
    toggle.wait_for(state="visible")  # govuk-frontend initialised the mobile menu
    toggle.click()
    assert page.locator("#navigation a", has_text="Find a PA").is_visible()


def test_skip_link_moves_focus_to_main_content(server: LiveServer, page: Page) -> None:
    page.goto(server.url + "/employing-a-pa/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main-content'")
    page.keyboard.press("Tab")
    inside_main = page.evaluate(
        "document.getElementById('main-content').contains(document.activeElement)"
    )
    assert inside_main, "the next Tab after the skip link stays in the main content"


def test_pages_work_without_javascript(server: LiveServer, nojs_page: Page) -> None:
    nojs_page.goto(server.url + "/")
    assert "js-enabled" not in (nojs_page.get_attribute("body", "class") or "")
    # Every navigation link is visible without the JavaScript menu, even on a phone.
    nojs_page.set_viewport_size({"width": 320, "height": 800})
    assert nojs_page.locator("#navigation a", has_text="Events and groups").is_visible()
    nojs_page.fill("#home-search", "holiday pay")
    click_and_wait(nojs_page, nojs_page.locator("button:has-text('Search')"))
    assert "/search?q=holiday+pay" in nojs_page.url
    assert nojs_page.locator(".app-search-result").count() > 0
    click_and_wait(nojs_page, nojs_page.locator(".app-search-result a").first)
    assert nojs_page.locator("h1").count() == 1
    # axe is JavaScript itself, so it cannot run here; the same pages pass axe in the sweep above.
    overflow = nojs_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
