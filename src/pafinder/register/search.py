"""The PA query engine: filters and facet counts from per-value document bitmaps; Whoosh only
for the relevance of `q`.

Why: Whoosh's multi-valued facets cost hundreds of milliseconds per query at 20,000 documents
(docs/benchmarks.md); intersecting compressed bitmaps costs microseconds.

A *snapshot* holds, for every published unpaused listing, one position: positions are given in
"most recently updated first" order, so iterating a result bitmap in ascending order already
yields the default ordering and a page is just `result[offset:offset+per_page]`. For every filter
value there is a bitmap of positions (areas, genders, tasks ... DBS levels, flags). A snapshot is
built lazily from the database and reused until the index generation or the data version (bumped
by `index.refresh_pa` and `index.rebuild_pa_index`) changes. The 120-day freshness rule is applied
per query with a bisect over the listings sorted by their confirmation time, since time passes
without writes.

Facet counting (CONTRACT "PA search API", documented in docs/register-search.md): a count is
what a person would get by ticking that option next.
- Any-of parameters (`area`, `gender`): disjunctive. A value's count is the result with every
  other parameter applied and that value added to its own parameter, so ticking Congleton beside
  Macclesfield shows what it adds, never 0 for an unticked area that would add listings.
- `dbs`: a level's count is the listings at exactly that level with every other parameter
  applied (the `dbs` parameter itself left out).
- All-of parameters (tasks, languages, ...) and the yes/no filters (`dbs_checked`, `driving`,
  `non_smoker`, as {"yes": n}): over the whole filtered result, since ticking one narrows it.
Values with no listing are left out (the yes/no counts are always given).

Distance (`postcode`, `within`): each listing sits at its postcode sector's centroid
(pafinder.geo), so a snapshot keeps one bitmap per sector. A query measures from its postcode to
each sector once; `within` is the union of the sectors close enough (less the PAs who said they
will not travel that far), a filter like any other
(facets count with it); with a postcode and no `q`, results come nearest first (sectors in order
of distance, most recently updated first within one sector).
"""

from __future__ import annotations

import bisect
import json
import threading
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pyroaring import BitMap
from sqlalchemy import Engine

from pafinder import geo
from pafinder import search as whoosh_store
from pafinder.db import utcnow
from pafinder.register import index, snapshot_store, store, text_scoring, text_search
from pafinder.register.journey_models import TRAVEL_MILES
from pafinder.register.models import (
    ALL_OF,
    ANY_OF,
    EXTRA_FLAGS,
    FACETS,
    FLAGS,
    HOURS_BANDS,
    SearchParams,
)
from pafinder.register.tables import DBS_LEVELS
from pafinder.settings import Settings

# facet parameter -> position of its column in store.FACET_COLUMNS (lists are JSON text)
_LIST_COLUMNS = {
    "area": 4,
    "language": 5,
    "task": 6,
    "client_group": 7,
    "age_group": 8,
    "availability": 9,
}
# extra yes/no filter -> its column in store.FACET_COLUMNS (hours_wanted is column 14)
_EXTRA_COLUMNS = {"own_car": 15, "live_in": 16, "nights": 17, "emergency_cover": 18}
_POSTCODE_COLUMN = 19
_TRAVEL_COLUMN = 20
_MEASURED_ORIGINS = 256  # distances kept per snapshot for this many searched places
_EMPTY = BitMap()


