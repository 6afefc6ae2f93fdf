"""The benchmark's quick path runs end to end (seed, reindex, in-process and HTTP latency, the
Whoosh facets baseline), so `make bench` cannot rot between runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_quick_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--docs", "300", "--baseline-docs", "300",
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (result,) = json.loads(out.read_text())
    assert result["docs"] == 300
    for key in ("reindex_s", "direct_p95_ms", "inprocess_p95_ms", "http_p95_ms", "whoosh_p50_ms",
                "speedup", "peak_rss_mb", "server_peak_rss_mb"):  # fmt: skip
        assert result[key] > 0, key
    assert "| 300 |" in done.stdout
