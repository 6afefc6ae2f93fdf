"""Helpers for the 'Post a job' tests: a portal on the real content (its taxonomies and rate
table), valid answers for every page, a walker that sends them through the real HTTP layer,
and links out of the emails."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from pafinder.db import make_engine, migrate
from pafinder.jobs import store
from pafinder.jobs.models import STEPS
from pafinder.jobs.tables import jobs
from pafinder.settings import Settings
from pafinder.web.drafts import form_drafts
from tests.conftest import REAL_CONTENT, PageClient, body_text, make_settings

BASE = "/jobs/post"


def job_settings(tmp_path: Path, **env: str) -> Settings:
    """Real content (every taxonomy, the rate table) with a migrated database."""
    s = make_settings(tmp_path, REAL_CONTENT, **env)
    migrate(make_engine(s.database_url))
    return s


def engine_of(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def _date(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def valid_answers(email: str = "employer@example.org") -> dict[str, dict[str, Any]]:
    today = date.today()
    return {
        "title": {"title": "PA for a young man who loves football"},
        "tasks": {"tasks": ["personal-care", "shopping"], "tasks_other": "Going to matches"},
        "hours": {"hours_per_week": "16", "availability": ["mon-am", "wed-pm"]},
        "starts": _date("starts", today + timedelta(days=30)),
        "pay": {"pay": "15.50"},
        "where": {"areas": ["macclesfield"], "postcode": "sk11 6ab"},
        "gender": {"gender_requirement": "man", "gender_reason": "Intimate personal care"},
        "dbs": {"lacks_capacity": "no", "dbs": "enhanced"},
        "driving": {"driving": "yes"},
        "closes": _date("closes", today + timedelta(days=21)),
        "summary": {"summary": "Tom is 24 and loves Macclesfield Town."},
        "email": {"email": email},
    }


def start(client: PageClient) -> None:
    token = client.csrf(BASE)
    response = client.post(BASE, data={"csrftoken": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def post_step(client: PageClient, step: str, answers: dict[str, Any], query: str = "") -> Any:
    token = client.csrf(f"{BASE}/{step}")
    return client.post(
        f"{BASE}/{step}{query}", data={"csrftoken": token, **answers}, follow_redirects=False
    )


def backdate_drafts(settings: Settings, seconds: int = 60) -> None:
    """Pretend the person started a minute ago (the minimum fill time)."""
    with engine_of(settings).begin() as conn:
        for row in conn.execute(select(form_drafts.c.id, form_drafts.c.data)):
            data = json.loads(row.data)
            if "_started" in data:
                data["_started"] -= seconds
                conn.execute(
                    form_drafts.update()
                    .where(form_drafts.c.id == row.id)
                    .values(data=json.dumps(data))
                )


def fill_all(client: PageClient, answers: dict[str, dict[str, Any]] | None = None) -> None:
    answers = answers or valid_answers()
    start(client)
    for step in STEPS:
        response = post_step(client, step, answers[step])
        assert response.status_code == 303, (step, response.text[:3000])


def send(client: PageClient) -> Any:
    token = client.csrf(f"{BASE}/check-answers")
    return client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)


def post_job(client: PageClient, settings: Settings, email: str = "employer@example.org") -> Any:
    """The whole journey, sent; returns the send's response."""
    fill_all(client, valid_answers(email))
    backdate_drafts(settings)
    return send(client)


def rows(settings: Settings) -> list[dict[str, Any]]:
    with engine_of(settings).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(jobs).order_by(jobs.c.id))]


def job(settings: Settings, ref: str) -> dict[str, Any]:
    with engine_of(settings).connect() as conn:
        found = store.get_by_ref(conn, ref)
    assert found is not None
    return found


def link_in(message: Message, path: str) -> str:
    """The path of the link starting with ``path`` in the email's plain text."""
    match = re.search(rf"https?://[^\s/]+({re.escape(path)}[^\s]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def make_job(
    settings: Settings, status: str = "pending", email: str = "employer@example.org", **values: Any
) -> dict[str, Any]:
    """An advert straight into the table (through store.create), in ``status``."""
    from pafinder.content import load_content
    from pafinder.db import utcnow
    from pafinder.jobs.models import Context, parse_all
    from pafinder.jobs.post.forms import labels
    from pafinder.workdays import london_date

    ctx = Context(
        labels(load_content(settings.content_dir)), london_date(utcnow()), settings.content_dir
    )
    clean, bad = parse_all(valid_answers(email), ctx)
    assert bad is None, bad
    with engine_of(settings).begin() as conn:
        ref = store.new_ref()
        job_id = store.create(conn, ref, clean)
        conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(status=status, confirmed_at=utcnow(), **values)
        )
        found = store.get(conn, job_id)
    assert found is not None
    return found
