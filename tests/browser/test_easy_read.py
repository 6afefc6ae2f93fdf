"""Easy Read and print in Chromium (issue 14, points 3 and 4).

Every Easy Read page at 1280 and 320 px: zero axe violations, no sideways scroll at 320 px,
every piece of text at least 19 px (14 pt), every picture drawn, with JavaScript on and off.
Print: with print media emulated, the computed styles of a real page show no navigation,
footer links, skip link, cookie banner or buttons, links' addresses written after them (not
for links within the page or to scripts), and page breaks kept between a heading or question
and what follows it; the same page on screen is unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from pafinder.easy_read.pages import load_easy_read
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible
from tests.conftest import REAL_CONTENT

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]
PAGES = [p.url for p in load_easy_read(REAL_CONTENT)]
MIN_PX = 19.0
WIDTHS = (1280, 320)

# Every element that holds text of its own, with its computed font size and whether it shows.
TEXT_SIZES = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, template, noscript')) continue;
    found.push({
      text: node.textContent.trim().slice(0, 40),
      tag: el.tagName,
      size: parseFloat(getComputedStyle(el).fontSize),
    });
  }
  return found;
}"""

PICTURES_DRAWN = """() => [...document.querySelectorAll('main img')]
  .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"""


@pytest.fixture(scope="module")
def server(real_site: Settings) -> Iterator[LiveServer]:
    with LiveServer(real_site) as live:
        yield live


def small_text(page: Page) -> list[str]:
    return [
        f"{t['tag']} {t['size']}px: {t['text']!r}"
        for t in page.evaluate(TEXT_SIZES)
        if t["size"] < MIN_PX - 0.01
    ]


@pytest.mark.parametrize("path", PAGES)
def test_easy_read_page_in_chromium(server: LiveServer, page: Page, path: str) -> None:
    response = page.goto(server.url + path)
    assert response is not None and response.status == 200
    assert_accessible(page, f"easy-read{path}")  # axe at 1280 and 320 px, no sideways scroll
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert not small_text(page), f"{path} at {width}px has text under {MIN_PX}px:\n" + (
            "\n".join(small_text(page))
        )
    assert page.evaluate(PICTURES_DRAWN) == [], f"{path}: pictures that did not load"
    assert page.locator("main .app-easy-read__point").count() >= 2


def test_easy_read_pages_without_javascript(server: LiveServer, nojs_page: Page) -> None:
    nojs_page.set_viewport_size({"width": 320, "height": 800})
    for path in PAGES:
        nojs_page.goto(server.url + path)
        assert nojs_page.locator("h1").count() == 1
        assert nojs_page.evaluate(PICTURES_DRAWN) == [], path
        assert not small_text(nojs_page), path
        overflow = nojs_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px without JS"


def test_the_links_between_the_versions_work(server: LiveServer, page: Page) -> None:
    page.goto(server.url + "/about/how-to-complain/")
    page.get_by_role("link", name="Easy Read: how to complain").click()
    page.wait_for_url("**/easy-read/how-to-complain/")
    page.get_by_role("link", name="How to complain", exact=True).last.click()
    page.wait_for_url("**/about/how-to-complain/")


# Things no built page has (a summary list, a cookie banner, a link within the page or to a
# script): put on the real page, so the real stylesheet styles them.
EXTRAS = """() => {
  const main = document.querySelector('main');
  main.insertAdjacentHTML('beforeend', `
    <div class="govuk-cookie-banner" id="t-cookie">Cookies on this site</div>
    <a id="t-inpage" class="govuk-link" href="#main-content">Back to the top</a>
    <a id="t-script" class="govuk-link" href="javascript:void(0)">Show all</a>
    <a id="t-plain" href="/about/contact-us/">Contact us</a>
    <a id="t-mail" class="govuk-link" href="mailto:help@example.org">help@example.org</a>
    <a id="t-button" class="govuk-button" href="/find-a-pa">Start now</a>
    <dl class="govuk-summary-list"><div class="govuk-summary-list__row" id="t-row">
      <dt class="govuk-summary-list__key">Your name</dt>
      <dd class="govuk-summary-list__value">Sam</dd></div></dl>
    <h3 id="t-h3">A question?</h3><p id="t-answer">An answer.</p>`);
}"""


def style(page: Page, selector: str, prop: str, pseudo: str | None = None) -> str:
    value: str = page.eval_on_selector(
        selector,
        "(el, [prop, pseudo]) => getComputedStyle(el, pseudo).getPropertyValue(prop)",
        [prop, pseudo],
    )
    return value


def test_print_stylesheet(server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + "/")  # a page with the menu, a search button and the footer
        page.evaluate(EXTRAS)
        hidden = [
            ".govuk-skip-link",
            ".govuk-service-navigation",
            ".govuk-footer__inline-list",
            "#t-cookie",
            "#t-button",
            "main button",
        ]
        page.emulate_media(media="screen")
        for selector in hidden:
            assert style(page, selector, "display") != "none", f"{selector} hidden on screen"
        assert style(page, "#t-plain", "content", "::after") in ("none", "normal")

        page.emulate_media(media="print")
        for selector in hidden:
            assert style(page, selector, "display") == "none", f"{selector} is printed"
        # A link's address after its text, whatever its class.
        content_link = page.locator("main a.govuk-link[href^='/']").first
        href = content_link.get_attribute("href")
        after = content_link.evaluate("el => getComputedStyle(el, '::after').content")
        assert after == f'" ({href})"', after
        assert style(page, "#t-plain", "content", "::after") == '" (/about/contact-us/)"'
        for selector in ("#t-inpage", "#t-script", "#t-mail"):
            assert style(page, selector, "content", "::after") in ("none", "normal"), selector
        # Page breaks: a heading stays with the next element, a question with its answer.
        assert style(page, "main h2", "break-after") == "avoid"
        assert style(page, "#t-h3", "break-after") == "avoid"
        assert style(page, "#t-answer", "break-before") == "avoid"
        assert style(page, "#t-row", "break-inside") == "avoid"
        assert style(page, "#t-row dt", "break-after") == "avoid"
        # The header prints as ink on white, not a block of colour.
        assert style(page, ".app-header", "background-color") in ("rgba(0, 0, 0, 0)", "transparent")
    finally:
        context.close()


def test_easy_read_page_prints_each_point_whole(server: LiveServer, page: Page) -> None:
    page.goto(server.url + "/easy-read/how-to-complain/")
    page.emulate_media(media="print")
    assert style(page, ".app-easy-read__point", "break-inside") == "avoid"
    assert style(page, ".govuk-breadcrumbs", "display") == "none"
    back = page.locator("main a[href='/about/how-to-complain/']")
    after = back.evaluate("el => getComputedStyle(el, '::after').content")
    assert after == '" (/about/how-to-complain/)"'


STANDARD_PAGES = sorted({p.standard for p in load_easy_read(REAL_CONTENT)})


@pytest.mark.parametrize("path", STANDARD_PAGES)
def test_standard_pages_with_their_easy_read_link(
    server: LiveServer, page: Page, path: str
) -> None:
    page.goto(server.url + path)
    link = page.locator("main .app-easy-read-link a").first
    assert (link.get_attribute("href") or "").startswith("/easy-read/")
    assert page.evaluate(PICTURES_DRAWN) == [], path
    assert_accessible(page, f"easy-read-link{path}")
