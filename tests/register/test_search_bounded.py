"""PA search does bounded work off the event loop, and reads `q` as plain words (issue 8):
`/find-a-pa` with every filter value ticked makes a few dozen counts and two text searches, not
thousands; a parameter repeated more often than it has values is refused; a static page is
answered while a search runs; Whoosh syntax in `q` is only words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.register import find_routes, search
from pafinder.settings import Settings
from tests.concurrency import answered_while_held, hold
from tests.conftest import REAL_CONTENT, PageClient
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 120, seed=5)
PUBLISHED = [r for r in ROWS if r["status"] == "published"]
FILTER_TAXONOMIES = {name: taxonomy for name, (_, taxonomy) in find_routes.FILTERS.items()}
EVERY_VALUE = [
    *((name, t.slug) for name, tax in FILTER_TAXONOMIES.items() for t in CONTENT.taxonomies[tax]),
    ("dbs", "enhanced_barred"),
    *((flag, "yes") for flag in find_routes.FLAG_LABELS),
]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pa_rows.imported_portal(tmp_path_factory.mktemp("bounded"), ROWS)


@pytest.fixture(scope="module")
def web(portal: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as c:
        yield c


def total(web: PageClient, params: Any) -> int:
    response = web.get("/api/pas", params=params)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_q_syntax_is_only_words(web: PageClient) -> None:
    assert total(web, {"q": "*"}) == 0  # was every listing
    assert total(web, {"q": "gard*"}) == 0  # was a prefix search for "garden"
    assert total(web, {"q": "gardening"}) > 0
    # A range over a field was every listing with an about-me; now it is the word "about".
    assert total(web, {"q": "about:[a TO z]"}) == total(web, {"q": "about"}) < len(PUBLISHED)
    assert total(web, {"q": "NOT gardening"}) == total(web, {"q": "gardening"})
    assert total(web, {"q": "gardening OR cooking"}) == total(web, {"q": "gardening cooking"})


def test_every_filter_value_ticked_is_bounded_work(
    web: PageClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"filtered": 0, "text": 0}
    real_filtered, real_text = search._filtered, search._Cache.text_hits

    def filtered(*args: Any, **kwargs: Any) -> Any:
        calls["filtered"] += 1
        return real_filtered(*args, **kwargs)

    def text_hits(self: Any, *args: Any) -> Any:
        calls["text"] += 1
        return real_text(self, *args)

    monkeypatch.setattr(search, "_filtered", filtered)
    monkeypatch.setattr(search._Cache, "text_hits", text_hits)
    params = [("q", "gardening"), *EVERY_VALUE]
    html = web.get("/find-a-pa", params=params).text
    assert "0 personal assistants found" in html
    # Before: one text search per count and about N^2 counts (N ~ 90 values): thousands.
    # The search, the bases of its disjunctive facets (area, gender, dbs), and the suggestions.
    assert calls["filtered"] <= 1 + 3 + 3 * find_routes.MAX_CANDIDATES
    assert calls["text"] <= 2
    monkeypatch.undo()
    # The suggestion still names what to remove, and following it shows that many listings.
    suggestion = re.search(
        r'<li><a class="govuk-link" href="([^"]+)">Remove (.*?)</a> to see (\d+)', html
    )
    assert suggestion, html
    href, _label, count = suggestion.groups()
    followed = web.get(href.replace("&amp;", "&")).text
    assert f"{count} personal assistant" in followed


def test_many_values_suggest_whole_filters_to_remove(web: PageClient) -> None:
    html = web.get("/find-a-pa", params=EVERY_VALUE).text
    assert "0 personal assistants found" in html
    assert "all your choices under \u2018Available\u2019" in html


def test_every_value_of_a_filter_once_is_allowed(web: PageClient) -> None:
    every_area = [("area", t.slug) for t in CONTENT.taxonomies["areas"]]
    assert total(web, every_area) == len(PUBLISHED)


def test_too_many_repeats_of_a_parameter_are_refused(web: PageClient) -> None:
    areas = len(CONTENT.taxonomies["areas"])
    response = web.get("/api/pas", params=[("area", "crewe")] * (areas + 1))
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"area": f"area can be given at most {areas} times, not {areas + 1}"}
    }
    response = web.get("/api/pas", params=[("q", "care")] * 11)
    assert response.status_code == 400
    assert response.json()["errors"]["q"] == "q can be given at most 10 times, not 11"
    page = web.get("/find-a-pa", params=[("area", "crewe")] * 500)
    assert page.status_code == 400
    assert "There is a problem" in page.text and 'href="#area"' in page.text
    assert "area can be given at most" in page.text


@pytest.mark.parametrize("path", ["/find-a-pa?q=gardening", "/api/pas?q=gardening&area=crewe"])
def test_a_static_page_is_answered_while_a_pa_search_runs(
    portal: Settings, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    held = hold(monkeypatch, search, "search")
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as client:
        found, page = answered_while_held(client, path, "/about/", held)
    assert page.status_code == 200
    assert found.status_code == 200
