"""The staff side of complaints (issue 10, point 2): the list newest first with its filters and
paging, the record page showing what was sent (escaped), the record form with each change and
each view audited, bad values a 400 with nothing recorded, a stale form a 409, and per-service
access (403 with an audit row; general items for everyone); and ``counts`` for the returns."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.complaints import store
from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.staff.audit_view import ACTION_LABELS
from pafinder.workdays import london_date
from tests.complaints.helpers import make_item, portal, rows
from tests.conftest import PageClient, add_staff, sign_in
from tests.referrals.helpers import errors_of, hidden


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = portal(tmp_path)
    add_staff(s, "all@example.org")
    add_staff(s, "carers@example.org", services=("carers",))
    return s


@pytest.fixture(autouse=True)
def _clients() -> Iterator[None]:
    with ExitStack() as stack:
        _OPEN.append(stack)
        yield
        _OPEN.clear()


_OPEN: list[ExitStack] = []


def _client(settings: Settings, email: str) -> PageClient:
    """A signed-in client, closed when the test ends."""
    client = _OPEN[0].enter_context(PageClient(create_app(settings), base_url="http://127.0.0.1"))
    assert sign_in(client, email).status_code == 303
    return client


def _audit(settings: Settings, action: str) -> list[dict[str, Any]]:
    entries = staff_store.recent_audit(make_engine(settings.database_url), 1000)
    return [e for e in entries if e["action"] == action]


def _refs(html: str) -> list[str]:
    return re.findall(r'href="/staff/complaints/(C-[A-Z0-9-]+)"', html)


def test_the_list_is_newest_first_with_filters(settings: Settings) -> None:
    now = utcnow()
    old = make_item(settings, "complaint", "carers", now - timedelta(days=3))
    mid = make_item(settings, "compliment", "mentoring", now - timedelta(days=2))
    new = make_item(settings, "comment", "general", now - timedelta(days=1))
    client = _client(settings, "all@example.org")
    assert _refs(client.get("/staff/complaints").text) == [new, mid, old]
    assert _refs(client.get("/staff/complaints?kind=compliment").text) == [mid]
    assert _refs(client.get("/staff/complaints?service=carers").text) == [old]
    assert _refs(client.get("/staff/complaints?service=general").text) == [new]
    assert _refs(client.get("/staff/complaints?status=closed").text) == []
    assert _refs(client.get("/staff/complaints?status=open").text) == [new, mid, old]
    # Every item is one summary card.
    assert client.get("/staff/complaints").text.count('<li class="app-queue__item">') == 3


@pytest.mark.parametrize(
    "query",
    [
        "kind=rant",
        "service=nowhere",
        "status=maybe",
        "page=0",
        "page=%C2%B2",
        "page=99999999999",
        "kind=complaint&kind=comment",
        "kind=%3Cscript%3Ex",
        "service=" + "x" * 5000,
    ],
)
def test_bad_filters_are_a_400_with_a_message(settings: Settings, query: str) -> None:
    client = _client(settings, "all@example.org")
    response = client.get(f"/staff/complaints?{query}")
    assert response.status_code == 400
    assert errors_of(response.text)
    assert "<script>x" not in response.text


def test_the_list_pages_by_50(settings: Settings) -> None:
    for _ in range(51):
        make_item(settings)
    client = _client(settings, "all@example.org")
    first = client.get("/staff/complaints").text
    assert len(_refs(first)) == 50 and "govuk-pagination" in first
    assert len(_refs(client.get("/staff/complaints?page=2").text)) == 1


def test_the_record_shows_what_was_sent_escaped_and_each_view_is_audited(
    settings: Settings,
) -> None:
    ref = make_item(
        settings,
        details="<script>alert('x')</script> 🙂",
        name="Ada Lovelace",
        email="ada@example.org",
    )
    client = _client(settings, "all@example.org")
    html = client.get(f"/staff/complaints/{ref}").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 🙂" in html
    assert "Ada Lovelace" in html and "ada@example.org" in html
    client.get(f"/staff/complaints/{ref}")
    viewed = _audit(settings, "complaint.viewed")
    assert len(viewed) == 2 and viewed[0]["subject_id"] == ref
    assert client.get("/staff/complaints/C-ZZZZ-ZZZZ").status_code == 404
    assert client.get("/staff/complaints/" + "x" * 3000).status_code == 404


def _post(client: PageClient, ref: str, **data: str) -> Any:
    html = client.get(f"/staff/complaints/{ref}").text
    body = {"csrftoken": hidden(html, "csrftoken"), "version": hidden(html, "version"), **data}
    return client.post(f"/staff/complaints/{ref}", data=body, follow_redirects=False)


def _dates(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def test_recording_what_was_done_is_saved_and_audited(settings: Settings) -> None:
    ref = make_item(settings)
    client = _client(settings, "all@example.org")
    today = london_date(utcnow())
    response = _post(
        client,
        ref,
        theme="waiting_time",
        action_taken="Rang back; apologised.",
        outcome="partly_upheld",
        status="open",
        **_dates("acknowledged_on", today),
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/complaints/{ref}"
    item = store.get(make_engine(settings.database_url), ref)
    assert item is not None
    assert (item.theme, item.outcome, item.acknowledged_on) == (
        "waiting_time",
        "partly_upheld",
        today,
    )
    assert item.action_taken == "Rang back; apologised." and item.version == 2
    [updated] = _audit(settings, "complaint.updated")
    assert json.loads(updated["detail"])["changed"] == [
        "theme",
        "action_taken",
        "outcome",
        "acknowledged_on",
    ]
    assert "apologised" not in str(updated)

    # Closing it: one more audit row naming only what changed.
    response = _post(
        client,
        ref,
        theme="waiting_time",
        action_taken="Rang back; apologised.",
        outcome="partly_upheld",
        status="closed",
        **_dates("acknowledged_on", today),
        **_dates("responded_on", today),
    )
    assert response.status_code == 303
    latest = _audit(settings, "complaint.updated")[0]
    assert json.loads(latest["detail"])["changed"] == ["responded_on", "status"]
    assert "Closed" in client.get("/staff/complaints?status=closed").text
    assert ACTION_LABELS.get("complaint.updated") and ACTION_LABELS.get("complaint.viewed")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"theme": "grumpy"}, "theme", "Select a theme"),
        ({"outcome": "won"}, "outcome", "Select an outcome"),
        ({"status": "maybe"}, "status", "Select open or closed"),
        ({"action_taken": "x" * 5001}, "action_taken", "5,000 characters or fewer"),
        (
            {
                "acknowledged_on-day": "31",
                "acknowledged_on-month": "2",
                "acknowledged_on-year": "2026",
            },
            "acknowledged_on",
            "real date",
        ),
        (
            {"acknowledged_on-day": "1", "acknowledged_on-month": "1"},
            "acknowledged_on",
            "must include a year",
        ),
        (
            {
                "acknowledged_on-day": "1",
                "acknowledged_on-month": "1",
                "acknowledged_on-year": "99999",
            },
            "acknowledged_on",
            "real date",
        ),
        (
            {
                "acknowledged_on-day": "²",
                "acknowledged_on-month": "1",
                "acknowledged_on-year": "2026",
            },
            "acknowledged_on",
            "real date",
        ),
        (
            {"responded_on-day": "1", "responded_on-month": "1", "responded_on-year": "2999"},
            "responded_on",
            "today or in the past",
        ),
        (
            {"responded_on-day": "1", "responded_on-month": "1", "responded_on-year": "2001"},
            "responded_on",
            "on or after the day it was received",
        ),
    ],
)
def test_bad_record_values_are_a_400_and_nothing_recorded(
    settings: Settings, data: dict[str, str], field: str, message: str
) -> None:
    ref = make_item(settings)
    client = _client(settings, "all@example.org")
    response = _post(client, ref, **data)
    assert response.status_code == 400
    assert any(message in e for e in errors_of(response.text)), errors_of(response.text)
    assert f'href="#{field}' in response.text
    item = store.get(make_engine(settings.database_url), ref)
    assert item is not None and item.version == 1
    assert _audit(settings, "complaint.updated") == []


def test_an_outcome_is_for_complaints_only(settings: Settings) -> None:
    ref = make_item(settings, kind="compliment")
    client = _client(settings, "all@example.org")
    assert 'name="outcome"' not in client.get(f"/staff/complaints/{ref}").text
    response = _post(client, ref, outcome="upheld")
    assert response.status_code == 400
    assert any("complaints only" in e for e in errors_of(response.text))


def test_a_stale_or_repeated_form_changes_nothing(settings: Settings) -> None:
    ref = make_item(settings)
    client = _client(settings, "all@example.org")
    html = client.get(f"/staff/complaints/{ref}").text
    body = {"csrftoken": hidden(html, "csrftoken"), "version": "1", "theme": "access"}
    assert (
        client.post(f"/staff/complaints/{ref}", data=body, follow_redirects=False).status_code
        == 303
    )
    again = client.post(
        f"/staff/complaints/{ref}", data={**body, "theme": "other"}, follow_redirects=False
    )
    assert again.status_code == 409
    item = store.get(make_engine(settings.database_url), ref)
    assert item is not None and item.theme == "access"
    assert len(_audit(settings, "complaint.updated")) == 1


def test_another_services_record_and_filter_are_refused(settings: Settings) -> None:
    own = make_item(settings, service="carers")
    other = make_item(settings, service="mentoring")
    general = make_item(settings, service="general")
    client = _client(settings, "carers@example.org")
    assert _refs(client.get("/staff/complaints").text) == [general, own]
    assert client.get("/staff/complaints?service=mentoring").status_code == 403
    assert client.get("/staff/complaints?service=general").status_code == 200
    assert client.get(f"/staff/complaints/{other}").status_code == 403
    assert client.get(f"/staff/complaints/{general}").status_code == 200
    token = hidden(client.get(f"/staff/complaints/{own}").text, "csrftoken")
    refused = client.post(
        f"/staff/complaints/{other}",
        data={"csrftoken": token, "theme": "access"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert len(_audit(settings, "access.refused")) == 3
    item = store.get(make_engine(settings.database_url), other)
    assert item is not None and item.theme == "" and item.version == 1
    assert not [e for e in _audit(settings, "complaint.viewed") if e["subject_id"] == other]


def test_the_staff_home_links_to_the_list(settings: Settings) -> None:
    client = _client(settings, "all@example.org")
    assert 'href="/staff/complaints"' in client.get("/staff/").text


def test_anonymous_requests_go_to_sign_in(settings: Settings) -> None:
    ref = make_item(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        for path in ("/staff/complaints", f"/staff/complaints/{ref}"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/staff/sign-in")


def test_counts_by_london_day_for_the_returns(settings: Settings) -> None:
    # 1 April 2026 00:30 in London is 31 March 23:30 UTC (summer time): it counts in April.
    april_first = datetime(2026, 3, 31, 23, 30)
    make_item(settings, "complaint", "carers", april_first)
    make_item(settings, "complaint", "carers", datetime(2026, 6, 30, 22, 59))  # 23:59 London
    make_item(settings, "complaint", "carers", datetime(2026, 6, 30, 23, 0))  # 1 July London
    make_item(settings, "compliment", "carers", datetime(2026, 5, 1, 12))
    make_item(settings, "comment", "carers", datetime(2026, 5, 1, 12))
    make_item(settings, "complaint", "mentoring", datetime(2026, 5, 1, 12))
    make_item(settings, "complaint", "general", datetime(2026, 5, 1, 12))
    make_item(settings, "complaint", "carers", datetime(2026, 3, 31, 22, 59))  # 31 March
    engine = make_engine(settings.database_url)
    q1 = store.counts(engine, "carers", date(2026, 4, 1), date(2026, 6, 30))
    assert q1 == {"complaints.complaint": 2, "complaints.compliment": 1}
    empty = store.counts(engine, "peer-support-recovery", date(2026, 4, 1), date(2026, 6, 30))
    assert empty == {"complaints.complaint": 0, "complaints.compliment": 0}
    assert store.counts(engine, "mentoring", date(2026, 5, 1), date(2026, 5, 1)) == {
        "complaints.complaint": 1,
        "complaints.compliment": 0,
    }
    assert len(rows(settings)) == 8
