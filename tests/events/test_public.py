"""The public side: filters on /events and /api/events, past dates dropping off at the next
render, `pafinder build` and `pafinder publish-events`, and the demo programme."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from click.testing import CliRunner

from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events import store
from pafinder.events.publish import publish
from pafinder.events.seed import seed_demo
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.events.conftest import add_event, london_today


def titles(html: str) -> set[str]:
    names = ("Tuesday carers group", "Crewe workshop", "Online course")
    return {n for n in names if n in html}


def test_filters_by_service_kind_area_format_and_dates(
    esettings: Settings, eclient: PageClient
) -> None:
    soon = london_today() + timedelta(days=2)
    add_event(esettings, start_date=soon)
    add_event(
        esettings,
        title="Crewe workshop",
        kind="workshop",
        service="direct-payment-support",
        area="crewe",
        repeat="none",
        start_date=soon + timedelta(days=40),
    )
    add_event(
        esettings,
        title="Online course",
        kind="course",
        service="peer-support-recovery",
        format="online",
        area="",
        joining_details="https://meet.example.org/x",
        repeat="none",
        start_date=soon + timedelta(days=1),
    )
    engine = make_engine(esettings.database_url)
    publish(engine, esettings, load_content(esettings.content_dir))

    # A month at a time (issue 11, point 7): the workshop 40 days on is on a later month's page.
    later = eclient.get(f"/events?month={soon + timedelta(days=40):%Y-%m}").text
    assert titles(eclient.get("/events").text) | titles(later) == {
        "Tuesday carers group",
        "Crewe workshop",
        "Online course",
    }
    cases = {
        "service=direct-payment-support": {"Crewe workshop"},
        "kind=course": {"Online course"},
        "area=normanton": {"Tuesday carers group"},
        "area=crewe&kind=workshop": {"Crewe workshop"},
        "format=online": {"Online course"},
        "format=in-person&service=carers": {"Tuesday carers group"},
        f"from={soon + timedelta(days=30)}&service=direct-payment-support": {"Crewe workshop"},
        f"from={soon + timedelta(days=30)}&to={soon + timedelta(days=35)}&kind=workshop": set(),
    }
    for query, expected in cases.items():
        response = eclient.get(f"/events?{query}")
        assert response.status_code == 200, query
        assert titles(response.text) == expected, query
        api = eclient.get(f"/api/events?{query}").json()
        assert {e["title"] for e in api} == expected, query
    bad = eclient.get("/events?service=nope&from=31-02-2026")
    assert bad.status_code == 400
    assert "Select a service from the list" in bad.text and 'href="#from"' in bad.text
    assert eclient.get("/api/events?kind=nope").json() == {
        "errors": {"kind": "Select a kind of event from the list"}
    }
    selected = eclient.get("/events?area=crewe").text
    assert '<option value="crewe" selected>' in selected


def test_past_dates_drop_off_and_stale_files_are_removed(esettings: Settings) -> None:
    engine = make_engine(esettings.database_url)
    today = london_today()
    event_id = add_event(
        esettings,
        repeat="weekly",
        repeat_count=2,
        start_date=today,
        start_time=time(10),
        end_time=time(11),
    )
    content = load_content(esettings.content_dir)
    first_id, second_id = (
        f"{event_id}-{today:%Y%m%d}",
        f"{event_id}-{today + timedelta(days=7):%Y%m%d}",
    )
    before = datetime.combine(today, time(0), UTC)
    publish(engine, esettings, content, now=before)
    api = json.loads((esettings.site_dir / "api/events.json").read_text())
    assert [e["id"] for e in api] == [first_id, second_id]
    assert (esettings.site_dir / f"events/{first_id}.ics").exists()
    publish(engine, esettings, content, now=before + timedelta(days=2))
    api = json.loads((esettings.site_dir / "api/events.json").read_text())
    assert [e["id"] for e in api] == [second_id]
    assert not (esettings.site_dir / f"events/{first_id}.ics").exists()
    publish(engine, esettings, content, now=before + timedelta(days=9))
    assert json.loads((esettings.site_dir / "api/events.json").read_text()) == []
    assert (
        "This event has finished"
        in (esettings.site_dir / f"events/{event_id}/index.html").read_text()
    )
    assert "Tuesday carers group" not in (esettings.site_dir / "events.ics").read_text()


def test_build_and_publish_events_commands_write_the_files(
    esettings: Settings, tmp_path: Path, monkeypatch: object
) -> None:
    add_event(esettings, start_date=london_today() + timedelta(days=1))
    env = {
        "PAFINDER_DATA_DIR": str(esettings.data_dir),
        "PAFINDER_DATABASE_URL": esettings.database_url,
        "PAFINDER_CONTENT_DIR": str(esettings.content_dir),
        "PAFINDER_SITE_DIR": str(esettings.site_dir),
        "PAFINDER_INDEX_DIR": str(esettings.index_dir),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
    }
    runner = CliRunner()
    result = runner.invoke(main, ["build"], env=env)
    assert result.exit_code == 0, result.output
    assert "Tuesday carers group" in (esettings.site_dir / "events/index.html").read_text()
    assert (esettings.site_dir / "events.ics").exists()
    (esettings.site_dir / "events.ics").unlink()
    result = runner.invoke(main, ["publish-events"], env=env)
    assert result.exit_code == 0, result.output
    assert "Tuesday carers group" in (esettings.site_dir / "events.ics").read_text()
    result = runner.invoke(main, ["send-reminders"], env=env)
    assert result.exit_code == 0 and "Sent 0 reminders" in result.output


def test_building_twice_gives_identical_event_files(esettings: Settings) -> None:
    engine = make_engine(esettings.database_url)
    add_event(esettings, start_date=london_today() + timedelta(days=1))
    content = load_content(esettings.content_dir)
    now = datetime.now(UTC)
    publish(engine, esettings, content, now=now)
    first = {
        p: p.read_bytes()
        for p in esettings.site_dir.rglob("*")
        if "events" in str(p) and p.is_file()
    }
    publish(engine, esettings, content, now=now)
    second = {
        p: p.read_bytes()
        for p in esettings.site_dir.rglob("*")
        if "events" in str(p) and p.is_file()
    }
    assert first == second


def test_demo_programme_covers_every_service_and_seeds_once(
    esettings: Settings, eclient: PageClient
) -> None:
    engine = make_engine(esettings.database_url)
    content = load_content(esettings.content_dir)
    assert "seeded" in seed_demo(engine, esettings, content)
    events = store.all_events(engine)
    assert {e.service for e in events} == {s.slug for s in content.services}
    kinds = {e.kind for e in events}
    assert {
        "support-group",
        "course",
        "workshop",
        "wellbeing-activity",
        "drop-in-surgery",
        "training",
        "gp-clinic",
        "talking-point",
        "peer-support-meeting",
    } <= kinds
    assert {e.repeat for e in events} >= {"weekly", "fortnightly", "monthly", "bimonthly"}
    assert {e.format for e in events} == {"in-person", "online", "phone"}
    assert "already" in seed_demo(engine, esettings, content)
    assert len(store.all_events(engine)) == len(events)
    api = eclient.get("/api/events").json()
    assert {e["service"] for e in api} == {s.slug for s in content.services}
    assert all(e["starts"] > datetime.now(UTC).isoformat()[:10] for e in api)
    bookable = next(e for e in api if e["booking_required"])
    drop_in = next(e for e in api if not e["booking_required"])
    for path in (
        "/events",
        f"/events/{events[0].id}/",
        f"/events/{bookable['id']}/book",
        f"/events/{bookable['event_id']}/book",
    ):
        assert eclient.get(path).status_code == 200, path
    no_booking = eclient.get(f"/events/{drop_in['id']}/book")
    assert no_booking.status_code == 200 and "You do not need to book" in no_booking.text


def test_booking_a_drop_in_says_just_come_along(esettings: Settings, eclient: PageClient) -> None:
    drop_in = add_event(esettings, booking_required=False, capacity=None, title="Drop-in surgery")
    for path in (f"/events/{drop_in}/book", f"/events/{drop_in}-20991231/book"):
        response = eclient.get(path)
        assert response.status_code == 200, path
        assert "You do not need to book: Drop-in surgery" in response.text
        assert f'href="/events/{drop_in}/"' in response.text
    assert eclient.get("/events/999999/book").status_code == 404
