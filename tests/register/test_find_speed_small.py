"""Small runs of issue 16's page benchmarks (benchmarks.find_page, benchmarks.cold_start), so
`make bench` cannot rot between runs. They assert answers, never timings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from benchmarks import __main__ as bench
from benchmarks import cold_start, find_page
from benchmarks.portal import settings_for

from pafinder.register import snapshot_store


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page-bench")
    find_page.prepare(150, folder)
    return folder


def test_the_find_page_benchmark_measures_the_page_and_its_baselines(base: Path) -> None:
    result = find_page.main([str(150), str(base), "--rounds", "1", "--seconds", "0.3",
                             "--clients", "2"])  # fmt: skip
    assert result["docs"] == 150 and result["benchmark"] == "find_page"
    for kind in ("find_page", "api_pas", "static"):
        assert result[f"{kind}_p50_ms"] > 0 and result[f"{kind}_p95_ms"] > 0, kind
        assert result[f"{kind}_rps"] > 0, kind
    for ratio in ("find_page_p95_over_api", "find_page_rps_over_api", "find_page_p95_over_static"):
        assert math.isfinite(result[ratio]) and result[ratio] > 0, ratio
    assert "| find_page_rps |" in bench.page_table(result)


def test_preparing_a_seeded_folder_again_adds_nothing(base: Path) -> None:
    from pafinder.db import make_engine
    from pafinder.register import store

    engine = make_engine(settings_for(base).database_url)
    before = store.count_searchable(engine)
    find_page.prepare(150, base)
    assert store.count_searchable(engine) == before > 0


def test_the_cold_start_benchmark_builds_then_loads_the_snapshot(base: Path) -> None:
    result = cold_start.main([str(150), str(base), "--starts", "1"])
    assert result["benchmark"] == "cold_start"
    for mode in ("built", "loaded"):
        assert 0 < result[f"{mode}_healthz_s"] <= result[f"{mode}_first_answer_s"], mode
        assert result[f"{mode}_worst_other_ms"] > 0, mode
    assert result["snapshot_file_mb"] > 0
    assert snapshot_store.path(settings_for(base)).is_file()
