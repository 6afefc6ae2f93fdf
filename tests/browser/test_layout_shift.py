"""Issue 11, point 11: on a phone the service navigation does not jump when GOV.UK's script
collapses it. The script is held back on purpose (as a slow phone network would), so the page
is drawn before it runs; the layout shift measured by Chromium must stay under 0.05."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route

from pafinder.settings import Settings
from tests.browser.conftest import LiveServer

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

MEASURE = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__cls += entry.value;
  }
}).observe({ type: "layout-shift", buffered: true });
"""
HOLD_SCRIPT_S = 0.8  # how long the module waits: the page is drawn (and measured) meanwhile


@pytest.fixture(scope="module")
def server(real_site: Settings) -> Iterator[LiveServer]:
    with LiveServer(real_site) as live:
        yield live


def _slow_script(route: Route) -> None:
    time.sleep(HOLD_SCRIPT_S)
    route.continue_()


@pytest.mark.parametrize("path", ["/", "/services/", "/find-a-pa"])
def test_the_menu_collapses_without_moving_the_page(
    browser: Browser, server: LiveServer, path: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.add_init_script(MEASURE)
        page.route("**/assets/app.*.js", _slow_script)
        page.goto(server.url + path)
        nav = page.locator("[data-module='govuk-service-navigation']")
        page.wait_for_selector("[data-govuk-service-navigation-init]", state="attached")
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(null)))")
        assert nav.get_by_role("button", name="Menu").is_visible()
        shift = page.evaluate("window.__cls")
        assert shift < 0.05, f"{path}: layout shift {shift:.3f}"
    finally:
        context.close()


def test_without_javascript_the_whole_menu_shows(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        assert page.locator(".govuk-service-navigation__list").is_visible()
    finally:
        context.close()
