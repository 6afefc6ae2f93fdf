"""Alerts test helpers: a portal on the real content with a real SMTP server, signing up as a
person would (the form's start time a minute back), links out of emails, send-alerts by the CLI."""

from __future__ import annotations

import re
import time
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from pafinder.alerts import signing
from pafinder.alerts.tables import job_alerts, saved_searches
from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import make_engine
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, body_text, make_settings, prepare


def portal(tmp_path: Path, **env: str) -> Settings:
    settings = make_settings(tmp_path, REAL_CONTENT, **env)
    prepare(settings)
    return settings


def client_for(settings: Settings) -> PageClient:
    return PageClient(create_app(settings), base_url="http://127.0.0.1")


def engine_of(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def sign_up_jobs(
    client: PageClient,
    settings: Settings,
    email: str,
    areas: list[str],
    tasks: list[str] | None = None,
    ago: float = 60,
    **extra: Any,
) -> httpx.Response:
    token = client.csrf("/jobs/alerts")
    data: list[tuple[str, str]] = [
        ("csrftoken", token),
        ("email", email),
        ("form-started", signing.form_started(settings, time.time() - ago)),
        *(("area", a) for a in areas),
        *(("task", t) for t in tasks or []),
        *extra.items(),
    ]
    return client.post("/jobs/alerts", data=as_form(data), follow_redirects=False)


def sign_up_search(
    client: PageClient,
    settings: Settings,
    email: str,
    params: list[tuple[str, str]],
    ago: float = 60,
    **extra: Any,
) -> httpx.Response:
    page = client.get("/find-a-pa/alerts", params=params)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
    data = [
        *((k, v) for k, v in hidden if k not in ("csrftoken", "form-started")),
        ("csrftoken", token.group(1)),
        ("email", email),
        ("form-started", signing.form_started(settings, time.time() - ago)),
        *extra.items(),
    ]
    return client.post("/find-a-pa/alerts", data=as_form(data), follow_redirects=False)


def as_form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Repeated fields as httpx takes them (a dict of lists keeps their order)."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def link_in(message: Message, purpose: str) -> str:
    """The path of the .../{purpose}/TOKEN link in the email's plain text."""
    match = re.search(rf"https?://[^\s/]+(/[a-z/-]+/alerts/{purpose}/[^\s]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def rows(settings: Settings, kind: str) -> list[dict[str, Any]]:
    table = job_alerts if kind == "jobs" else saved_searches
    with engine_of(settings).connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def env_of(settings: Settings) -> dict[str, str]:
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": str(settings.secret_key),
    }
    if settings.smtp_url:
        env["PAFINDER_SMTP_URL"] = settings.smtp_url
    return env


def cli(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env_of(settings))
