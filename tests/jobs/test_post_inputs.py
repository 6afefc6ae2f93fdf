"""Bad input on 'Post a job': each gets a clear message by the field (400), keeps what was
typed, stores nothing, and never a 500."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings
from tests.jobs.post_helpers import (
    BASE,
    backdate_drafts,
    fill_all,
    job_settings,
    post_step,
    rows,
    send,
    start,
    valid_answers,
)

NASTY = "<script>alert('x')</script> 🎉 Zoë \u202e"


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Settings, PageClient]]:
    s = job_settings(tmp_path)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        start(c)
        yield s, c


def _day(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def refused(response, field: str, words: str) -> None:
    assert response.status_code == 400, response.text[:500]
    assert "There is a problem" in response.text
    assert f'href="#{field}' in response.text
    assert words in response.text, response.text[:5000]


def test_pay_below_the_national_living_wage_is_refused_with_the_rate(portal) -> None:
    settings, client = portal
    hint = client.get(f"{BASE}/pay").text
    assert "£12.71 an hour from 1 April 2026" in hint
    response = post_step(client, "pay", {"pay": "12.70"})
    refused(response, "pay", "at least £12.71 an hour")
    assert 'value="12.70"' in response.text
    assert post_step(client, "pay", {"pay": "£12.71"}).status_code == 303
    for bad in ("abc", "12.345", "-13", "1e3", "13,50.1", "99999.99"):
        assert post_step(client, "pay", {"pay": bad}).status_code == 400, bad
    assert rows(settings) == []


def test_pay_is_checked_against_the_rate_for_the_start_date(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REAL_CONTENT, content)
    table = content / "rates" / "national-living-wage.yaml"
    soon = date.today() + timedelta(days=60)
    table.write_text(
        table.read_text(encoding="utf-8")
        + f"  - from: {soon.isoformat()}\n    pence: 1400\n    source: https://www.gov.uk/\n",
        encoding="utf-8",
    )
    from pafinder.db import make_engine, migrate

    settings = make_settings(tmp_path, content)
    migrate(make_engine(settings.database_url))
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        answers = valid_answers()
        answers["starts"] = _day("starts", soon + timedelta(days=1))
        answers["pay"] = {"pay": "13.00"}
        start(client)
        for step in ("title", "tasks", "hours", "starts"):
            assert post_step(client, step, answers[step]).status_code == 303
        page = client.get(f"{BASE}/pay").text
        assert "For the date your job starts it is £14.00 an hour" in page
        refused(post_step(client, "pay", answers["pay"]), "pay", "at least £14.00 an hour")
        # Pay right for an early start; then the start moves past the new rate.
        answers["starts"] = _day("starts", date.today() + timedelta(days=5))
        assert post_step(client, "starts", answers["starts"]).status_code == 303
        assert post_step(client, "pay", answers["pay"]).status_code == 303
        for step in list(answers)[5:]:
            assert post_step(client, step, answers[step]).status_code == 303
        assert client.get(f"{BASE}/check-answers").status_code == 200
        post_step(client, "starts", _day("starts", soon + timedelta(days=1)), "?change=1")
        check = client.get(f"{BASE}/check-answers", follow_redirects=False)
        assert check.status_code == 303 and check.headers["location"] == f"{BASE}/pay?check=1"


def test_closing_date_in_the_past_or_too_soon(portal) -> None:
    settings, client = portal
    today = date.today()
    refused(
        post_step(client, "closes", _day("closes", today - timedelta(days=1))),
        "closes",
        "The closing date must be in the future",
    )
    refused(post_step(client, "closes", _day("closes", today)), "closes", "must be in the future")
    soon = post_step(client, "closes", _day("closes", today + timedelta(days=13)))
    refused(soon, "closes", "at least 14 days from today")
    refused(
        post_step(
            client, "closes", {"closes-day": "31", "closes-month": "2", "closes-year": "2027"}
        ),
        "closes",
        "a real date",
    )
    refused(post_step(client, "closes", {}), "closes", "Enter the date the advert closes")
    assert (
        post_step(client, "closes", _day("closes", today + timedelta(days=14))).status_code == 303
    )
    assert rows(settings) == []


def test_start_date_in_the_past(portal) -> None:
    _, client = portal
    past = date.today() - timedelta(days=1)
    refused(post_step(client, "starts", _day("starts", past)), "starts", "today or in the future")


def test_a_gender_requirement_needs_a_reason(portal) -> None:
    settings, client = portal
    for choice in ("man", "woman"):
        response = post_step(client, "gender", {"gender_requirement": choice, "gender_reason": ""})
        refused(response, "gender_reason", "Say why the job needs a man or a woman")
    page = client.get(f"{BASE}/gender").text
    assert "Equality Act 2010" in page and "occupational requirement" in page
    assert "intimate personal care" in page
    refused(post_step(client, "gender", {}), "gender_requirement", "Select whether")
    ok = post_step(client, "gender", {"gender_requirement": "", "gender_reason": "ignored"})
    assert ok.status_code == 303
    assert rows(settings) == []


def test_an_unknown_postcode_gets_a_clear_message(portal) -> None:
    _, client = portal
    unknown = post_step(client, "where", {"areas": ["macclesfield"], "postcode": "ZZ99 9ZZ"})
    refused(unknown, "postcode", "We do not know that postcode")
    assert 'value="ZZ99 9ZZ"' in unknown.text
    malformed = post_step(client, "where", {"areas": ["macclesfield"], "postcode": "hello"})
    refused(malformed, "postcode", "like SK11 6AB")
    refused(post_step(client, "where", {"postcode": "SK11"}), "areas", "Select the area")
    assert (
        post_step(client, "where", {"areas": ["macclesfield"], "postcode": "SK11"}).status_code
        == 303
    )


def test_lacking_capacity_requires_an_enhanced_check(portal) -> None:
    _, client = portal
    response = post_step(client, "dbs", {"lacks_capacity": "yes", "dbs": "standard"})
    refused(response, "dbs", "The PA must have an enhanced DBS check")
    assert post_step(client, "dbs", {"lacks_capacity": "yes", "dbs": "enhanced"}).status_code == 303
    assert post_step(client, "dbs", {"lacks_capacity": "no", "dbs": "basic"}).status_code == 303
    refused(post_step(client, "dbs", {"dbs": "enhanced"}), "lacks_capacity", "Select yes")
    refused(post_step(client, "dbs", {"lacks_capacity": "no", "dbs": "x"}), "dbs", "Select the DBS")


def test_wrong_types_and_unknown_choices(portal) -> None:
    _, client = portal
    for hours in ("lots", "0", "81", "1e5", "-3", "٣", "9" * 400):
        refused(
            post_step(client, "hours", {"hours_per_week": hours, "availability": ["mon-am"]}),
            "hours_per_week",
            "whole number from 1 to 80",
        )
    refused(
        post_step(client, "hours", {"hours_per_week": "5", "availability": ["not-a-slot"]}),
        "availability",
        "Select at least one time",
    )
    refused(post_step(client, "tasks", {"tasks": ["nope"]}), "tasks", "Select at least one")
    refused(post_step(client, "driving", {"driving": "maybe"}), "driving", "Select yes")
    refused(post_step(client, "email", {"email": "not an email"}), "email", "correct format")


def test_script_tags_and_emoji_in_every_text_field_are_kept_as_text(portal) -> None:
    settings, client = portal
    answers = valid_answers()
    answers["title"]["title"] = NASTY
    answers["tasks"]["tasks_other"] = NASTY
    answers["gender"]["gender_reason"] = NASTY
    answers["summary"]["summary"] = NASTY + "\nSecond line\x07"
    # A NUL is refused before it reaches the form (web/nul_bytes.py): a 400, nothing kept.
    assert post_step(client, "summary", {"summary": "a\x00b"}).status_code == 400
    for step in answers:
        assert post_step(client, step, answers[step]).status_code == 303, step
    check = client.get(f"{BASE}/check-answers")
    assert check.status_code == 200
    assert "<script>alert" not in check.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 🎉 Zoë" in check.text
    backdate_drafts(settings)
    assert send(client).status_code == 303
    [row] = rows(settings)
    assert row["title"] == NASTY.strip() and row["gender_reason"] == NASTY.strip()
    assert "\x07" not in row["summary"] and row["summary"].endswith("Second line")


def test_huge_input_and_repeated_fields_never_fail(portal) -> None:
    settings, client = portal
    huge = "x" * 100_000
    refused(post_step(client, "title", {"title": huge}), "title", "120 characters or fewer")
    refused(post_step(client, "summary", {"summary": huge}), "summary", "2,000 characters")
    refused(post_step(client, "tasks", {"tasks_other": huge}), "tasks_other", "500 characters")
    token = client.csrf(f"{BASE}/where")
    repeated = client.post(
        f"{BASE}/where",
        data={"csrftoken": token, "areas": ["macclesfield"] * 500 + [huge], "postcode": huge},
        follow_redirects=False,
    )
    assert repeated.status_code == 400
    email = post_step(client, "email", {"email": "a" * 300 + "@example.org"})
    refused(email, "email", "254 characters or fewer")
    assert rows(settings) == []


def test_everything_typed_survives_until_sent_and_nothing_is_stored_half_way(portal) -> None:
    settings, client = portal
    fill_all(client)  # starts again from a fresh draft
    post_step(client, "pay", {"pay": "1.00"}, "?change=1")
    check = client.get(f"{BASE}/check-answers", follow_redirects=False)
    assert check.headers["location"] == f"{BASE}/pay?check=1"
    page = client.get(check.headers["location"])
    assert "at least £12.71 an hour" in page.text and 'value="1.00"' in page.text
    backdate_drafts(settings)
    token = client.csrf(f"{BASE}/pay")
    sent = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"{BASE}/pay?check=1"
    assert rows(settings) == []


def test_the_minimum_open_days_is_a_setting(tmp_path: Path) -> None:
    settings = job_settings(tmp_path, jobs_min_open_days="21")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        start(client)
        assert "at least 21 days" in client.get(f"{BASE}/closes").text
        early = _day("closes", date.today() + timedelta(days=20))
        refused(post_step(client, "closes", early), "closes", "at least 21 days from today")
        later = _day("closes", date.today() + timedelta(days=21))
        assert post_step(client, "closes", later).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(portal) -> None:
    settings, client = portal
    bare = client.post(f"{BASE}/title", data={"title": "No token"}, follow_redirects=False)
    assert bare.status_code == 403
    assert rows(settings) == []
