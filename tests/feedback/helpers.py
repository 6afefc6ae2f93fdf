"""Helpers for feedback tests: a portal on the real content, a form token old enough to pass
the minimum fill time, and a submit that uses it."""

from __future__ import annotations

import secrets
import time
from datetime import date
from typing import Any

from sqlalchemy import select

from pafinder.db import make_engine
from pafinder.feedback import forms, store
from pafinder.settings import Settings
from tests.conftest import PageClient


def aged_token(settings: Settings, slug: str, seconds: float = 60.0, key: str = "") -> str:
    """A form token as the page signs it, for a form shown ``seconds`` ago."""
    token = forms.FormToken(key=key or secrets.token_urlsafe(18), started=time.time() - seconds)
    return forms.sign(str(settings.secret_key), slug, token)


def send(
    client: PageClient,
    settings: Settings,
    slug: str,
    data: dict[str, Any],
    token: str | None = None,
) -> Any:
    """POST the feedback form as a person who took a minute over it."""
    csrf = client.csrf(f"/feedback/{slug}")
    fields = {"csrftoken": csrf, "form_token": token or aged_token(settings, slug), **data}
    return client.post(f"/feedback/{slug}", data=fields, follow_redirects=False)


def stored(settings: Settings) -> list[dict[str, Any]]:
    """Every response with its answers, oldest first."""
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        responses = [dict(r._mapping) for r in conn.execute(select(store.feedback_responses))]
        answers = [dict(r._mapping) for r in conn.execute(select(store.feedback_answers))]
    for response in responses:
        response["answers"] = {
            a["statement_id"]: a["answer"] for a in answers if a["response_id"] == response["id"]
        }
    return sorted(responses, key=lambda r: r["id"])


def add_responses(
    settings: Settings, slug: str, day: date, answers: dict[str, str], comment: str = "", n: int = 1
) -> None:
    engine = make_engine(settings.database_url)
    for _ in range(n):
        store.record(engine, slug, day, answers, comment, None)
