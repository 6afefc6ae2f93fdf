"""The cached text search (register.text_search, issue 16 goal 1) answers exactly as scoring
every match with Whoosh on every request did: the same totals, the same order (relevance, ties
most recently updated first) on every page, with and without filters; one Whoosh search per
query and index state, shared by spellings with the same words."""

from __future__ import annotations

import itertools
from array import array
from dataclasses import replace
from typing import Any

import pytest
from pyroaring import BitMap

from pafinder import search as whoosh_store
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.register import index, search, text_scoring, text_search
from pafinder.register.models import parse_search_params
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 300, seed=21)
WORDS = ["gardening", "cooking", "garden cooking", "personal care", "dementia", "dogs",
         "shopping", "hoists", "the", "zzzz", "Gardening!", "care care"]  # fmt: skip
FILTERS: list[list[tuple[str, str]]] = [
    [],
    [("area", "crewe")],
    [("task", "shopping"), ("dbs", "basic")],
    [("area", "crewe"), ("area", "macclesfield"), ("gender", "female")],
]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pa_rows.imported_portal(tmp_path_factory.mktemp("text-search"), ROWS)


def reference(settings: Settings, snap: search.Snapshot, q: str) -> list[int]:
    """What search did before the cache: every match scored by Whoosh, its PA id looked up,
    then ordered by (-score, snapshot position)."""
    ix = whoosh_store.open_index(settings.index_dir, index.PAS)
    assert ix is not None
    with ix.searcher() as searcher:
        query = whoosh_store.plain_query(index.TEXT_FIELDS, searcher.schema, q)
        column = searcher.reader().column_reader("pa_id")
        hits = [(s, int(column[d])) for s, d in searcher.search(query, limit=None).top_n]
    position = snap.positions()
    return [p for _, p in sorted((-s, position[i]) for s, i in hits if i in position)]


def test_answers_equal_scoring_every_match(portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    now = utcnow()
    snap = search.CACHE.snapshot(engine, portal)
    checked = 0
    for q, filters in itertools.product(WORDS, FILTERS):
        params = parse_search_params([("q", q), *filters], CONTENT)
        ordered = reference(portal, snap, q)
        result = search._filtered(snap, params, now)
        expected = [p for p in ordered if p in result]
        for per_page, page in ((20, 1), (20, 2), (7, 3), (100, 1), (20, 50)):
            answer = search.search(engine, portal, replace(params, page=page, per_page=per_page))
            offset = (page - 1) * per_page
            assert answer.total == len(expected), (q, filters)
            assert answer.ids == [snap.pa_ids[p] for p in expected[offset : offset + per_page]]
            assert answer.facets == search.facet_counts(
                snap, params, now, BitMap(expected), BitMap(ordered)
            )
            checked += 1
        assert search.count(engine, portal, params) == len(expected)
    assert checked == len(WORDS) * len(FILTERS) * 5
    # The words really matched something, and some queries had equal scores to break.
    assert search.count(engine, portal, parse_search_params([("q", "gardening")], CONTENT)) > 10


def test_one_whoosh_search_per_query_and_index_state(
    portal: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(portal.database_url)
    calls: list[str] = []
    real = search._scored_hits

    def counted(searcher: Any, query: Any) -> Any:
        calls.append(repr(query))
        return real(searcher, query)

    monkeypatch.setattr(search, "_scored_hits", counted)
    search.CACHE.invalidate()
    for q in ("Gardening", "gardening!", "  GARDENING ", "garden"):  # one query once parsed
        for page in (1, 2, 3):
            params = parse_search_params([("q", q), ("page", str(page))], CONTENT)
            search.search(engine, portal, params)
    assert len(calls) == 1
    # A committed change to a PA moves the snapshot key: the next search runs Whoosh again.
    index.bump_version(portal)
    search.search(engine, portal, parse_search_params([("q", "gardening")], CONTENT))
    assert len(calls) == 2


def test_the_lru_is_bounded(portal: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(portal.database_url)
    monkeypatch.setattr(text_search, "LRU_SIZE", 3)
    search.CACHE.invalidate()
    for q in ("gardening", "cooking", "dogs", "dementia", "shopping"):
        search.search(engine, portal, parse_search_params([("q", q)], CONTENT))
    texts = list(search.CACHE.texts.values())
    assert len(texts) == 1 and len(texts[0]._lru) == 3


def test_page_reads_only_what_it_shows() -> None:
    ordered = [9, 3, 7, 1, 8, 2, 6, 0, 5, 4]
    matches = text_search.Matches(
        array("I", ordered), BitMap(ordered), {p: i for i, p in enumerate(ordered)}
    )
    for result in (BitMap(ordered), BitMap([7, 0]), BitMap([4]), BitMap()):
        expected = [p for p in ordered if p in result]
        for offset, size in ((0, 3), (1, 2), (5, 20), (12, 3)):
            assert (
                text_search.page(matches, result, offset, size) == expected[offset : offset + size]
            )


def whoosh_scores(searcher: Any, query: Any, context: Any) -> list[tuple[float, int]]:
    collector = searcher.collector(limit=None)
    searcher.search_with_collector(query, collector, context)
    return sorted(collector.results().top_n)


def test_block_scores_are_whooshs_scores(portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    # Re-index a few listings, so the index has deleted documents and more than one segment.
    for pa_id in list(search.CACHE.snapshot(engine, portal).pa_ids)[:5]:
        index.refresh_pa(engine, portal, pa_id)
    ix = whoosh_store.open_index(portal.index_dir, index.PAS)
    assert ix is not None
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
        # Over 5,000 documents Whoosh joins a word's fields with binary unions, the shape
        # text_scoring reads; a small index gets an array union, so ask for the binary one.
        binary = searcher.context(needs_current=True)
        for q in WORDS:
            query = whoosh_store.plain_query(index.TEXT_FIELDS, searcher.schema, q)
            mine = text_scoring.scored_hits(searcher, query, binary)
            assert mine is not None, q
            assert sorted(mine) == whoosh_scores(searcher, query, binary), q  # equal floats
        # The default context on this small index: a shape it leaves to Whoosh.
        query = whoosh_store.plain_query(index.TEXT_FIELDS, searcher.schema, "gardening")
        assert text_scoring.scored_hits(searcher, query) is None
