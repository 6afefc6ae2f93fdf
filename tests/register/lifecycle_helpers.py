"""Shared helpers for the PA side (registration, manage, moderation, freshness) tests: a fresh
portal on the real content (its taxonomies), valid answers for every page, and a walker that
sends them through the real HTTP layer."""

from __future__ import annotations

import functools
import json
import re
from datetime import date, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from pafinder.db import make_engine, migrate
from pafinder.register import lifecycle_store
from pafinder.register.tables import pas
from pafinder.settings import Settings
from pafinder.web.drafts import form_drafts
from tests.conftest import REAL_CONTENT, PageClient, body_text, make_settings

BASE = "/become-a-pa/register"


def pa_settings(tmp_path: Path, **env: str) -> Settings:
    """Real content (every taxonomy) with a migrated database; no site build needed."""
    from pafinder.register.index import rebuild_pa_index

    s = make_settings(tmp_path, REAL_CONTENT, **env)
    engine = make_engine(s.database_url)
    migrate(engine)
    rebuild_pa_index(engine, s)  # an (empty) PA text index, as `pafinder build` leaves it
    return s


def engine_of(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def valid_answers(email: str = "amara@example.org") -> dict[str, dict[str, Any]]:
    last_year = date.today().year - 1
    return {
        "about-you": {
            "first_name": "Amara",
            "last_name": "Okafor",
            "email": email,
            "phone": "07700 900982",
            "postcode": "sk11 6ab",
        },
        "where-and-who": {
            "areas": ["macclesfield", "congleton"],
            "client_groups": ["older-people", "dementia"],
            "age_groups": ["adults-18-64", "older-adults-65-plus"],
        },
        "what-you-can-do": {
            "tasks": ["personal-care", "shopping"],
            "experience_years": "4",
            "experience": "Four years caring for older people at home.",
            "languages": ["english", "british-sign-language"],
            "gender": "female",
        },
        "qualifications": {
            "qualifications": ["emergency-first-aid", "food-hygiene"],
            "q-emergency-first-aid-date-month": "3",
            "q-emergency-first-aid-date-year": str(last_year),
            "q-emergency-first-aid-expires-month": "3",
            "q-emergency-first-aid-expires-year": str(last_year + 3),
            "q-food-hygiene-date-month": "6",
            "q-food-hygiene-date-year": str(last_year),
        },
        "availability": {
            "availability": ["mon-am", "tue-pm", "sat-eve"],
            "hours_wanted": "20",
            "extras": ["nights", "emergency_cover"],
        },
        "dbs-and-driving": {
            "dbs": "enhanced",
            "dbs_certificate_date-day": "14",
            "dbs_certificate_date-month": "2",
            "dbs_certificate_date-year": str(last_year),
            "dbs_update_service": "yes",
            "driving": "yes",
            "own_car": "no",
            "smoker": "no",
        },
        "about-me": {"about": "I am patient and cheerful, and I love gardening and baking."},
    }


def token(client: PageClient, path: str) -> str:
    html = client.get(path).text
    match = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert match, f"no csrftoken on {path}"
    return match.group(1)


def start(client: PageClient) -> Any:
    return client.post(BASE, data={"csrftoken": client.csrf(BASE)}, follow_redirects=False)


def post_step(client: PageClient, step: str, data: dict[str, Any], query: str = "") -> Any:
    form = {**data, "csrftoken": client.csrf(f"{BASE}/{step}")}
    return client.post(f"{BASE}/{step}{query}", data=form, follow_redirects=False)


def fill_all(client: PageClient, answers: dict[str, dict[str, Any]] | None = None) -> None:
    answers = answers or valid_answers()
    assert start(client).status_code == 303
    for step, data in answers.items():
        response = post_step(client, step, data)
        assert response.status_code == 303, (step, response.text[:3000])


def backdate_drafts(settings: Settings, seconds: int = 60) -> None:
    """Pretend the person started filling the form a minute ago (the minimum fill time)."""
    engine = engine_of(settings)
    with engine.begin() as conn:
        for row in conn.execute(select(form_drafts.c.id, form_drafts.c.data)):
            data = json.loads(row.data)
            if "_started" in data:
                data["_started"] -= seconds
                conn.execute(
                    form_drafts.update()
                    .where(form_drafts.c.id == row.id)
                    .values(data=json.dumps(data))
                )


def send(client: PageClient) -> Any:
    form = {"csrftoken": client.csrf(f"{BASE}/check-answers"), "website": ""}
    return client.post(f"{BASE}/check-answers", data=form, follow_redirects=False)


def register(client: PageClient, settings: Settings, email: str = "amara@example.org") -> Any:
    fill_all(client, valid_answers(email))
    backdate_drafts(settings)
    response = send(client)
    assert response.status_code == 303, response.text[:3000]
    return response


def rows(settings: Settings) -> list[dict[str, Any]]:
    with engine_of(settings).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(pas).order_by(pas.c.id))]


def audit(settings: Settings) -> list[dict[str, Any]]:
    with engine_of(settings).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_log ORDER BY id"))]


def link_in(message: Message, path_prefix: str) -> str:
    """The path of the first link in an email starting with ``path_prefix``."""
    match = re.search(
        r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]+)", body_text(message)
    )
    assert match, f"no {path_prefix} link in: {body_text(message)}"
    return match.group(1)


@functools.cache
def _taxonomies(content_dir: Path) -> dict[str, dict[str, str]]:
    from pafinder.content import load_content
    from pafinder.register.journey_forms import taxonomies

    return taxonomies(load_content(content_dir))


def pending_listing(settings: Settings, email: str = "pend@example.org", **overrides: Any) -> str:
    """A verified listing in the staff queue, made through the store (fast, no web journey)."""
    from pafinder.register.journey_parse import parse_all

    listing, bad = parse_all(valid_answers(email), _taxonomies(settings.content_dir), date.today())
    assert bad is None
    listing.update(overrides)
    engine = engine_of(settings)
    ref = lifecycle_store.new_ref()
    with engine.begin() as conn:
        lifecycle_store.create_unverified(conn, ref, listing)
    lifecycle_store.verify_email(engine, settings, ref)
    return ref


def staff_id(settings: Settings, email: str = "moderator@example.org") -> int:
    from pafinder.staff import store as staff_store
    from tests.conftest import add_staff

    engine = engine_of(settings)
    member = staff_store.get_by_email(engine, email)
    if member is None:
        add_staff(settings, email)
        member = staff_store.get_by_email(engine, email)
    assert member is not None
    return member.id


def published_listing(settings: Settings, email: str = "pub@example.org", **overrides: Any) -> str:
    """A published listing with a DBS check recorded by staff, made through the store."""
    ref = pending_listing(settings, email, **overrides)
    lifecycle_store.approve(
        engine_of(settings),
        settings,
        ref,
        staff_id(settings),
        "enhanced",
        "certificate",
        date.today() - timedelta(days=1),
    )
    return ref
