"""Job alerts for PAs (issue 13, points 3 and 6): sign up at /jobs/alerts (prefilled from /jobs
and the manage-my-listing page), confirm from the email read from a real SMTP server, the daily
digest of newly published open adverts that match, at most 20 and a link to the rest, never
twice, one-click unsubscribe; and every kind of bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from pafinder.alerts import signing
from pafinder.alerts.tables import job_alerts
from pafinder.db import utcnow
from pafinder.settings import Settings
from tests.alerts.helpers import (
    cli,
    client_for,
    engine_of,
    link_in,
    portal,
    rows,
    sign_up_jobs,
)
from tests.conftest import Inbox, body_text
from tests.jobs.factory import add_job, days_from_today


@pytest.fixture
def mailbox(tmp_path: Path, smtp: tuple[str, Inbox]) -> tuple[Settings, Inbox]:
    url, inbox = smtp
    return portal(tmp_path, smtp_url=url), inbox


def confirm_alert(
    settings: Settings, inbox: Inbox, email: str, areas: list[str], tasks: list[str] | None = None
) -> None:
    before = len(inbox.messages)
    with client_for(settings) as client:
        sent = sign_up_jobs(client, settings, email, areas, tasks)
        assert sent.status_code == 303, sent.text
        [message] = inbox.wait_for(before + 1)[before:]
        assert client.get(link_in(message, "confirm")).status_code == 200


def test_sign_up_confirm_digest_and_one_click_unsubscribe(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    engine = engine_of(settings)
    with client_for(settings) as client:
        form = client.get("/jobs/alerts?area=crewe&task=shopping&area=nowhere")
        assert form.status_code == 200
        assert 'value="crewe" checked' in form.text and 'value="shopping" checked' in form.text
        assert 'value="macclesfield" checked' not in form.text
        sent = sign_up_jobs(
            client, settings, " Pat.PA@Example.org ", ["crewe", "nantwich"], ["shopping"]
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == "/jobs/alerts/check-your-email"
        page = client.get(sent.headers["location"])
        assert page.status_code == 200 and "pat.pa" not in page.text.lower()
        [message] = inbox.wait_for(1)
        assert message["To"] == "pat.pa@example.org"
        assert message["Subject"] == "Confirm your job alert"
        assert "Areas: Crewe, Nantwich" in body_text(message)
        [row] = rows(settings, "jobs")
        assert row["confirmed_at"] is None and json.loads(row["areas"]) == ["crewe", "nantwich"]
        # Nothing for an unconfirmed alert.
        before = add_job(
            engine, areas=["crewe"], tasks=["shopping"], published_at=utcnow() - timedelta(hours=2)
        )
        assert cli(settings, "send-alerts").exit_code == 0
        assert len(inbox.messages) == 1

        confirmed = client.get(link_in(message, "confirm"))
        assert confirmed.status_code == 200 and "Your job alert is set up" in confirmed.text
        again = client.get(link_in(message, "confirm"))
        assert "Your job alert was already set up" in again.text

    # Published before confirming: not "new" to this alert.
    with engine.begin() as conn:
        conn.execute(update(job_alerts).values(watermark=utcnow() - timedelta(hours=1)))
    hour_ago = utcnow() - timedelta(minutes=30)
    match = add_job(
        engine,
        title="Morning help in Crewe",
        areas=["crewe"],
        tasks=["shopping", "medication"],
        published_at=hour_ago,
    )
    nantwich = add_job(
        engine,
        title="Nantwich <b>shopping</b> 😀",
        areas=["nantwich"],
        tasks=["shopping"],
        published_at=hour_ago,
    )
    other_task = add_job(engine, areas=["crewe"], tasks=["housework"], published_at=hour_ago)
    other_area = add_job(engine, areas=["wilmslow"], tasks=["shopping"], published_at=hour_ago)
    closed = add_job(
        engine,
        areas=["crewe"],
        tasks=["shopping"],
        published_at=hour_ago,
        closes=days_from_today(-1),
    )
    pending = add_job(
        engine, areas=["crewe"], tasks=["shopping"], status="pending", published_at=None
    )
    old = add_job(
        engine, areas=["crewe"], tasks=["shopping"], published_at=utcnow() - timedelta(days=3)
    )

    result = cli(settings, "send-alerts")
    assert result.exit_code == 0, result.output
    assert "Job alerts: 1 emails for 1 alerts" in result.output
    [digest] = inbox.wait_for(2)[1:]
    text = body_text(digest)
    assert digest["To"] == "pat.pa@example.org"
    assert digest["Subject"] == "2 new job adverts for you"
    assert f"/jobs/{match}" in text and f"/jobs/{nantwich}" in text
    for ref in (before, other_task, other_area, closed, pending, old):
        assert f"/jobs/{ref}" not in text
    assert "Morning help in Crewe" in text and "£13.50 an hour, 12 hours a week" in text
    assert "/jobs?area=crewe&area=nantwich&task=shopping" in text
    unsubscribe = link_in(digest, "unsubscribe")
    assert digest["List-Unsubscribe"] == f"<http://testserver{unsubscribe}>" or digest[
        "List-Unsubscribe"
    ].endswith(f"{unsubscribe}>")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Never twice: the next run has nothing new.
    assert cli(settings, "send-alerts").exit_code == 0
    assert len(inbox.messages) == 2

    with client_for(settings) as client:
        shown = client.get(unsubscribe)
        assert shown.status_code == 200 and rows(settings, "jobs")  # GET changes nothing
        one_click = client.post(
            unsubscribe,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert one_click.status_code == 200, one_click.text
        assert rows(settings, "jobs") == []
        assert (
            client.post(
                unsubscribe,
                content=b"List-Unsubscribe=One-Click",
                headers={"content-type": "application/x-www-form-urlencoded"},
            ).status_code
            == 200
        )
    add_job(engine, areas=["crewe"], published_at=utcnow())
    assert cli(settings, "send-alerts").exit_code == 0
    assert len(inbox.messages) == 2


def test_a_digest_holds_twenty_and_links_to_the_rest(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    engine = engine_of(settings)
    confirm_alert(settings, inbox, "many@example.org", ["macclesfield"])
    with engine.begin() as conn:
        conn.execute(update(job_alerts).values(watermark=utcnow() - timedelta(hours=2)))
    refs = [
        add_job(engine, areas=["macclesfield"], published_at=utcnow() - timedelta(minutes=90 - i))
        for i in range(23)
    ]
    assert cli(settings, "send-alerts").exit_code == 0
    digest = inbox.wait_for(2)[1]
    text = body_text(digest)
    assert digest["Subject"] == "23 new job adverts for you"
    links = {line.strip().rsplit("/", 1)[-1] for line in text.splitlines() if "/jobs/J" in line}
    shown = [r for r in refs if r in links]
    assert shown == refs[-20:]  # the newest 20
    assert "This email shows 20 of them. See all 23:" in text
    assert "/jobs?area=macclesfield" in text


def test_bad_input_is_a_clear_400_and_nothing_is_saved(mailbox: tuple[Settings, Inbox]) -> None:
    settings, inbox = mailbox
    with client_for(settings) as client:
        unknown = sign_up_jobs(
            client, settings, "a@example.org", ["atlantis"], ["<script>x</script>"]
        )
        assert unknown.status_code == 400
        assert "There is a problem" in unknown.text and "Choose areas from the list" in unknown.text
        assert "<script>x" not in unknown.text
        none = sign_up_jobs(client, settings, "a@example.org", [])
        assert none.status_code == 400 and "Choose at least one area" in none.text
        bad = sign_up_jobs(client, settings, "<script>alert(1)</script>😀" * 200, ["crewe"])
        assert bad.status_code == 400 and "<script>alert" not in bad.text
        assert 'value="crewe" checked' in bad.text  # what was typed is kept
        fast = sign_up_jobs(client, settings, "a@example.org", ["crewe"], ago=0)
        assert fast.status_code == 400
        robot = sign_up_jobs(client, settings, "r@example.org", ["crewe"], website="http://x")
        assert robot.status_code == 303
        huge = client.post("/jobs/alerts", data={"area": "x" * 100_000, "email": "y"})
        assert huge.status_code in (400, 403, 413)
        assert rows(settings, "jobs") == []
        # A double submit: one row, one email.
        assert sign_up_jobs(client, settings, "twice@example.org", ["crewe"]).status_code == 303
        assert sign_up_jobs(client, settings, "TWICE@example.org", ["crewe"]).status_code == 303
        assert len(rows(settings, "jobs")) == 1
        inbox.wait_for(1)
        assert len(inbox.messages) == 1
        # Links: tampered, expired, unknown.
        alert_id = rows(settings, "jobs")[0]["id"]
        good = signing.token(settings, "confirm", "jobs", alert_id)
        for path in (
            f"/jobs/alerts/confirm/{good[:-2]}xx",
            "/jobs/alerts/confirm/" + "😀" * 50,
            f"/jobs/alerts/unsubscribe/{good}",  # a confirm token is not an unsubscribe one
            f"/find-a-pa/alerts/confirm/{good}",  # nor a saved search's
            "/jobs/alerts/unsubscribe/x",
        ):
            answer = client.get(path)
            assert answer.status_code == 400 and "This link does not work" in answer.text, path
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("pafinder.alerts.signing.CONFIRM_FOR", timedelta(seconds=-1))
            expired = client.get(f"/jobs/alerts/confirm/{good}")
        assert expired.status_code == 400 and "This link has expired" in expired.text
        assert rows(settings, "jobs")[0]["confirmed_at"] is None


def test_sign_ups_are_rate_limited(mailbox: tuple[Settings, Inbox]) -> None:
    settings, _ = mailbox
    with client_for(settings) as client:
        answers = [
            sign_up_jobs(client, settings, "limit@example.org", [area]).status_code
            for area in ("crewe", "nantwich", "wilmslow", "congleton", "sandbach", "alsager")
        ]
    assert answers[:5] == [303] * 5 and answers[5] == 429


def test_unconfirmed_sign_ups_are_deleted_when_the_link_has_expired(
    mailbox: tuple[Settings, Inbox],
) -> None:
    settings, _ = mailbox
    with client_for(settings) as client:
        sign_up_jobs(client, settings, "late@example.org", ["crewe"])
        sign_up_jobs(client, settings, "recent@example.org", ["crewe"])
    with engine_of(settings).begin() as conn:
        conn.execute(
            update(job_alerts)
            .where(job_alerts.c.email == "late@example.org")
            .values(created_at=utcnow() - timedelta(days=8))
        )
    result = cli(settings, "send-alerts")
    assert "Deleted 1 unconfirmed sign-ups" in result.output
    assert [r["email"] for r in rows(settings, "jobs")] == ["recent@example.org"]


ODD = ["²", "\u0661\u0662", "-1", "0", "9" * 30, "%00", "😀", "<script>", "a.b.c", "x" * 600]


def test_odd_tokens_and_params_never_fail(mailbox: tuple[Settings, Inbox]) -> None:
    settings, _ = mailbox
    with client_for(settings) as client:
        for odd in ODD:
            for kind in ("jobs", "find-a-pa"):
                for purpose in ("confirm", "unsubscribe", "keep"):
                    answer = client.get(f"/{kind}/alerts/{purpose}/{odd}")
                    # 404 where the odd value is not one path segment ("..", "%00"), or for
                    # a job alert's "keep" (saved searches only); never a 500.
                    assert answer.status_code in (400, 404), (kind, purpose, odd)
            for params in ([("area", odd)], [("task", odd), ("area", "crewe")], [("within", odd)]):
                assert client.get("/jobs/alerts", params=params).status_code == 200
                assert client.get("/find-a-pa/alerts", params=params).status_code in (200, 400)
            one_click = client.post(
                f"/jobs/alerts/unsubscribe/{odd}",
                content=b"List-Unsubscribe=One-Click",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert one_click.status_code in (400, 403, 404)
