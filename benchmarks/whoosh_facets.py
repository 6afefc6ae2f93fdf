"""The baseline: the same three-filter query with Whoosh's own multi-valued facets
(`FieldFacet(allow_overlap=True)`) over a Whoosh index holding the facet fields."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, Schema
from whoosh.query import And, Every, Or, Term
from whoosh.sorting import FieldFacet

from benchmarks.portal import percentile
from pafinder.register import store
from pafinder.register.tables import DBS_LEVELS

LISTS = {"area": 4, "language": 5, "task": 6, "client_group": 7, "age_group": 8,
         "availability": 9}  # fmt: skip
FACETS = ["area", "gender", "task", "client_group", "age_group", "language", "availability", "dbs"]


def whoosh_baseline(engine: Engine, path: Path, qs: list[list[tuple[str, str]]]) -> dict[str, Any]:
    schema = Schema(
        id=ID(stored=True),
        gender=ID(sortable=True),
        dbs=ID(sortable=True),
        **{name: KEYWORD(commas=True) for name in LISTS},
    )
    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), schema)
    start = time.perf_counter()
    with ix.writer(limitmb=128) as writer:
        for row in store.facet_rows(engine):
            doc = {name: ",".join(json.loads(row[col])) for name, col in LISTS.items()}
            writer.add_document(id=str(row[0]), gender=row[3] or "none", dbs=row[10], **doc)
    index_s = time.perf_counter() - start
    times = []
    with ix.searcher() as searcher:
        facets = [FieldFacet(name, allow_overlap=True) for name in FACETS]
        for params in qs[:15]:
            given = dict(params)
            level = DBS_LEVELS.index(given["dbs"])
            query = And([
                Term("area", given["area"]), Term("task", given["task"]),
                Or([Term("dbs", lv) for lv in DBS_LEVELS[level:]]),
            ])  # fmt: skip
            t0 = time.perf_counter()
            results = searcher.search(Every() & query, limit=20, groupedby=facets)
            for name in FACETS:
                {k: len(v) for k, v in results.groups(name).items()}
            times.append(time.perf_counter() - t0)
    return {
        "whoosh_index_s": index_s,
        "whoosh_p50_ms": 1000 * percentile(times, 50),
        "whoosh_p95_ms": 1000 * percentile(times, 95),
    }
