"""The Lighthouse benchmark (`benchmarks/lighthouse.py`, run by `make bench`) measures what it
says: its page list covers every kind of public page and each answers as claimed, with no
redirect to another page; and its parser reads a real Lighthouse report (a trimmed one from a
real run, tests/fixtures/lighthouse/home.json: running Lighthouse here would take a minute and
need npm). No timing or score is asserted: those are the bench's to report."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from benchmarks import lighthouse

from pafinder.app import create_app
from pafinder.settings import Settings
from tests.conftest import PageClient

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

REPORT = Path(__file__).resolve().parent / "fixtures" / "lighthouse" / "home.json"


@pytest.fixture
def demo_client(real_site: Settings) -> Iterator[PageClient]:
    # Its own client (not the session's real_client): finding the question pages starts drafts.
    with PageClient(create_app(real_site), base_url="http://127.0.0.1") as c:
        yield c


def test_page_list_covers_every_page_kind(demo_client: PageClient) -> None:
    pages = lighthouse.page_list(demo_client)
    names = [p.name for p in pages]
    assert len(set(names)) == len(names)
    for kind in ("home", "find a PA", "find a PA, 3 filters", "PA profile", "site search",
                 "events", "one event", "PA register start", "advice page", "staff sign-in",
                 "not found"):  # fmt: skip
        assert kind in names, kind
    by_name = {p.name: p for p in pages}
    assert by_name["find a PA, 3 filters"].path.count("=") == 3
    assert by_name["not found"].status == 404
    for service in demo_client.get("/api/services").json():
        slug = service["slug"]
        assert by_name[f"refer {slug}: start"].path == f"/refer/{slug}"
        assert by_name[f"refer {slug}: questions"].path == f"/refer/{slug}/questions-1"
        assert by_name[f"refer {slug}: questions"].cookie  # the draft's session


def test_each_page_answers_as_claimed_without_a_redirect(
    real_site: Settings, demo_client: PageClient
) -> None:
    pages = lighthouse.page_list(demo_client)
    # A fresh client with only each page's own cookie, as Lighthouse sends it.
    with PageClient(create_app(real_site), base_url="http://127.0.0.1") as fresh:
        for page in pages:
            fresh.cookies.clear()
            headers = {"Cookie": page.cookie} if page.cookie else {}
            response = fresh.get(page.path, headers=headers, follow_redirects=False)
            assert response.status_code == page.status, page
            assert response.headers["content-type"].startswith("text/html"), page
            if page.cookie:  # a question page of its own, not the start page again
                fresh.cookies.clear()
                start = fresh.get(page.path.rsplit("/", 1)[0], follow_redirects=False)
                assert _h1(response.text) != _h1(start.text), page


def _h1(html: str) -> str:
    return html.partition("<h1")[2].partition("</h1>")[0]


def _report() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REPORT.read_text())
    return loaded


def test_parser_reads_a_real_report() -> None:
    report = _report()
    assert report["lighthouseVersion"] == lighthouse.LIGHTHOUSE_VERSION
    # The mobile preset, simulated throttling: what the bench promises to measure.
    assert report["configSettings"]["formFactor"] == "mobile"
    assert report["configSettings"]["throttlingMethod"] == "simulate"
    result = lighthouse.parse("home", "/", report)
    assert result.error is None
    assert isinstance(result.performance, int) and 0 <= result.performance <= 100
    assert isinstance(result.accessibility, int) and 0 <= result.accessibility <= 100
    for value in (result.fcp_ms, result.lcp_ms, result.tbt_ms, result.cls):
        assert isinstance(value, float) and value >= 0
    # The audits that lost points are named by Lighthouse's titles, each cause once.
    assert result.why and all(isinstance(w, str) and w for w in result.why)
    assert len(set(result.why)) == len(result.why)
    assert lighthouse.passed(result) == (result.performance >= lighthouse.TARGET)


def test_a_redirect_or_an_error_fails_the_page() -> None:
    redirected = copy.deepcopy(_report())
    redirected["finalDisplayedUrl"] = redirected["requestedUrl"] + "elsewhere"
    result = lighthouse.parse("home", "/", redirected)
    assert result.error and "redirected" in result.error
    assert not lighthouse.passed(result)
    failed = lighthouse.parse("home", "/", {"runtimeError": {"message": "NO_FCP"}})
    assert failed.performance is None and failed.error == "NO_FCP"
    assert not lighthouse.passed(failed)


def test_table_names_each_page_and_what_fails() -> None:
    good = lighthouse.parse("home", "/find-a-pa/PA-ABC123", _report())
    bad = lighthouse.parse("events", "/events", {"runtimeError": {"message": "NO_FCP"}})
    record = {
        "lighthouse": lighthouse.LIGHTHOUSE_VERSION,
        "chromium": "Chromium",
        "load_average_before": (0.5, 0.5, 0.5),
        "load_average_after": (1.0, 1.0, 1.0),
        "seconds": 1,
        "pages": [asdict(good), asdict(bad)],
    }
    text = lighthouse.table(record)
    assert "| home | `/find-a-pa/PA-…` |" in text  # the demo's random reference hidden
    assert "| events | `/events` | error |" in text
    assert f"UNDER {lighthouse.TARGET}: events: NO_FCP" in text


def test_the_bench_fails_when_a_page_is_under_target(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import __main__ as bench

    def record(report: dict[str, Any]) -> dict[str, Any]:
        result = lighthouse.parse("home", "/", report)
        return {
            "lighthouse": lighthouse.LIGHTHOUSE_VERSION,
            "chromium": "Chromium",
            "load_average_before": (0.0, 0.0, 0.0),
            "load_average_after": (0.0, 0.0, 0.0),
            "seconds": 1,
            "passed": lighthouse.passed(result),
            "pages": [asdict(result)],
        }

    def not_here(*args: object) -> None:
        raise AssertionError("--lighthouse alone runs only Lighthouse")

    monkeypatch.setattr(bench, "run_size", not_here)
    monkeypatch.setattr(bench, "run_report", not_here)
    under = copy.deepcopy(_report())
    under["categories"]["performance"]["score"] = (lighthouse.TARGET - 1) / 100
    monkeypatch.setattr(lighthouse, "run", lambda: record(under))
    assert bench.main(["--lighthouse"]) == 1
    at = copy.deepcopy(_report())
    at["categories"]["performance"]["score"] = lighthouse.TARGET / 100
    monkeypatch.setattr(lighthouse, "run", lambda: record(at))
    assert bench.main(["--lighthouse"]) == 0
