"""Saved searches for employers (issue 13, points 4 and 6): from a /find-a-pa search to
/find-a-pa/alerts (the search in words, an email), confirmed by email read from a real SMTP
server; the daily digest holds the listings published since the last one that the register's
own search finds (compared here with /api/pas), with distance; one-click unsubscribe; 6 months
unless kept from the digest's link; bad searches and links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from pafinder.alerts import signing
from pafinder.alerts.tables import saved_searches
from pafinder.content import load_content
from pafinder.db import utcnow
from pafinder.register import index
from pafinder.register.tables import pas
from pafinder.settings import Settings
from tests.alerts.helpers import (
    cli,
    client_for,
    engine_of,
    link_in,
    portal,
    rows,
    sign_up_search,
)
from tests.conftest import REAL_CONTENT, Inbox, PageClient, body_text
from tests.register import pa_rows
from tests.register.test_api import import_rows

CONTENT = load_content(REAL_CONTENT)
POSTCODES = ["SK11 6AB", "SK11 7XY", "SK10 1AA", "CW12 1AB", "CW1 2AB", "M1 1AE", "DE1 1ZZ", ""]
ROWS = pa_rows.make_rows(CONTENT, 160, seed=5)
for _i, _row in enumerate(ROWS):
    _row["postcode"] = POSTCODES[_i % len(POSTCODES)]
SEARCHES: dict[str, list[tuple[str, str]]] = {
    "area@example.org": [("area", "macclesfield")],
    "tasks@example.org": [("task", "shopping"), ("dbs", "enhanced")],
    "near@example.org": [("postcode", "SK11 6AB"), ("within", "10")],
    "words@example.org": [("q", "gardening"), ("area", "crewe"), ("area", "nantwich")],
}


@pytest.fixture
def mailbox(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, Inbox]]:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    result = import_rows(settings, ROWS, tmp_path / "pas.csv")
    assert result.exit_code == 0, result.output
    yield settings, inbox


def confirm(settings: Settings, inbox: Inbox, email: str, params: list[tuple[str, str]]) -> None:
    before = len(inbox.messages)
    with client_for(settings) as client:
        assert sign_up_search(client, settings, email, params).status_code == 303
        [message] = inbox.wait_for(before + 1)[before:]
        assert message["Subject"] == "Confirm your saved search"
        page = client.get(link_in(message, "confirm"))
        assert page.status_code == 200 and "Your saved search is set up" in page.text


def make_new(settings: Settings) -> set[str]:
    """Every third published listing was published half an hour ago, the rest 10 days ago;
    every saved search last looked an hour ago. The refs of the new ones."""
    engine = engine_of(settings)
    now = utcnow()
    with engine.begin() as conn:
        listed = conn.execute(select(pas.c.id, pas.c.ref).order_by(pas.c.id)).all()
        new = set()
        for i, (pa_id, ref) in enumerate(listed):
            recent = i % 3 == 0
            when = now - (timedelta(minutes=30) if recent else timedelta(days=10))
            conn.execute(update(pas).where(pas.c.id == pa_id).values(published_at=when))
            if recent:
                new.add(ref)
        conn.execute(update(saved_searches).values(watermark=now - timedelta(hours=1)))
    index.bump_version(settings)
    return new


def api_results(client: PageClient, params: list[tuple[str, str]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get("/api/pas", params=[*params, ("per_page", "100"), ("page", str(page))])
        found += body.json()["results"]
        if len(found) >= body.json()["total"]:
            return found
        page += 1


def refs_in(message: Any) -> list[str]:
    return re.findall(r"/find-a-pa/([A-Z0-9-]+)\s", body_text(message) + "\n")


def test_saved_searches_send_what_the_register_finds_among_new_listings(
    mailbox: tuple[Settings, Inbox],
) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        page = client.get("/find-a-pa/alerts", params=SEARCHES["near@example.org"])
        assert page.status_code == 200
        assert "Near SK11 6AB" in page.text and "Within 10 miles" in page.text
        words = client.get("/find-a-pa/alerts", params=SEARCHES["words@example.org"])
        assert "Areas covered: Crewe" in words.text and "gardening" in words.text
    for email, params in SEARCHES.items():
        confirm(settings, inbox, email, params)
    stored = {r["email"]: json.loads(r["params"]) for r in rows(settings, "pas")}
    # Only the search's parameters, normalised (postcode as the register writes it).
    assert stored["near@example.org"] == [["postcode", "SK11 6AB"], ["within", "10"]]
    assert set(rows(settings, "pas")[0]) == {
        "id", "email", "fingerprint", "params", "created_at", "confirmed_at", "renewed_at",
        "watermark", "last_sent_at",
    }  # fmt: skip
    new = make_new(settings)
    confirmations = len(inbox.messages)

    result = cli(settings, "send-alerts")
    assert result.exit_code == 0, result.output
    with client_for(settings) as client:
        expected = {
            email: [r for r in api_results(client, params) if r["ref"] in new]
            for email, params in SEARCHES.items()
        }
    wanted = [e for e, found in expected.items() if found]
    assert len(wanted) >= 3, expected
    digests = inbox.wait_for(confirmations + len(wanted))[confirmations:]
    assert sorted(str(m["To"]) for m in digests) == sorted(wanted)
    for message in digests:
        found = expected[str(message["To"])]
        text = body_text(message)
        shown = refs_in(message)
        assert len(shown) == min(20, len(found))
        assert set(shown) <= {r["ref"] for r in found}
        if len(found) <= 20:
            assert set(shown) == {r["ref"] for r in found}
        else:
            assert f"See all {len(found)}:" in text
        count = len(found)
        assert (
            message["Subject"]
            == f"{count} new PA{'' if count == 1 else 's'} match your saved search"
        )
        assert "This saved search will stop on" in text and "/find-a-pa/alerts/keep/" in text
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/find-a-pa/alerts/unsubscribe/" in message["List-Unsubscribe"]
        if str(message["To"]) == "near@example.org":
            # Distance included, nearest first, as /api/pas measures it.
            miles = {r["ref"]: r["distance_miles"] for r in found}
            assert [miles[r] for r in shown] == sorted(miles[r] for r in shown)
            assert "/find-a-pa?postcode=SK11+6AB&within=10" in text
            first = (
                found[0]
                if found[0]["ref"] == shown[0]
                else next(r for r in found if r["ref"] == shown[0])
            )
            assert f"{first['distance_miles']:g} miles away" in text or "Less than 1 mile" in text
    # Never twice.
    assert cli(settings, "send-alerts").exit_code == 0
    assert len(inbox.messages) == confirmations + len(wanted)


def test_keep_unsubscribe_and_six_months(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    confirm(settings, inbox, "keep@example.org", [("area", "macclesfield")])
    confirm(settings, inbox, "gone@example.org", [("area", "crewe")])
    engine = engine_of(settings)
    long_ago = utcnow() - timedelta(days=170)  # ends in about 13 days
    with engine.begin() as conn:
        conn.execute(update(saved_searches).values(renewed_at=long_ago))
        conn.execute(
            update(saved_searches)
            .where(saved_searches.c.email == "gone@example.org")
            .values(renewed_at=utcnow() - timedelta(days=184))
        )
    make_new(settings)
    before = len(inbox.messages)
    result = cli(settings, "send-alerts")
    assert "Deleted 0 unconfirmed sign-ups and 1 expired saved searches" in result.output
    assert [r["email"] for r in rows(settings, "pas")] == ["keep@example.org"]
    [digest] = inbox.wait_for(before + 1)[before:]
    text = body_text(digest)
    ends = long_ago + timedelta(days=183)
    assert f"This saved search will stop on {ends.day} {ends:%B %Y}" in text
    keep = link_in(digest, "keep")
    with client_for(settings) as client:
        shown = client.get(keep)
        assert shown.status_code == 200 and rows(settings, "pas")[0]["renewed_at"] == long_ago
        token = re.search(r'name="csrftoken" value="([^"]+)"', shown.text)
        assert token
        kept = client.post(keep, data={"csrftoken": token.group(1)})
        assert kept.status_code == 200 and "Your saved search will carry on" in kept.text
        assert rows(settings, "pas")[0]["renewed_at"] > long_ago
        unsubscribe = link_in(digest, "unsubscribe")
        form = client.get(unsubscribe)
        token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)
        assert token
        done = client.post(unsubscribe, data={"csrftoken": token.group(1)})
        assert done.status_code == 200 and "You will get no more of these emails" in done.text
        assert rows(settings, "pas") == []
        ended = client.get(keep)
        assert ended.status_code == 200  # the button page; pressing it says it has ended
        token = re.search(r'name="csrftoken" value="([^"]+)"', ended.text)
        assert token
        gone = client.post(keep, data={"csrftoken": token.group(1)})
        assert gone.status_code == 400 and "This saved search has ended" in gone.text


def test_an_ending_search_says_so_once_even_with_nothing_new(
    mailbox: tuple[Settings, Inbox],
) -> None:
    settings, inbox = mailbox
    confirm(
        settings, inbox, "quiet@example.org", [("area", "macclesfield"), ("q", "zzzzunmatched")]
    )
    with engine_of(settings).begin() as conn:
        conn.execute(update(saved_searches).values(renewed_at=utcnow() - timedelta(days=160)))
    before = len(inbox.messages)
    assert cli(settings, "send-alerts").exit_code == 0
    [notice] = inbox.wait_for(before + 1)[before:]
    assert notice["Subject"] == "Your saved search for personal assistants is ending"
    assert "/find-a-pa/alerts/keep/" in body_text(notice)
    assert cli(settings, "send-alerts").exit_code == 0
    assert len(inbox.messages) == before + 1


def test_bad_searches_and_links(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        for params in (
            [("area", "atlantis")],
            [("postcode", "ZZ99 9ZZ")],
            [("postcode", "<script>x</script>")],
            [("within", "7"), ("postcode", "SK11 6AB")],
            [("within", "10")],
            [("q", "😀" * 300)],
        ):
            page = client.get("/find-a-pa/alerts", params=params)
            assert page.status_code == 400, params
            assert "There is a problem with this search" in page.text
            assert "<script>x" not in page.text
        emoji = client.get("/find-a-pa/alerts", params=[("q", "café 😀 <b>")])
        assert emoji.status_code == 200 and "<b>" not in emoji.text
        # A tampered search in the POST is refused as on the GET; nothing stored.
        token = client.csrf("/find-a-pa/alerts")
        posted = client.post(
            "/find-a-pa/alerts",
            data={"csrftoken": token, "area": "atlantis", "email": "x@example.org"},
        )
        assert posted.status_code == 400
        bad_email = sign_up_search(client, settings, "not an email", [("area", "crewe")])
        assert bad_email.status_code == 400 and "Enter an email address" in bad_email.text
        assert 'value="crewe"' in bad_email.text  # the search is kept
        # Double submit: one row, one email.
        assert (
            sign_up_search(client, settings, "d@example.org", [("area", "crewe")]).status_code
            == 303
        )
        assert (
            sign_up_search(client, settings, "d@example.org", [("area", "crewe")]).status_code
            == 303
        )
        assert len(rows(settings, "pas")) == 1
        inbox.wait_for(1)
        assert len(inbox.messages) == 1
        alert_id = rows(settings, "pas")[0]["id"]
        good = signing.token(settings, "keep", "pas", alert_id)
        for path in (
            f"/find-a-pa/alerts/keep/{good[:-3]}abc",
            f"/find-a-pa/alerts/unsubscribe/{good}",
            f"/find-a-pa/alerts/confirm/{good}",
            f"/jobs/alerts/unsubscribe/{signing.token(settings, 'unsubscribe', 'pas', alert_id)}",
        ):
            answer = client.get(path)
            assert answer.status_code == 400 and "This link does not work" in answer.text, path


def test_subject_access_and_erasure(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    confirm(settings, inbox, "person@example.org", [("area", "crewe")])
    with client_for(settings) as client:
        from tests.alerts.helpers import sign_up_jobs

        assert sign_up_jobs(client, settings, "Person@example.org", ["crewe"]).status_code == 303
    found = cli(settings, "subject-access", "--email", "PERSON@example.org")
    assert found.exit_code == 0, found.output
    body = json.loads(found.stdout)
    assert [r["email"] for r in body["job_alerts"]] == ["person@example.org"]
    assert [r["email"] for r in body["saved_searches"]] == ["person@example.org"]
    erased = cli(settings, "erase", "--email", "person@example.org", "--yes")
    assert erased.exit_code == 0, erased.output
    assert rows(settings, "jobs") == [] and rows(settings, "pas") == []
