"""Site search as a person meets it (issue 11, point 12): a misspelling shows the suggested
spelling's results at once, results come a page at a time, events and groups are found too, an
empty search says what to type; and the home page's title names the site once."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events.publish import publish
from pafinder.events.site_search import search_events, words
from tests.conftest import PageClient
from tests.events.conftest import add_event, events_settings, london_today


def found(html: str) -> str:
    match = re.search(r'role="status">\s*([^<]*?)\s*</p>', html)
    assert match, "no results count"
    return match[1]


def result_links(html: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-heading-s"><a class="govuk-link" href="([^"]+)"', html)


def test_a_misspelling_shows_the_suggested_spellings_results(real_client: PageClient) -> None:
    typed = real_client.get("/search?q=paymnets").text
    right = real_client.get("/search?q=payments").text
    assert "No pages matched ‘paymnets’. Showing results for ‘<strong>payments</strong>’" in typed
    assert result_links(typed) == result_links(right) and result_links(right)
    assert "No pages matched your search" not in typed


def test_results_come_twenty_to_a_page(real_client: PageClient) -> None:
    first = real_client.get("/search?q=support")
    assert first.status_code == 200
    total = int(found(first.text).split(" ")[0])
    assert total > 20
    assert "(page 1 of 2)" in found(first.text)
    assert len(result_links(first.text)) == 20
    assert 'href="/search?q=support&amp;page=2"' in first.text
    second = real_client.get("/search?q=support&page=2").text
    assert len(result_links(second)) == total - 20
    assert not set(result_links(first.text)) & set(result_links(second))
    # A page past the last shows the last; rubbish is the first; neither is an error.
    assert result_links(real_client.get("/search?q=support&page=99").text) == result_links(second)
    for page in ("0", "-1", "x", "²", "9" * 40):
        response = real_client.get("/search", params={"q": "support", "page": page})
        assert response.status_code == 200, page
        assert result_links(response.text) == result_links(first.text), page


def test_events_and_groups_are_found_too(tmp_path: Path) -> None:
    esettings = events_settings(tmp_path)
    with PageClient(create_app(esettings), base_url="http://127.0.0.1") as eclient:
        soon = london_today() + timedelta(days=3)
        add_event(esettings, title="Knitting circle for carers", start_date=soon)
        add_event(esettings, title="Gone knitting", repeat="none", start_date=soon - timedelta(30))
        publish(make_engine(esettings.database_url), esettings, load_content(esettings.content_dir))
        html = eclient.get("/search?q=knitting").text
        assert 'id="event-results"' in html
        assert "Knitting circle for carers" in html
        assert "Gone knitting" not in html  # its only date has passed
        assert "and 1 event" in found(html)
        assert [h.title for h in search_events(make_engine(esettings.database_url), "knit")] == [
            "Knitting circle for carers"
        ]
        assert "event-results" not in eclient.get("/search?q=zzxqvj").text
        assert words("The AND for knitting, KNITTING!") == ["knitting"]


def test_an_empty_search_says_what_to_type(client: PageClient) -> None:
    for path in ("/search", "/search?q=", "/search?q=%20%20"):
        html = client.get(path).text
        assert 'id="search-help"' in html, path
        assert "for example ‘direct payments’" in html
        assert "pages found" not in html


def test_the_home_page_title_names_the_site_once(client: PageClient) -> None:
    html = client.get("/").text
    title = re.search(r"<title[^>]*>\s*([^<]*?)\s*</title>", html)
    assert title and title[1] == "Test portal"
    h1 = re.search(r'<h1 class="govuk-heading-xl">([^<]*)</h1>', html)
    assert h1 and h1[1] == title[1]
    # Other pages keep "Page - Site".
    about = re.search(r"<title[^>]*>\s*([^<]*?)\s*</title>", client.get("/search").text)
    assert about and about[1] == "Search this website - Test portal"
