"""Helpers for the accessible-formats tests: a portal on the real content, a form key shown long
enough ago to pass the minimum fill time, sending the form, and reading the table."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from itsdangerous import URLSafeTimedSerializer

from pafinder.db import make_engine, migrate, utcnow
from pafinder.formats import store
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings

FORM = "/accessible-formats/request"
REF = re.compile(r'<strong id="reference">(F-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>')
GOOD = {
    "format": "braille",
    "page": "/about/how-to-complain/",
    "information": "",
    "delivery": "post",
    "address": "1 High Street\nDerby\nDE1 1AA",
    "name": "Ada Lovelace",
}


def portal(tmp_path: Path, **env: str) -> Settings:
    settings = make_settings(tmp_path, REAL_CONTENT, **env)
    migrate(make_engine(settings.database_url))
    return settings


def aged_key(settings: Settings, key: str | None = None, seconds_ago: float = 60) -> str:
    """A form key as the page signs it, shown ``seconds_ago`` (past the minimum fill time)."""
    salt = "pafinder-format-request-form"
    serializer = URLSafeTimedSerializer(str(settings.secret_key), salt=salt)
    return serializer.dumps([key or secrets.token_urlsafe(24), time.time() - seconds_ago])


def send(
    client: PageClient, settings: Settings, data: dict[str, Any], form_key: str | None = None
) -> Any:
    token = client.csrf(FORM)
    body = {"csrftoken": token, "form_key": form_key or aged_key(settings), **data}
    return client.post(FORM, data=body, follow_redirects=False)


def reference(client: PageClient, response: Any) -> str:
    assert response.status_code == 303, response.text[:3000]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    match = REF.search(page.text)
    assert match, page.text
    return match.group(1)


def rows(settings: Settings) -> list[Any]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        query = store.format_requests.select().order_by(store.format_requests.c.id)
        return list(conn.execute(query))


def make_request(settings: Settings, **changes: Any) -> str:
    values: dict[str, Any] = {
        "format": "audio",
        "format_detail": "",
        "page": "/about/contact-us/",
        "information": "",
        "delivery": "email",
        "name": "Sam Jones",
        "email": "sam@example.org",
    }
    values.update(changes)
    received = values.pop("received_at", None) or utcnow()
    ref, _ = store.create(
        make_engine(settings.database_url),
        store.Submission(**values),
        secrets.token_urlsafe(24),
        received,
    )
    return ref
