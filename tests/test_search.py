"""Site search over the information pages: ranked, highlighted, helpful when nothing matches."""

from __future__ import annotations

from pathlib import Path

from pafinder.content import load_content
from pafinder.search import PAGES, current_generation, rebuild_pages_index, search_pages
from pafinder.settings import Settings
from tests.conftest import FIXTURE_CONTENT, PageClient


def test_results_are_ranked_and_highlighted(client: PageClient) -> None:
    html = client.get("/search?q=holiday").text
    assert "1 page found" in html
    assert '<a class="govuk-link" href="/help/paying-a-pa/">Paying your PA</a>' in html
    assert "<mark>Holiday</mark>" in html


def test_stemming_finds_other_word_forms(settings: Settings) -> None:
    results = search_pages(settings.index_dir, "payments")
    assert [h.url for h in results.hits][:1] == ["/help/paying-a-pa/"]


def test_title_matches_rank_above_body_matches(settings: Settings) -> None:
    results = search_pages(settings.index_dir, "low")
    assert results.hits[0].url == "/help/feeling-low/"


def test_no_match_says_so_and_suggests_where_to_look(client: PageClient) -> None:
    # A misspelling shows the suggested spelling's results (tests/test_site_search_more.py);
    # words near nothing on the site still get the advice.
    html = client.get("/search?q=zzxqvj").text
    assert "0 pages found" in html
    assert "No pages matched your search" in html
    for href in ("/find-a-pa", "/services/", "/events", "/help/"):
        assert f'href="{href}"' in html


def test_search_input_is_escaped(client: PageClient) -> None:
    html = client.get("/search", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_very_long_query_gets_a_message(client: PageClient) -> None:
    response = client.get("/search", params={"q": "care " * 100})
    assert response.status_code == 200
    assert "200 characters or fewer" in response.text


def test_empty_search_shows_the_form_only(client: PageClient) -> None:
    html = client.get("/search").text
    assert "Search this website" in html and "pages found" not in html


def test_rebuild_swaps_generations_and_keeps_one(tmp_path: Path) -> None:
    pages = load_content(FIXTURE_CONTENT).pages
    rebuild_pages_index(tmp_path, pages)
    first = current_generation(tmp_path, PAGES)
    rebuild_pages_index(tmp_path, pages)
    second = current_generation(tmp_path, PAGES)
    assert first != second
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([second, "pages.current"])
    assert search_pages(tmp_path, "payslip").total == 1