@dataclass
class Snapshot:
    key: tuple[str | None, str]
    pa_ids: array[int]  # position -> PA id
    values: dict[str, dict[str, BitMap]]  # facet parameter -> slug -> positions
    flags: dict[str, BitMap]  # dbs_checked, driving, non_smoker
    at_least: dict[str, BitMap]  # DBS level -> positions at that level or above
    confirmed: list[datetime]  # confirmation times, ascending
    by_confirmed: array[int]  # positions in the same order as `confirmed`
    everyone: BitMap
    hours: dict[int, BitMap] = field(default_factory=dict)  # band -> wanting at least that
    sectors: dict[str, BitMap] = field(default_factory=dict)  # postcode sector -> positions
    sector_of: list[str | None] = field(default_factory=list)  # position -> its sector
    _fresh: tuple[int, BitMap] | None = None
    _positions: dict[int, int] | None = None
    _miles: dict[geo.Point, dict[str, float]] = field(default_factory=dict)
    _within: dict[tuple[geo.Point, int], BitMap] = field(default_factory=dict)
    _order: dict[geo.Point, list[str]] = field(default_factory=dict)
    located: BitMap = field(default_factory=BitMap)  # positions with a known sector
    # short[k]: positions whose PA will travel less than TRAVEL_MILES[k] (k = 0: nobody)
    short: list[BitMap] = field(default_factory=list)

    def miles(self, origin: geo.Point) -> dict[str, float]:
        """Sector -> miles from ``origin``, for every sector some listing is in."""
        measured = self._miles.get(origin)
        if measured is None:
            points = geo.table().sectors
            measured = {s: geo.miles(origin, points[s]) for s in self.sectors}
            if len(self._miles) >= _MEASURED_ORIGINS:
                self._miles.clear()
                self._within.clear()
                self._order.clear()
            self._miles[origin] = measured
        return measured

    def within(self, origin: geo.Point, radius: int) -> BitMap:
        """Positions in the sectors at most ``radius`` miles from ``origin``."""
        key = (origin, radius)
        found = self._within.get(key)
        if found is None:
            near = []
            for sector, miles in self.miles(origin).items():
                if miles <= radius:
                    # Less those who said they will not travel this far.
                    too_far = self.short[bisect.bisect_left(TRAVEL_MILES, miles)]
                    near.append(self.sectors[sector] - too_far)
            found = self._within[key] = BitMap.union(_EMPTY, *near)
        return found

    def nearest_first(
        self, origin: geo.Point, result: BitMap, offset: int, size: int, radius: int | None
    ) -> list[int]:
        """One page of ``result`` ordered by distance from ``origin`` (within ``radius`` when
        given, as ``result`` already is); listings whose postcode is not in the table come
        last, most recently updated first."""
        miles = self.miles(origin)
        order = self._order.get(origin)
        if order is None:
            order = self._order[origin] = sorted(miles, key=lambda s: (miles[s], s))
        page: list[int] = []
        skipped = 0
        for sector in order:
            if radius is not None and miles[sector] > radius:
                break  # nothing further is in the result
            bitmap = self.sectors[sector]
            n = result.intersection_cardinality(bitmap)
            if skipped + n <= offset:
                skipped += n
                continue
            start = max(0, offset - skipped)
            page.extend((result & bitmap)[start : start + size - len(page)])
            skipped += n
            if len(page) >= size:
                return page
        if radius is not None:
            return page
        rest = result - self.located
        start = max(0, offset - skipped)
        page.extend(rest[start : start + size - len(page)])
        return page

    def positions(self) -> dict[int, int]:
        """PA id -> position (built on the first text search of this snapshot)."""
        if self._positions is None:
            self._positions = {pa_id: pos for pos, pa_id in enumerate(self.pa_ids)}
        return self._positions

    def fresh(self, now: datetime) -> BitMap:
        """Positions confirmed within the freshness window (cached until one more expires)."""
        stale = bisect.bisect_left(self.confirmed, store.fresh_cutoff(now))
        cached = self._fresh
        if cached is not None and cached[0] == stale:
            return cached[1]
        fresh = self.everyone - BitMap(self.by_confirmed[:stale]) if stale else self.everyone
        self._fresh = (stale, fresh)
        return fresh


