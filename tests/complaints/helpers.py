"""Helpers for complaints tests: a portal on the real content, a form key shown long enough ago
to pass the minimum fill time, and sending the public form."""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from itsdangerous import URLSafeTimedSerializer

from pafinder.complaints import store
from pafinder.db import make_engine, migrate, utcnow
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings

REF = re.compile(r'<strong id="reference">(C-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>')
GOOD = {"kind": "complaint", "service": "carers", "details": "Nobody rang me back."}


def portal(tmp_path: Path, **env: str) -> Settings:
    settings = make_settings(tmp_path, REAL_CONTENT, **env)
    migrate(make_engine(settings.database_url))
    return settings


def aged_key(settings: Settings, key: str | None = None, seconds_ago: float = 60) -> str:
    """A form key as the page signs it, shown ``seconds_ago`` (past the minimum fill time)."""
    serializer = URLSafeTimedSerializer(str(settings.secret_key), salt="pafinder-complaint-form")
    return serializer.dumps([key or secrets.token_urlsafe(24), time.time() - seconds_ago])


def send(
    client: PageClient, settings: Settings, data: dict[str, Any], form_key: str | None = None
) -> Any:
    token = client.csrf("/complaints")
    body = {"csrftoken": token, "form_key": form_key or aged_key(settings), **data}
    return client.post("/complaints", data=body, follow_redirects=False)


def reference(client: PageClient, response: Any) -> str:
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    match = REF.search(page.text)
    assert match, page.text
    return match.group(1)


def rows(settings: Settings) -> list[Any]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        return list(conn.execute(store.complaints.select().order_by(store.complaints.c.id)))


def make_item(
    settings: Settings,
    kind: str = "complaint",
    service: str = "carers",
    received_at: datetime | None = None,
    **contact: str,
) -> str:
    sub = store.Submission(kind, service, contact.pop("details", "Some words."), **contact)
    ref, _ = store.create(
        make_engine(settings.database_url), sub, secrets.token_urlsafe(24), received_at or utcnow()
    )
    return ref
