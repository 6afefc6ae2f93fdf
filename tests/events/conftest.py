"""Events fixtures: a portal on the real content (it has all five services), helpers to add
events through the store and to sign staff in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.events import store
from pafinder.events.models import EventInput
from pafinder.events.recurrence import LONDON
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, add_staff, make_settings, prepare, sign_in


def london_today() -> date:
    return datetime.now(LONDON).date()


def event_input(**overrides: Any) -> EventInput:
    values: dict[str, Any] = dict(
        title="Tuesday carers group",
        kind="support-group",
        service="carers",
        audience="Carers in Derby",
        description="Tea and a chat.",
        start_date=london_today() + timedelta(days=7),
        start_time=time(18),
        end_time=time(19, 30),
        repeat="weekly",
        format="in-person",
        venue_name="Sample Centre",
        address="25 Example Road\nDerby",
        postcode="DE1 1ZZ",
        area="normanton",
        access=["step-free", "hearing-loop"],
        cost="free",
        capacity=5,
        booking_required=True,
    )
    values.update(overrides)
    return EventInput.model_validate(values)


def add_event(settings: Settings, **overrides: Any) -> int:
    return store.create_event(make_engine(settings.database_url), event_input(**overrides), "test")


def events_settings(tmp_path: Path, **env: str) -> Settings:
    s = make_settings(tmp_path, REAL_CONTENT, **env)
    prepare(s)
    return s


@pytest.fixture
def esettings(tmp_path: Path) -> Settings:
    return events_settings(tmp_path)


@pytest.fixture
def eclient(esettings: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(esettings), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def staff_client(esettings: Settings, eclient: PageClient) -> PageClient:
    add_staff(esettings)
    assert sign_in(eclient, "staff@example.org").status_code == 303
    return eclient


def form_data(day: date, **overrides: Any) -> dict[str, Any]:
    """The staff form, filled in for a weekly in-person group starting on ``day``."""
    data: dict[str, Any] = {
        "title": "Wednesday wellbeing group",
        "kind": "support-group",
        "service": "carers",
        "audience": "Carers in Derby",
        "description": "A friendly group.\n\nCome along.",
        "start-date-day": str(day.day),
        "start-date-month": str(day.month),
        "start-date-year": str(day.year),
        "start-time": "6pm",
        "end-time": "7:30pm",
        "repeat": "weekly",
        "format": "in-person",
        "venue-name": "Sample Centre",
        "address": "25 Example Road\nDerby",
        "postcode": "de1 1zz",
        "area": "normanton",
        "access": ["step-free", "hearing-loop"],
        "cost": "free",
        "booking-required": "yes",
        "capacity": "5",
    }
    data.update(overrides)
    return data