def build_snapshot(engine: Engine, key: tuple[str | None, str]) -> Snapshot:
    ids: array[int] = array("q")
    confirmed: list[tuple[datetime, int]] = []
    raw: dict[str, dict[str, list[int]]] = {name: {} for name in FACETS}
    flags: dict[str, list[int]] = {
        name: [] for name in ("dbs_checked", "driving", "non_smoker", *EXTRA_FLAGS)
    }
    hours: dict[int, list[int]] = {band: [] for band in HOURS_BANDS}
    sectors: dict[str, list[int]] = {}
    sector_of: list[str | None] = []
    travel: dict[int, list[int]] = {m: [] for m in TRAVEL_MILES}
    known = geo.table().sectors
    loads = json.loads
    for pos, row in enumerate(store.facet_rows(engine)):
        ids.append(row[0])
        confirmed.append((row[2], pos))
        if row[3]:
            raw["gender"].setdefault(row[3], []).append(pos)
        for name, col in _LIST_COLUMNS.items():
            bucket = raw[name]
            for slug in loads(row[col]):
                bucket.setdefault(slug, []).append(pos)
        raw["dbs"].setdefault(row[10], []).append(pos)
        if row[11]:
            flags["dbs_checked"].append(pos)
        if row[12]:
            flags["driving"].append(pos)
        if not row[13]:
            flags["non_smoker"].append(pos)
        for name, col in _EXTRA_COLUMNS.items():
            if row[col]:
                flags[name].append(pos)
        for band in HOURS_BANDS:
            if row[14] is not None and row[14] >= band:
                hours[band].append(pos)
        sector = geo.sector_of(row[_POSTCODE_COLUMN])
        if sector not in known:
            sector = None  # a postcode the table does not know: no distance, never "near"
        sector_of.append(sector)
        if sector is not None:
            sectors.setdefault(sector, []).append(pos)
        if row[_TRAVEL_COLUMN] in travel:
            travel[row[_TRAVEL_COLUMN]].append(pos)
    values = {name: {slug: BitMap(p) for slug, p in slugs.items()} for name, slugs in raw.items()}
    at_least = {}
    for i, level in enumerate(DBS_LEVELS):
        at_least[level] = BitMap.union(
            _EMPTY, *(values["dbs"].get(lv, _EMPTY) for lv in DBS_LEVELS[i:])
        )
    confirmed.sort()
    return Snapshot(
        key=key,
        pa_ids=ids,
        values=values,
        flags={name: BitMap(p) for name, p in flags.items()},
        at_least=at_least,
        confirmed=[c for c, _ in confirmed],
        by_confirmed=array("I", (p for _, p in confirmed)),
        everyone=BitMap(range(len(ids))),
        hours={band: BitMap(p) for band, p in hours.items()},
        sectors={sector: BitMap(p) for sector, p in sectors.items()},
        sector_of=sector_of,
        located=BitMap(p for positions in sectors.values() for p in positions),
        short=[
            BitMap.union(_EMPTY, *(BitMap(travel[m]) for m in TRAVEL_MILES[:k]))
            for k in range(len(TRAVEL_MILES) + 1)
        ],
    )


def _load_or_build(engine: Engine, settings: Settings, key: tuple[str | None, str]) -> Snapshot:
    """The snapshot saved beside the index for this key, or a new one built and saved there
    (register/snapshot_store.py): a starting worker loads what another built. One process
    builds at a time; the others wait for it and load its file."""
    with snapshot_store.building(settings):
        snap = snapshot_store.load(settings, key)
        if snap is None:
            snap = build_snapshot(engine, key)
            snapshot_store.save(settings, snap)
        return snap


