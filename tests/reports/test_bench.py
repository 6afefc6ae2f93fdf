"""The return's benchmark runs end to end (seed, in-process builds, the command as a
subprocess, the baselines), so `make bench` cannot rot between runs; and the command it times
answers with the same figures as the in-process build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_quick_report_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--referrals", "400", "--baseline-referrals", "200",
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (result,) = json.loads(out.read_text())  # --referrals alone: the return only
    assert result["benchmark"] == "report"
    assert result["referrals"] == 400 and result["main_held"]["referrals"] == 400
    assert result["main_held"]["refused"] > 0 and result["main_held"]["waiting"] > 0
    for key in ("main_build_median_s", "baseline_build_median_s", "count_median_s",
                "command_median_s", "floor_median_s"):  # fmt: skip
        assert result[key] > 0, key
    total = result["build_referrals_total"]
    assert isinstance(total, int) and total >= 5  # a quarter of 400: shown, not suppressed
    assert result["command_referrals_total"] == total
    assert "| `returns.build` at 400 referrals, best / median of 5 |" in done.stdout
