"""Site search reads what people type as plain words (no Whoosh field, range, wildcard or operator
syntax), and runs off the event loop so a slow search holds up no other request (issue 8)."""

from __future__ import annotations

import pytest

from pafinder.app import create_app
from pafinder.search import plain_words, search_pages
from pafinder.settings import Settings
from pafinder.web import core_routes
from tests.concurrency import answered_while_held, hold
from tests.conftest import PageClient


def urls(settings: Settings, query: str) -> list[str]:
    return [h.url for h in search_pages(settings.index_dir, query).hits]


def test_plain_words_drop_every_piece_of_query_syntax() -> None:
    assert plain_words("body:[0 TO ~]") == ["body", "0", "TO"]
    assert plain_words('title:care^5 "pay slip" (a OR b) paysl* ?') == [
        "title", "care", "5", "pay", "slip", "a", "OR", "b", "paysl",
    ]  # fmt: skip


def test_a_range_over_a_field_is_only_words(settings: Settings) -> None:
    # As Whoosh syntax this asked for every page with a body: all four.
    assert urls(settings, "body:[0 TO ~]") == urls(settings, "body 0 TO") == []


def test_wildcards_match_nothing_special(settings: Settings) -> None:
    assert urls(settings, "*") == []  # was every page
    assert urls(settings, "paysl*") == []  # was a prefix search finding the payslip page
    assert urls(settings, "payslip") == ["/help/paying-a-pa/"]


def test_operators_and_boosts_are_words(settings: Settings) -> None:
    holiday = urls(settings, "holiday")
    assert holiday == ["/help/paying-a-pa/"]
    assert urls(settings, "NOT holiday") == holiday  # was every other page
    assert urls(settings, "title:holiday^9") == urls(settings, "title holiday 9")


def test_stemming_excerpts_and_did_you_mean_still_work(client: PageClient) -> None:
    html = client.get("/search", params={"q": "holidays*"}).text
    assert "1 page found" in html and "<mark>Holiday</mark>" in html
    html = client.get("/search", params={"q": "holidy*"}).text
    # Nothing for the misspelling: the suggested spelling's results are shown at once.
    assert "Showing results for ‘<strong>holiday</strong>’" in html and "1 page found" in html


def test_the_page_treats_field_syntax_as_words(client: PageClient) -> None:
    response = client.get("/search", params={"q": "body:[0 TO ~]"})
    assert response.status_code == 200
    assert "0 pages found" in response.text


def test_a_static_page_is_answered_while_a_search_runs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = hold(monkeypatch, core_routes, "search_pages")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        found, page = answered_while_held(client, "/search?q=holiday", "/about/", held)
    assert page.status_code == 200
    assert found.status_code == 200 and "1 page found" in found.text
