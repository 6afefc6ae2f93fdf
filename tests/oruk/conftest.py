"""ORUK fixtures: a portal on the real content (all five services) with a few events of every
shape: weekly in person, fortnightly until a date, monthly online with a count, a one-off by
phone with a contribution."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events.publish import publish
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.events.conftest import add_event, events_settings, london_today

SECRET_JOINING = "https://meet.example.org/secret-room-42"


def add_programme(settings: Settings) -> dict[str, int]:
    soon = london_today() + timedelta(days=3)
    ids = {
        "weekly": add_event(settings, start_date=soon),
        "fortnightly": add_event(
            settings,
            title="Crewe workshop",
            kind="workshop",
            service="direct-payment-support",
            area="crewe",
            repeat="fortnightly",
            repeat_until=soon + timedelta(days=70),
            start_date=soon + timedelta(days=1),
            access=["step-free", "bsl"],
            venue_name="Crewe Library",
            address="Prince Albert Street, Crewe",
            postcode="CW1 2DH",
        ),
        "monthly": add_event(
            settings,
            title="Online recovery course",
            kind="course",
            service="peer-support-recovery",
            format="online",
            area="",
            joining_details=SECRET_JOINING,
            repeat="monthly",
            repeat_count=6,
            start_date=soon + timedelta(days=2),
        ),
        "once": add_event(
            settings,
            title="Phone talking point",
            kind="talking-point",
            service="carers",
            format="phone",
            area="",
            joining_details="We ring you on 0115 496 0999",
            repeat="none",
            cost="contribution",
            cost_text="£2 suggested",
            start_date=soon,
        ),
    }
    publish(make_engine(settings.database_url), settings, load_content(settings.content_dir))
    return ids


@pytest.fixture
def osettings(tmp_path: Path) -> Settings:
    return events_settings(tmp_path, BASE_URL="https://pa.example.org")


@pytest.fixture
def programme(osettings: Settings) -> dict[str, int]:
    return add_programme(osettings)


@pytest.fixture
def oclient(osettings: Settings, programme: dict[str, int]) -> Iterator[PageClient]:
    with PageClient(create_app(osettings), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, PageClient]]:
    """One read-only portal with the programme for a module's tests (building is the slow part)."""
    settings = events_settings(tmp_path_factory.mktemp("oruk"), BASE_URL="https://pa.example.org")
    add_programme(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield settings, c
