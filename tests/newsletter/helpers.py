"""Newsletter test helpers: a portal with a real SMTP server, signing up as a person would (the
form's start time set a minute back, as if they had taken that long), links out of emails."""

from __future__ import annotations

import re
import time
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result
from sqlalchemy import select

from pafinder.cli import main
from pafinder.db import make_engine
from pafinder.newsletter import signing
from pafinder.newsletter.store import Subscriber, from_row, newsletter_subscribers
from pafinder.settings import Settings
from tests.conftest import PageClient, body_text, make_settings, prepare


def portal(tmp_path: Path, **env: str) -> Settings:
    settings = make_settings(tmp_path, **env)
    prepare(settings)
    return settings


def sign_up(
    client: PageClient, settings: Settings, email: str, ago: float = 60, **extra: Any
) -> httpx.Response:
    token = client.csrf("/newsletter")
    data = {
        "csrftoken": token,
        "email": email,
        "form-started": signing.form_started(settings, time.time() - ago),
        **extra,
    }
    return client.post("/newsletter", data=data, follow_redirects=False)


def link_in(message: Message, kind: str) -> str:
    """The path of the /newsletter/{kind}/TOKEN link in the email's plain text."""
    match = re.search(rf"https?://[^\s/]+(/newsletter/{kind}/[^\s]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def rows(settings: Settings) -> dict[str, Subscriber]:
    with make_engine(settings.database_url).connect() as conn:
        found = conn.execute(select(newsletter_subscribers)).all()
    return {s.email: s for s in map(from_row, found)}


def cli(settings: Settings, *args: str) -> Result:
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
    return CliRunner().invoke(main, list(args), env=env)
