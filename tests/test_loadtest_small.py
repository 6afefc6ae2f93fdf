"""`make loadtest` kept from rotting: the same code (benchmarks/loadtest.py) for about 3 seconds
on 200 listings with 4 connections, against a real `pafinder serve --workers 2` and Debian's
nginx. Asserts the report's structure: every kind of request present, no 5xx and no other
error, every acknowledged referral and booking stored exactly once, the per-address limits held.
Never a timing: those are the benchmark's to report, on a machine the suite shares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks import loadtest
from benchmarks.loadtest_client import EXPECTED, MIX
from benchmarks.loadtest_servers import NGINX

FIGURES = (
    "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "accepted", "limited", "errors",
)  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assert Path(NGINX).exists(), "nginx is missing: `make system-packages` installs it"
    tmp = tmp_path_factory.mktemp("loadtest")
    out = tmp / "loadtest.json"
    # The markers of docs/benchmarks.md's section, in a copy: the test never writes the docs.
    docs = tmp / "benchmarks.md"
    docs.write_text(f"# Before\n\n{loadtest.START}\nold figures\n{loadtest.END}\n\n# After\n")
    argv = ["--seconds", "3", "--static-seconds", "1", "--listings", "200",
            "--connections", "4", "--processes", "1", "--cache", str(tmp / "cache"),
            "--docs", str(docs), "--out", str(out), "--workdir", str(tmp)]  # fmt: skip
    code = loadtest.main(argv)
    result: dict[str, Any] = json.loads(out.read_text())
    result["exit_code"] = code
    result["docs_text"] = docs.read_text()
    return result


def test_the_run_passes_with_every_kind_present(report: dict[str, Any]) -> None:
    assert report["exit_code"] == 0, json.dumps(report["errors"])
    assert report["passed"] is True
    assert report["missing_kinds"] == []
    mixed = report["phases"]["mixed"]["kinds"]
    # Every kind of the mix, and the form GETs and confirmation a POST comes with.
    for kind in (*MIX, "referral_form", "booking_form", "referral_confirmation"):
        assert kind in mixed, kind
        assert mixed[kind]["requests"] >= 1, kind
        assert set(FIGURES) <= set(mixed[kind]), kind
    assert set(mixed) <= set(EXPECTED)
    for name in ("app_static", "nginx_static"):
        assert list(report["phases"][name]["kinds"]) == ["static"]
        assert report["phases"][name]["kinds"]["static"]["requests"] >= 1


def test_no_5xx_and_no_request_without_an_answer(report: dict[str, Any]) -> None:
    assert report["fivexx"] == 0
    assert report["errors"] == {}
    for phase in report["phases"].values():
        for figures in phase["kinds"].values():
            assert figures["errors"] == {}


def test_every_acknowledged_post_is_stored_exactly_once(report: dict[str, Any]) -> None:
    stored = report["stored"]
    assert stored["ok"] is True
    assert stored["referrals_acknowledged"] >= 1 and stored["bookings_acknowledged"] >= 1
    assert stored["referrals_stored"] == stored["referrals_acknowledged"]
    assert stored["bookings_stored"] == stored["bookings_acknowledged"]
    assert stored["referrals_not_once"] == 0 and stored["bookings_not_once"] == 0
    assert stored["references_unknown"] == 0 and stored["resends_new_record"] == 0


def test_limits_are_checked_against_the_routes_rules(report: dict[str, Any]) -> None:
    limits = report["limits"]
    assert set(limits) == {"referral_post", "booking_post"}
    for figures in limits.values():
        assert figures["rule"] == "60/hour"
        assert figures["accepted"] <= figures["allows"]


def test_figures_go_between_the_markers_only(report: dict[str, Any]) -> None:
    text = report["docs_text"]
    assert text.startswith("# Before\n\n") and text.endswith("\n\n# After\n")
    assert "old figures" not in text
    assert "| mixed | api_pas |" in text and "of nginx" in text and "load average" in text
    assert report["static_ratio"] is not None and report["cores"] >= 1
    assert len(report["load_average"]) == 3


def test_a_sliding_window_allows_at_most_one_window_and_what_slides_out() -> None:
    assert loadtest.allowed("60/hour", 60) == 61
    assert loadtest.allowed("60/hour", 3600) == 120
    assert loadtest.allowed("5/minute", 30) == 8
