"""One size, in its own process (so its peak RSS is its own): seed N listings, reindex with a
progress bar, then time /api/pas in-process. Prints one JSON line on stdout.

    python -m benchmarks.scale N BASE_DIR [--baseline]
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from starlette.testclient import TestClient

from benchmarks.portal import percentile, queries, settings_for
from pafinder.db import make_engine, migrate
from pafinder.register import index, search, seed
from pafinder.register.models import parse_search_params


def bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)  # fmt: skip


def main(count: int, base: Path, baseline: bool) -> dict[str, Any]:
    console = Console(stderr=True)
    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    migrate(engine)
    out: dict[str, Any] = {"docs": count}
    start = time.perf_counter()
    with bar(console) as progress:
        task = progress.add_task(f"Seeding {count:,} listings", total=2 * count)
        seed.seed_pas(
            engine, settings, count, 1, lambda n, t: progress.update(task, completed=n, total=t)
        )
    out["seed_and_index_s"] = time.perf_counter() - start
    start = time.perf_counter()
    with bar(console) as progress:
        task = progress.add_task(f"Reindexing {count:,} listings", total=count)
        index.rebuild_pa_index(
            engine, settings, lambda n, t: progress.update(task, completed=n, total=t)
        )
    out["reindex_s"] = time.perf_counter() - start

    from pafinder.app import create_app

    app = create_app(settings)
    content = app.state.content
    qs = queries()
    start = time.perf_counter()
    search.CACHE.snapshot(engine, settings)
    out["bitmaps_build_s"] = time.perf_counter() - start
    direct, api = [], []
    with TestClient(app) as client:
        for q in qs[:10]:  # warm
            client.get("/api/pas", params=q)
        for _ in range(3):
            for q in qs:
                t0 = time.perf_counter()
                search.search(engine, settings, parse_search_params(q, content))
                direct.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                response = client.get("/api/pas", params=q)
                api.append(time.perf_counter() - t0)
                assert response.status_code == 200 and len(response.json()["facets"]) == 11
    # Distance (issue 13): the same three-filter queries with a postcode and a radius, against
    # the same queries without, in the same process (the seed's PAs live in CW postcodes).
    near, far = [], []
    places = ["CW1 2AB", "CW5 5AA", "CW11 1AA", "CW12 1AB", "CW4 7AA"]
    for _ in range(3):
        for i, q in enumerate(qs):
            with_distance = [*q, ("postcode", places[i % len(places)]), ("within", "5")]
            for params, times in ((q, far), (with_distance, near)):
                t0 = time.perf_counter()
                search.search(engine, settings, parse_search_params(params, content))
                times.append(time.perf_counter() - t0)
    out["distance_p95_ms"] = 1000 * percentile(near, 95)
    out["same_without_distance_p95_ms"] = 1000 * percentile(far, 95)
    out["distance_p95_ratio"] = out["distance_p95_ms"] / out["same_without_distance_p95_ms"]
    out["direct_p50_ms"] = 1000 * percentile(direct, 50)
    out["direct_p95_ms"] = 1000 * percentile(direct, 95)
    out["inprocess_p50_ms"] = 1000 * percentile(api, 50)
    out["inprocess_p95_ms"] = 1000 * percentile(api, 95)
    if baseline:
        from benchmarks.whoosh_facets import whoosh_baseline

        console.print(f"Whoosh baseline: indexing {count:,} listings with facet fields")
        out.update(whoosh_baseline(engine, base / "whoosh_facets", qs))
        out["speedup"] = out["whoosh_p50_ms"] / out["direct_p50_ms"]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


if __name__ == "__main__":
    result = main(int(sys.argv[1]), Path(sys.argv[2]), "--baseline" in sys.argv)
    print(json.dumps(result))
