"""The text part of PA search (`q`): which listings match, in relevance order, as positions of
the search snapshot (register.search), computed once per query and index state and then reused.

Why: Whoosh scores every matching document, about 10-20 µs each in Python, and a common word
matches one listing in eight (13,000 at 100,000 listings). Doing that on every request put a
word search 20 times behind a filter-only one, and (all of it holding the GIL) delayed every
other request on the worker. So:

- A query's matches are kept in a small LRU keyed by (snapshot key, searcher state, the parsed
  query). The parsed query is the normal form: case, stemming ("gardening" is "garden"), stop
  words and punctuation are already gone, so "Gardening!" and "garden" share one entry. The
  snapshot key moves on every committed PA change (index.refresh_pa) and the searcher state on
  every Whoosh commit, so a withdrawn listing never survives in the cache.
- The docnum -> PA id column is read once per searcher (not one column lookup per hit), and
  docnum -> snapshot position once per (searcher, snapshot).
- A request intersects the cached matches with its filters (bitmaps) and orders only the page
  it shows (`page`), so facets, counts and the "remove this filter" suggestions reuse the same
  matches.

Scores are Whoosh's own (BM25F over skills, experience and about), and ties go to the most
recently updated listing, exactly as before the cache.
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyroaring import BitMap

from pafinder import search as whoosh_store
from pafinder.register import index
from pafinder.settings import Settings

LRU_SIZE = 256  # distinct queries kept per index (a few MB at 100,000 listings)

# A word search runs in a thread, but its Python holds the GIL; the event loop's thread, waiting
# for it to answer a static page or /healthz, gets it only when the holder is asked to let go,
# after the switch interval (5 ms by default, and a page needs the GIL several times). 1 ms keeps
# such a page within a few ms of its idle time while a search runs, at a negligible cost.
SWITCH_INTERVAL_S = 0.001


def share_the_gil_sooner() -> None:
    """Called once by create_app: the switch interval is the whole process's, not a module's."""
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))


@dataclass(frozen=True)
class Matches:
    """The listings matching one `q`: ``ordered`` by relevance (ties: most recently updated
    first), ``rank[pos]`` the place of position ``pos`` in that order, ``found`` as a bitmap."""

    ordered: array[int]
    found: BitMap
    rank: dict[int, int]


NO_MATCHES = Matches(array("I"), BitMap(), {})


class _Searcher:
    """One Whoosh searcher and what is derived from it, replaced when the index changes."""

    def __init__(self, generation: str, searcher: Any, folder: str) -> None:
        self.generation = generation
        self.folder = folder  # the index generation's folder: segment ids are unique in it
        self.searcher = searcher
        self.token = object()  # identifies this state of the index in cache keys
        self._doc_pa: array[int] | None = None
        self._doc_pos: tuple[object, array[int]] | None = None

    def refreshed(self) -> _Searcher:
        """The same object while the index is unchanged; a new one after a commit."""
        newer = self.searcher.refresh()
        if newer is self.searcher:
            return self
        return _Searcher(self.generation, newer, self.folder)

    def doc_pa(self) -> array[int]:
        """docnum -> PA id, read in one pass over the column."""
        if self._doc_pa is None:
            # Deleted documents keep their value here, but Whoosh never returns them as hits.
            ids: array[int] = array("q")
            for reader, offset in self.searcher.reader().leaf_readers():
                assert offset == len(ids)
                ids.extend(_segment_pa_ids(self.folder, reader))
            self._doc_pa = ids
        return self._doc_pa

    def doc_positions(self, snap_key: object, positions: dict[int, int]) -> array[int]:
        """docnum -> snapshot position (-1: not in the snapshot), once per snapshot."""
        cached = self._doc_pos
        if cached is not None and cached[0] == snap_key:
            return cached[1]
        get = positions.get
        doc_pos = array("i", (get(pa, -1) for pa in self.doc_pa()))
        self._doc_pos = (snap_key, doc_pos)
        return doc_pos


# Segment -> its docnum -> PA id column: a segment never changes once written, and after a PA
# edit the new searcher shares every segment but the small new one (0.2 s saved at 100,000).
_SEGMENT_IDS: OrderedDict[str, array[int]] = OrderedDict()
_SEGMENT_IDS_LOCK = threading.Lock()
_SEGMENTS_KEPT = 32


def _segment_pa_ids(folder: str, reader: Any) -> array[int]:
    segment = reader.segment() if hasattr(reader, "segment") else None
    key = f"{folder}/{segment.segment_id()}" if segment is not None else None
    with _SEGMENT_IDS_LOCK:
        found = _SEGMENT_IDS.get(key) if key else None
        if found is not None:
            _SEGMENT_IDS.move_to_end(key)  # type: ignore[arg-type]
            return found
    found = array("q", (int(v) for v in reader.column_reader("pa_id")))
    if key:
        with _SEGMENT_IDS_LOCK:
            _SEGMENT_IDS[key] = found
            while len(_SEGMENT_IDS) > _SEGMENTS_KEPT:
                _SEGMENT_IDS.popitem(last=False)
    return found


class TextIndex:
    """The text search of one (database, index dir): a searcher and an LRU of matches."""

    def __init__(self) -> None:
        # A Whoosh searcher is not safe to share between threads: every use holds the lock.
        self.lock = threading.Lock()
        self._current: _Searcher | None = None
        self._lru: OrderedDict[tuple[object, ...], Matches] = OrderedDict()

    def _searcher(self, settings: Settings) -> _Searcher | None:
        generation = whoosh_store.current_generation(settings.index_dir, index.PAS)
        if generation is None:
            return None
        current = self._current
        if current is None or current.generation != generation:
            if current is not None:
                current.searcher.close()
            ix = whoosh_store.open_index(settings.index_dir, index.PAS)
            if ix is None:
                return None
            folder = str(settings.index_dir / generation)
            current = _Searcher(generation, ix.searcher(), folder)
        else:
            current = current.refreshed()  # picks up refresh_pa's commits
        self._current = current
        return current

    def matches(
        self,
        settings: Settings,
        snap_key: object,
        positions: Callable[[], dict[int, int]],
        q: str,
        scored_hits: Callable[[Any, Any], list[tuple[float, int]]],
    ) -> Matches:
        """The matches of ``q`` as snapshot positions. ``positions`` gives PA id -> position;
        ``scored_hits(searcher, query)`` runs Whoosh: (score, docnum) of every match."""
        with self.lock:
            current = self._searcher(settings)
            if current is None:
                return NO_MATCHES
            searcher = current.searcher
            query = whoosh_store.plain_query(index.TEXT_FIELDS, searcher.schema, q)
            key = (snap_key, current.token, repr(query))
            found = self._lru.get(key)
            if found is not None:
                self._lru.move_to_end(key)
                return found
            doc_pos = current.doc_positions(snap_key, positions())
            scored = []
            for score, docnum in scored_hits(searcher, query):
                pos = doc_pos[docnum]
                if pos >= 0:
                    scored.append((-score, pos))
            scored.sort()  # best first; equal scores: the lower position, updated more recently
            ordered = array("I", (pos for _, pos in scored))
            found = Matches(ordered, BitMap(ordered), {pos: i for i, pos in enumerate(ordered)})
            self._lru[key] = found
            while len(self._lru) > LRU_SIZE:
                self._lru.popitem(last=False)
            return found

    def clear(self) -> None:
        with self.lock:
            self._lru.clear()


def page(matches: Matches, result: BitMap, offset: int, size: int) -> list[int]:
    """Positions ``offset`` to ``offset + size`` of ``result`` (already within the matches) in
    relevance order. A small result is sorted by rank; a large one is read off the ordered
    matches until the page is full, so neither costs more than the page needs."""
    if offset >= len(result):
        return []
    if len(result) * 8 < len(matches.ordered):
        rank = matches.rank
        return sorted(result, key=rank.__getitem__)[offset : offset + size]
    out: list[int] = []
    need = offset + size
    for pos in matches.ordered:
        if pos in result:
            out.append(pos)
            if len(out) >= need:
                break
    return out[offset:]
