"""Whoosh's own BM25F scores for every match of a query, read a posting block at a time.

Why: `searcher.search(q, limit=None)` walks the matcher tree one document at a time, about ten
method calls per match in each field, which at 100,000 listings is most of a word search's
first run (about 0.4 s for a common word). The same sums are cheaper as dict arithmetic over the
postings: each leaf (one term in one field) is scored with its own Whoosh scorer (`_score`, so
the idf, average length and field length are exactly Whoosh's), and the tree's nodes are summed
in the order Whoosh's matchers sum them (a union adds a + b where both match, an intersection
a + b), so every score, and so every tie, is the same float as Whoosh's.

Only the matcher shapes our plain queries build are read this way (unions and intersections of
terms in a W3 index, deleted documents filtered out); anything else (for example the array
union Whoosh uses for small indexes) returns None and the caller lets Whoosh score it.
Relies on whoosh-reloaded 2.7.5's posting blocks (pinned); tests compare with Whoosh's scores.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, IntersectionMatcher, NullMatcherClass, UnionMatcher

Scores = dict[int, float]  # docnum within a segment -> score


def scored_hits(searcher: Any, query: Any, context: Any = None) -> list[tuple[float, int]] | None:
    """(score, docnum) of every document matching ``query``, as `searcher.search(query,
    limit=None)` scores them, in no particular order; None when the matcher is of a shape
    this module does not read."""
    context = context if context is not None else searcher.context()
    hits: list[tuple[float, int]] = []
    for sub, offset in searcher.leaf_searchers():
        matcher = query.matcher(sub, context)
        # First which documents match (ids only), then scores for just those: a word in an
        # intersection is never scored where the other word is missing.
        found = _ids(matcher)
        if found is None:
            return None
        lengths = _segment_lengths(sub.reader())
        scores = _scores(matcher, found, lengths)
        hits.extend((score, docnum + offset) for docnum, score in scores.items())
    return hits


def _ids(matcher: Any) -> set[int] | None:
    """The documents ``matcher`` matches, or None for a shape this module does not read."""
    kind = type(matcher)
    if isinstance(matcher, NullMatcherClass):
        return set()
    if kind is UnionMatcher or kind is IntersectionMatcher:
        a, b = _ids(matcher.a), _ids(matcher.b)
        if a is None or b is None:
            return None
        return a | b if kind is UnionMatcher else a & b
    if kind is FilterMatcher and matcher._exclude:
        child = _ids(matcher.child)
        return None if child is None else child - set(matcher._ids)
    if kind is W3LeafMatcher and hasattr(matcher.scorer, "_score"):
        matcher.reset()  # an intersection above may have moved it on
        out: set[int] = set()
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            out.update(matcher._ids)
            matcher._next_block()
        return out
    return None


def _scores(matcher: Any, wanted: set[int], lengths: dict[str, dict[int, Any]]) -> Scores:
    """Scores of the ``wanted`` documents (all matched by ``matcher``), summed as Whoosh's
    matchers sum them: a union gives a + b where both match, an intersection a + b."""
    kind = type(matcher)
    if isinstance(matcher, NullMatcherClass):
        return {}
    if kind is UnionMatcher:
        a, b = _scores(matcher.a, wanted, lengths), _scores(matcher.b, wanted, lengths)
        out = dict(a)
        for docnum, score in b.items():
            mine = a.get(docnum)
            out[docnum] = score if mine is None else mine + score
        return out
    if kind is IntersectionMatcher:
        a, b = _scores(matcher.a, wanted, lengths), _scores(matcher.b, wanted, lengths)
        return {docnum: score + b[docnum] for docnum, score in a.items()}
    if kind is FilterMatcher:
        return _scores(matcher.child, wanted, lengths)
    return _leaf(matcher, wanted, lengths)


def _leaf(matcher: W3LeafMatcher, wanted: set[int], lengths: dict[str, dict[int, Any]]) -> Scores:
    scorer = matcher.scorer
    score_of, dfl = scorer._score, scorer.dfl
    known = lengths.setdefault(matcher.term()[0], {})  # docnum -> field length, as dfl says
    matcher.reset()
    out: Scores = {}
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        for docnum, weight in zip(matcher._ids, matcher._weights, strict=True):
            if docnum in wanted:
                length = known.get(docnum)
                if length is None:
                    length = known[docnum] = dfl(docnum)
                out[docnum] = score_of(weight, length)
        matcher._next_block()
    return out


# Field lengths already looked up, per segment reader (a segment never changes once written, and
# a refreshed searcher reuses the readers of unchanged segments); gone with the reader.
_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, dict[int, Any]]] = weakref.WeakKeyDictionary()
_LENGTHS_LOCK = threading.Lock()


def _segment_lengths(reader: Any) -> dict[str, dict[int, Any]]:
    with _LENGTHS_LOCK:
        found = _LENGTHS.get(reader)
        if found is None:
            found = _LENGTHS[reader] = {}
        return found