class _Cache:
    """One snapshot per (database, index dir), rebuilt when its key changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.snapshots: dict[tuple[str, str], Snapshot] = {}
        self.texts: dict[tuple[str, str], text_search.TextIndex] = {}

    def snapshot(self, engine: Engine, settings: Settings) -> Snapshot:
        where = (settings.database_url, str(settings.index_dir))
        key = (
            whoosh_store.current_generation(settings.index_dir, index.PAS),
            index.data_version(settings.index_dir),
        )
        snap = self.snapshots.get(where)
        if snap is not None and snap.key == key:
            return snap
        with self.lock:  # one rebuild at a time; the others wait and reuse it
            snap = self.snapshots.get(where)
            if snap is None or snap.key != key:
                snap = _load_or_build(engine, settings, key)
                if len(self.snapshots) > 8:  # tests create many portals in one process
                    self.snapshots.clear()
                self.snapshots[where] = snap
            return snap

    def invalidate(self) -> None:
        with self.lock:
            self.snapshots.clear()
            self.texts.clear()  # their matches are keyed on the snapshots' keys

    def text_hits(self, settings: Settings, snap: Snapshot, q: str) -> text_search.Matches:
        """The listings matching `q` in relevance order (cached: see register.text_search)."""
        where = (settings.database_url, str(settings.index_dir))
        with self.lock:
            text = self.texts.get(where)
            if text is None:
                if len(self.texts) > 8:  # tests create many portals in one process
                    self.texts.clear()
                text = self.texts[where] = text_search.TextIndex()
        return text.matches(settings, snap.key, snap.positions, q, _scored_hits)


def _scored_hits(searcher: Any, query: Any) -> list[tuple[float, int]]:
    """(score, docnum) of every document matching ``query``: Whoosh's BM25F, unlimited (read a
    block at a time where text_scoring can, else by Whoosh itself; the same scores)."""
    hits = text_scoring.scored_hits(searcher, query)
    if hits is None:
        hits = list(searcher.search(query, limit=None).top_n)
    return hits


CACHE = _Cache()


@dataclass(frozen=True)
class SearchResult:
    total: int
    page: int
    per_page: int
    ids: list[int]  # PA ids of this page, in order
    facets: dict[str, dict[str, int]]
    # The page's counts for the filters beyond the CONTRACT's (not in the API answer):
    # EXTRA_FLAGS as {"yes": n}, and "hours" as {band: n} counted like `dbs`.
    extra_facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # With a postcode: miles to each listing of the page (None: its postcode is not known).
    distances: list[float | None] | None = None


def _filtered(
    snap: Snapshot, params: SearchParams, now: datetime, leave_out: str | None = None
) -> BitMap:
    """The listings the filters find; ``leave_out`` names one parameter not applied (the base
    of a disjunctive facet count)."""
    result = snap.fresh(now)
    for name, slugs in params.any_of.items():
        if name == leave_out:
            continue
        bitmaps = [snap.values[name].get(s, _EMPTY) for s in slugs]
        result = result & BitMap.union(_EMPTY, *bitmaps)
    for name, slugs in params.all_of.items():
        for slug in slugs:
            result = result & snap.values[name].get(slug, _EMPTY)
    if params.dbs and leave_out != "dbs":
        result = result & snap.at_least[params.dbs]
    if params.hours and leave_out != "hours":
        result = result & snap.hours[params.hours]
    for flag in sorted(params.flags):
        result = result & snap.flags[flag]
    if params.within and params.origin is not None:
        result = result & snap.within(params.origin, params.within)
    return result


def _text_matches(settings: Settings, snap: Snapshot, q: str) -> list[int]:
    """Positions of the listings matching q, by relevance (ties: most recently updated first)."""
    return list(CACHE.text_hits(settings, snap, q).ordered)


def _counts(base: BitMap, bitmaps: dict[str, BitMap]) -> dict[str, int]:
    """For each slug, how many of ``base`` have it (zeros left out)."""
    counts = {}
    for slug, bitmap in bitmaps.items():
        n = base.intersection_cardinality(bitmap)
        if n:
            counts[slug] = n
    return counts


def _added_counts(base: BitMap, bitmaps: dict[str, BitMap], chosen: BitMap) -> dict[str, int]:
    """For each slug some of ``base`` have: how many of ``base`` are in ``chosen`` or have
    the slug (what ticking it next would show)."""
    already = base & chosen
    counts = {}
    for slug, bitmap in bitmaps.items():
        holding = base.intersection_cardinality(bitmap)
        if holding:
            counts[slug] = len(already) + holding - already.intersection_cardinality(bitmap)
    return counts


def facet_counts(
    snap: Snapshot,
    params: SearchParams,
    now: datetime,
    result: BitMap,
    text: BitMap | None = None,
) -> dict[str, dict[str, int]]:
    """Every facet's counts (the rules are in the module docstring). ``result`` is the search's
    result; ``text`` the listings matching `q`, when there is one."""
    facets: dict[str, dict[str, int]] = {}
    for name in FACETS:
        if name in ANY_OF and params.any_of.get(name):
            base = _filtered(snap, params, now, leave_out=name)
            if text is not None:
                base = base & text
            chosen = [snap.values[name].get(s, _EMPTY) for s in params.any_of[name]]
            facets[name] = _added_counts(base, snap.values[name], BitMap.union(_EMPTY, *chosen))
        elif name == "dbs" and params.dbs:
            base = _filtered(snap, params, now, leave_out="dbs")
            if text is not None:
                base = base & text
            facets[name] = _counts(base, snap.values[name])
        else:
            facets[name] = _counts(result, snap.values[name])
    for flag in FLAGS:
        facets[flag] = {"yes": result.intersection_cardinality(snap.flags[flag])}
    return facets


def extra_facet_counts(
    snap: Snapshot, params: SearchParams, now: datetime, result: BitMap, text: BitMap | None
) -> dict[str, dict[str, int]]:
    """Counts for EXTRA_FLAGS (over the result, as the CONTRACT's yes/no filters) and the hours
    bands (as `dbs`: every other filter applied, the hours filter itself left out)."""
    extras = {f: {"yes": result.intersection_cardinality(snap.flags[f])} for f in EXTRA_FLAGS}
    base = result
    if params.hours:
        base = _filtered(snap, params, now, leave_out="hours")
        if text is not None:
            base = base & text
    extras["hours"] = {str(b): base.intersection_cardinality(snap.hours[b]) for b in HOURS_BANDS}
    return extras


def search(
    engine: Engine, settings: Settings, params: SearchParams, now: datetime | None = None
) -> SearchResult:
    """Run a search: total, the PA ids of the requested page and every facet's counts."""
    now = now or utcnow()
    snap = CACHE.snapshot(engine, settings)
    result = _filtered(snap, params, now)
    offset = (params.page - 1) * params.per_page
    text: BitMap | None = None
    if params.q:
        matches = CACHE.text_hits(settings, snap, params.q)
        text = matches.found
        result = result & text
        positions = text_search.page(matches, result, offset, params.per_page)
    elif params.origin is not None:
        positions = snap.nearest_first(
            params.origin, result, offset, params.per_page, params.within
        )
    else:
        positions = list(result[offset : offset + params.per_page]) if offset < len(result) else []
    distances = None
    if params.origin is not None:
        miles = snap.miles(params.origin)
        sectors = (snap.sector_of[p] for p in positions)
        distances = [round(miles[s], 1) if s is not None else None for s in sectors]
    return SearchResult(
        total=len(result),
        page=params.page,
        per_page=params.per_page,
        ids=[snap.pa_ids[p] for p in positions],
        facets=facet_counts(snap, params, now, result, text),
        extra_facets=extra_facet_counts(snap, params, now, result, text),
        distances=distances,
    )


class Counter:
    """Counts for many variants of one search (the 'remove this filter to see N' suggestions):
    one snapshot, one clock and at most one text search, however many counts are asked for.
    Every count is then a few bitmap intersections."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.settings = settings
        self.snap = CACHE.snapshot(engine, settings)
        self.now = utcnow()
        self._text: dict[str, BitMap] = {}

    def count(self, params: SearchParams) -> int:
        """How many listings these parameters find."""
        result = _filtered(self.snap, params, self.now)
        if not params.q:
            return len(result)
        text = self._text.get(params.q)
        if text is None:
            text = self._text[params.q] = CACHE.text_hits(self.settings, self.snap, params.q).found
        return result.intersection_cardinality(text)


def count(engine: Engine, settings: Settings, params: SearchParams) -> int:
    """How many listings these parameters find."""
    return Counter(engine, settings).count(params)


__all__ = ["ALL_OF", "ANY_OF", "CACHE", "Counter", "SearchResult", "count", "search"]
