"""A small run of benchmarks/text_search.py (issue 16) so it cannot rot: it seeds, serves, and
measures every kind it reports. Answers are asserted, never timings (the machine is shared)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from benchmarks import text_search as bench


def test_the_text_search_benchmark_runs_small(tmp_path: Path) -> None:
    result = bench.main(["150", str(tmp_path), "--rounds", "1"])
    json.dumps(result)  # what `python -m benchmarks.text_search` prints
    rows = result["results"]
    for path in ("/api/pas", "/find-a-pa"):
        for kind in bench.kinds():
            row = rows[f"{path} {kind}"]
            assert 0 < row["p50_ms"] <= row["p95_ms"] and row["p95_ratio"] > 0
    assert rows["/api/pas filters only (baseline)"]["p95_ratio"] == 1.0
    assert "/api/pas q first time (cold)" in rows
    for page in (bench.STATIC, "/healthz"):
        assert {f"{page} idle", f"{page} while words are searched", f"{page} delay"} <= set(rows)
    assert rows["searches run meanwhile"]["count"] >= 2
    assert result["before"] is None and result["docs"] == 150


def test_the_benchmark_searches_find_listings(tmp_path: Path) -> None:
    """The words measured are words the seeded listings have (a benchmark of empty answers
    would measure nothing)."""
    bench.seed_if_empty(tmp_path, 150)
    with bench.server(tmp_path) as url:
        for words in bench.WORDS.values():
            if words == bench.RARE:
                continue  # a number in the experience text: not in every small seed
            answer = httpx.get(f"{url}/api/pas", params={"q": words}, timeout=60).json()
            assert answer["total"] > 0, words
        page = httpx.get(f"{url}{bench.STATIC}", timeout=60)
        assert page.status_code == 200 and "static page" in page.text
