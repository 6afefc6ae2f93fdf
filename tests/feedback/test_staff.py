"""Staff results: per statement how many answered and the percent who agreed against the 75%
target, small counts as "fewer than 5", comments escaped and newest first, paged; the period
chosen (this quarter by default) said on the page; per-service access with an audit row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from pafinder.app import create_app
from pafinder.db import make_engine, utcnow
from pafinder.feedback import results
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date
from tests.conftest import PageClient, add_staff, sign_in
from tests.feedback.helpers import add_responses, send


def _today() -> date:
    return london_date(utcnow())


def _card(page: str, statement_id: str) -> str:
    match = re.search(rf'<li id="statement-{statement_id}">(.*?)</li>', page, re.S)
    assert match, statement_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def admin(fb_settings: Settings) -> Iterator[PageClient]:
    add_staff(fb_settings, "admin@example.org", role="admin")
    with PageClient(create_app(fb_settings), base_url="http://127.0.0.1") as client:
        sign_in(client, "admin@example.org")
        yield client


def test_the_figures_percent_and_target_for_this_quarter(
    fb_settings: Settings, admin: PageClient
) -> None:
    today = _today()
    start, end = results.quarter(today)
    # less-alone: 8 of 10 agree (80%, meets); time-for-myself: 3 of 7 (43%, below);
    # ready-for-emergency: 3 answers (fewer than 5, no percent); the others: no answers.
    add_responses(
        fb_settings, "carers", start, {"less-alone": "agree", "time-for-myself": "agree"}, n=3
    )
    add_responses(
        fb_settings, "carers", today, {"less-alone": "agree", "time-for-myself": "neither"}, n=3
    )
    add_responses(
        fb_settings, "carers", today, {"less-alone": "agree", "ready-for-emergency": "agree"}, n=2
    )
    add_responses(
        fb_settings, "carers", today, {"less-alone": "disagree", "time-for-myself": "disagree"}
    )
    add_responses(
        fb_settings, "carers", today, {"less-alone": "disagree", "ready-for-emergency": "neither"}
    )
    # Outside the quarter, and another service: not counted.
    add_responses(fb_settings, "carers", start - timedelta(days=1), {"less-alone": "disagree"}, n=5)
    add_responses(fb_settings, "mentoring", today, {"listened-to": "agree"}, n=5)

    response = admin.get("/staff/feedback/carers")
    assert response.status_code == 200
    page = response.text
    quarter_name = f"{start:%B} to {end:%B %Y}"
    assert f"Showing feedback given this quarter, {quarter_name}" in page
    assert '<strong id="responses">10</strong>' in page
    assert _card(page, "less-alone") == (
        "I feel less alone, because I can talk to other carers. "
        "Answered 10 Agreed 80% Target Meets the 75% target"
    )
    assert _card(page, "time-for-myself") == (
        "I feel I get a break and some time for myself. "
        "Answered 7 Agreed 43% Target Below the 75% target"
    )
    assert _card(page, "ready-for-emergency") == (
        "I feel more ready for an emergency. "
        "Answered fewer than 5 Agreed Not shown Target Too few answers to compare"
    )
    assert _card(page, "information-i-need").endswith(
        "Answered None Agreed No answers Target No answers"
    )
    assert "govuk-tag--green" in page and "govuk-tag--red" in page

    previous = admin.get(
        f"/staff/feedback/carers?from={start - timedelta(days=1)}&to={start - timedelta(days=1)}"
    ).text
    assert '<strong id="responses">5</strong>' in previous
    assert "Answered 5 Agreed 0% Target Below the 75% target" in _card(previous, "less-alone")
    day = start - timedelta(days=1)
    assert f"Showing feedback given {day.day} {day:%B %Y} to {day.day} {day:%B %Y}" in previous


def test_the_target_counts_the_rounded_percent_shown(
    fb_settings: Settings, admin: PageClient
) -> None:
    today = _today()
    add_responses(fb_settings, "carers", today, {"less-alone": "agree"}, n=3)
    add_responses(fb_settings, "carers", today, {"less-alone": "disagree"}, n=1)
    add_responses(fb_settings, "carers", today, {"less-alone": "neither"}, n=0)
    page = admin.get("/staff/feedback/carers").text
    assert "Answered fewer than 5" in _card(page, "less-alone"), "4 answers"
    add_responses(fb_settings, "carers", today, {"less-alone": "neither"}, n=1)
    page = admin.get("/staff/feedback/carers").text
    assert "Answered 5 Agreed 60% Target Below the 75% target" in _card(page, "less-alone")
    add_responses(fb_settings, "carers", today, {"less-alone": "agree"}, n=3)
    page = admin.get("/staff/feedback/carers").text  # 6 of 8 = 75%
    assert "Answered 8 Agreed 75% Target Meets the 75% target" in _card(page, "less-alone")


def test_comments_are_escaped_newest_first_and_paged(
    fb_settings: Settings, admin: PageClient
) -> None:
    start, _ = results.quarter(_today())
    for n in range(25):
        add_responses(fb_settings, "carers", start, {}, comment=f"Comment number {n:02d}")
    sent = send(admin, fb_settings, "carers", {"comment": "<script>alert('x')</script> 😀 ok"})
    assert sent.status_code == 303
    first = admin.get("/staff/feedback/carers").text
    assert "<script>alert" not in first
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 😀 ok" in first
    assert "26 comments, newest first: showing 1 to 20" in first
    numbers = re.findall(r"Comment number (\d\d)", first)
    assert numbers == [f"{n:02d}" for n in range(24, 5, -1)], "newest first, today's first"
    assert first.index("&lt;script&gt;") < first.index("Comment number 24")
    second = admin.get("/staff/feedback/carers?page=2").text
    assert re.findall(r"Comment number (\d\d)", second) == ["05", "04", "03", "02", "01", "00"]
    assert "showing 21 to 26" in second
    assert admin.get("/staff/feedback/carers?page=99").status_code == 200, "the last page"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30", "Date from must be a real date"),
        ("to=31/12/2026", "Date to must be a real date"),
        ("from=9999-12-31", "Date from must be a real date"),
        ("from=2026-12-01&to=2026-11-01", "Date to must be the same as or after date from"),
        ("from=2026-10-01&from=2026-11-01", "Enter only one date"),
        ("page=%C2%B2", "The page number must be a whole number"),
        ("page=0", "The page number must be a whole number"),
        ("from=<script>", "Date from must be a real date"),
    ],
)
def test_a_bad_period_is_a_400_with_a_message(admin: PageClient, query: str, message: str) -> None:
    response = admin.get(f"/staff/feedback/carers?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert "<script>" not in response.text.split("</header>", 1)[1].split("<footer", 1)[0]


def test_one_date_fills_the_other_from_its_quarter(admin: PageClient) -> None:
    page = admin.get("/staff/feedback/carers?from=2026-05-10").text
    assert "Showing feedback given 10 May 2026 to 30 June 2026" in page
    page = admin.get("/staff/feedback/carers?to=2026-03-31").text
    assert "Showing feedback given the quarter January to March 2026" in page


def test_every_view_is_audited_with_its_period(fb_settings: Settings, admin: PageClient) -> None:
    admin.get("/staff/feedback/carers?from=2026-04-01&to=2026-06-30")
    engine = make_engine(fb_settings.database_url)
    [entry] = [e for e in staff_store.recent_audit(engine, 50) if e["action"] == "feedback.viewed"]
    assert entry["subject_type"] == "service" and entry["subject_id"] == "carers"
    assert "2026-04-01" in str(entry["detail"]) and "2026-06-30" in str(entry["detail"])


def test_a_member_sees_only_the_services_they_work_on(fb_settings: Settings) -> None:
    add_staff(fb_settings, "carers@example.org", services=("carers",))
    engine = make_engine(fb_settings.database_url)
    with PageClient(create_app(fb_settings), base_url="http://127.0.0.1") as client:
        sign_in(client, "carers@example.org")
        home = client.get("/staff/").text
        assert 'href="/staff/feedback"' in home
        listing = client.get("/staff/feedback").text
        assert 'href="/staff/feedback/carers"' in listing
        assert "/staff/feedback/mentoring" not in listing
        assert client.get("/staff/feedback/carers").status_code == 200
        refused = client.get("/staff/feedback/mentoring")
        assert refused.status_code == 403
        assert client.get("/staff/feedback/no-such-service").status_code == 404
    rows = [e for e in staff_store.recent_audit(engine, 50) if e["action"] == "access.refused"]
    assert [(r["subject_type"], r["subject_id"]) for r in rows] == [("service", "mentoring")]


def test_signed_out_is_sent_to_sign_in(fb_client: PageClient) -> None:
    for path in ("/staff/feedback", "/staff/feedback/carers"):
        response = fb_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/sign-in")
