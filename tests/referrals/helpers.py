"""Helpers for referral tests: a complete, valid answer set for any service, built from its
YAML, and a fresh portal on the real content (migrated; the static site is not needed)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pafinder.content import Service, load_content
from pafinder.db import make_engine, migrate, utcnow
from pafinder.referrals import store
from pafinder.referrals.journey import new_form_key
from pafinder.referrals.models import referral_config
from pafinder.referrals.validation import validate
from pafinder.settings import Settings
from pafinder.workdays import london_date
from tests.conftest import REAL_CONTENT, PageClient, make_settings

REF = re.compile(r'<strong id="reference">([A-Z0-9-]+)</strong>')
RESPOND_BY = re.compile(r'<time id="respond-by" datetime="(\d{4}-\d{2}-\d{2})">')
POSTCODES = {"Cheshire East": "CW1 2AB"}


def portal(tmp_path: Path, content: Path = REAL_CONTENT, **env: str) -> Settings:
    settings = make_settings(tmp_path, content, **env)
    migrate(make_engine(settings.database_url))
    return settings


def service(settings: Settings, slug: str) -> Service:
    found = load_content(settings.content_dir).service(slug)
    assert found is not None
    return found


def answers_for(svc: Service, route: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Every common field (CONTRACT.md) plus the service's own questions, all valid."""
    config = referral_config(svc)
    assert config is not None
    route = route or config.routes[0]
    data: dict[str, Any] = {
        "referrer_type": route,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "2009-12-10" if (config.eligibility.max_age or 99) < 30 else "1990-12-10",
        "email": "ada@example.org",
        "phone": "07700 900 982",
        "postcode": POSTCODES.get(config.area_name, "DE1 2AB"),
        "preferred_contact": "email",
        "reason": "I would like some support, please.",
        "consent": "yes",
    }
    if route in ("family_or_carer", "professional"):
        data["referrer_name"] = "Sam Referrer"
        data["referrer_email"] = "sam@example.org"
    if route == "professional":
        data["referrer_role"] = "Social worker"
        data["referrer_organisation"] = "Derby City Council"
    for q in config.questions_for(route):
        if q.type == "one_of":
            data[q.id] = q.options[0].value
        elif q.type == "any_of":
            data[q.id] = [q.options[0].value]
        elif q.type == "yes_no":
            data[q.id] = "yes"
        elif q.type == "date":
            data[q.id] = "2026-01-15"
        else:
            data[q.id] = "An answer"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client: PageClient, slug: str, data: dict[str, Any], **kwargs: Any) -> Any:
    token = client.csrf(f"/refer/{slug}")
    return client.post(
        f"/refer/{slug}", data={**data, "csrftoken": token}, follow_redirects=False, **kwargs
    )


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def errors_of(html: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary.group(1)) if summary else []


def error_links(html: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'<a href="#([^"]+)">', summary.group(1)) if summary else []


def make_referral(
    settings: Settings,
    respond_by: date | None = None,
    slug: str = "carers",
    **overrides: Any,
) -> str:
    """A valid referral (carers unless ``slug`` says otherwise) stored straight through the
    store (as the form would), due in ten days unless ``respond_by`` says otherwise; its
    reference."""
    svc = service(settings, slug)
    config = referral_config(svc)
    assert config is not None
    sub, errors = validate(answers_for(svc, **overrides), svc, config, utcnow().date())
    assert sub is not None, errors
    ref, _ = store.create(
        make_engine(settings.database_url),
        slug,
        sub,
        new_form_key(),
        utcnow(),
        respond_by or london_date(utcnow()) + timedelta(days=10),
    )
    return ref
