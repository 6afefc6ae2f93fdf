"""Staff create, edit, copy and cancel events through the forms; every save is audited and
re-publishes the static files (listing, event page, feeds, API) at once."""

from __future__ import annotations

import json
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from pafinder.db import make_engine
from pafinder.events import store
from pafinder.settings import Settings
from pafinder.staff.store import audit_log
from tests.conftest import PageClient
from tests.events.conftest import form_data, london_today


def site(settings: Settings, rel: str) -> str:
    return (settings.site_dir / rel).read_text()


def audit_actions(settings: Settings) -> list[str]:
    with make_engine(settings.database_url).connect() as conn:
        return [r.action for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]


def save(client: PageClient, path: str, data: dict[str, object]) -> object:
    token = client.csrf(path)
    return client.post(path, data={**data, "csrftoken": token}, follow_redirects=False)


def test_create_repeating_group_publishes_every_file_and_is_audited(
    staff_client: PageClient, esettings: Settings
) -> None:
    first = london_today() + timedelta(days=3)
    response = save(staff_client, "/staff/events/new", form_data(first))
    assert response.status_code == 303
    event_id = int(response.headers["location"].split("/")[3].split("?")[0])
    assert "event.created" in audit_actions(esettings)

    listing = site(esettings, "events/index.html")
    assert "Wednesday wellbeing group" in listing and "5 places left" in listing
    page = site(esettings, f"events/{event_id}/index.html")
    assert f"Every {first:%A}" in page and "Step-free access" in page
    api = json.loads(site(esettings, "api/events.json"))
    mine = [e for e in api if e["event_id"] == event_id]
    assert len(mine) >= 20  # weekly for six months
    assert mine[0]["id"] == f"{event_id}-{first:%Y%m%d}"
    assert mine[0]["capacity"] == 5 and mine[0]["places_left"] == 5
    assert mine[0]["online"] is False and mine[0]["access"] == ["step-free", "hearing-loop"]
    assert mine[0]["starts"].endswith(("+00:00", "+01:00"))
    feed = Calendar.from_ical(site(esettings, "events.ics"))
    [vevent] = [c for c in feed.walk("VEVENT") if c["SUMMARY"] == "Wednesday wellbeing group"]
    assert vevent["RRULE"]["FREQ"] == ["WEEKLY"]
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert [tz["TZID"] for tz in feed.walk("VTIMEZONE")] == ["Europe/London"]
    # The public pages answer from those files.
    assert staff_client.get("/events").text == listing
    assert staff_client.get("/api/events").headers["content-type"] == "application/json"
    ics = staff_client.get(f"/events/{mine[0]['id']}.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert Calendar.from_ical(ics.text).walk("VEVENT")[0]["SUMMARY"] == "Wednesday wellbeing group"


def test_the_form_keeps_everything_typed_and_lists_every_error(staff_client: PageClient) -> None:
    response = save(staff_client, "/staff/events/new", {"title": "", "repeat": "weekly"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    for message in (
        "Enter a title",
        "Select what kind of event it is",
        "Enter the date of the first session",
        'href="#start-date-day"',
    ):
        assert message in response.text
    nasty = form_data(
        london_today() + timedelta(days=2),
        **{
            "title": "<script>alert(1)</script> Grŵp cymorth 😀 مرحبا",
            "end-time": "5pm",
            "postcode": "NOT A POSTCODE",
            "capacity": "lots",
            "repeat-count": "3",
            "repeat-until-day": "1",
            "repeat-until-month": "1",
            "repeat-until-year": "2030",
        },
    )
    response = save(staff_client, "/staff/events/new", nasty)
    assert response.status_code == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Grŵp cymorth 😀 مرحبا" in response.text
    assert "<script>alert(1)" not in response.text
    for message in ("Enter a real postcode", "must be a whole number"):
        assert message in response.text
    # Checks across fields come once each field is right on its own.
    response = save(
        staff_client, "/staff/events/new", {**nasty, "postcode": "DE1 1ZZ", "capacity": "5"}
    )
    assert response.status_code == 400
    for message in ("The end time must be after the start time", "not both"):
        assert message in response.text
    assert 'value="25 Example Road' not in response.text  # textarea, not input
    assert "25 Example Road\nDerby</textarea>" in response.text


def test_online_events_keep_the_joining_link_private(
    staff_client: PageClient, esettings: Settings
) -> None:
    link = "https://meet.example.org/secret-room-123"
    data = form_data(
        london_today() + timedelta(days=4),
        **{
            "format": "online",
            "joining-details": link,
            "area": "",
            "venue-name": "",
            "address": "",
            "postcode": "",
            "access": [],
            "title": "Online carers chat",
        },
    )
    assert save(staff_client, "/staff/events/new", data).status_code == 303
    for rel in ("events/index.html", "events.ics", "api/events.json"):
        assert "Online carers chat" in site(esettings, rel)
    for path in esettings.site_dir.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ics", ".json"):
            assert "secret-room-123" not in path.read_text(), path
    no_booking = save(staff_client, "/staff/events/new", {**data, "booking-required": "no"})
    assert "need booking" in no_booking.text


def test_edit_copy_cancel_and_change_single_dates(
    staff_client: PageClient, esettings: Settings
) -> None:
    first = london_today() + timedelta(days=1)
    location = save(staff_client, "/staff/events/new", form_data(first)).headers["location"]
    event_id = int(location.split("/")[3].split("?")[0])

    edited = form_data(first, title="Renamed group", capacity="8")
    assert save(staff_client, f"/staff/events/{event_id}/edit", edited).status_code == 303
    assert "Renamed group" in site(esettings, "events/index.html")
    assert "Wednesday wellbeing group" not in site(esettings, "events/index.html")

    copy_form = staff_client.get(f"/staff/events/{event_id}/copy").text
    assert 'value="Renamed group"' in copy_form and 'name="copied-from"' in copy_form
    assert 'action="/staff/events/new"' in copy_form
    token = staff_client.csrf(f"/staff/events/{event_id}/copy")
    copied = staff_client.post(
        "/staff/events/new",
        follow_redirects=False,
        data={
            **form_data(first, title="Copied group"),
            "copied-from": str(event_id),
            "csrftoken": token,
        },
    )
    assert copied.status_code == 303
    with make_engine(esettings.database_url).connect() as conn:
        details = [r.detail for r in conn.execute(select(audit_log))]
    assert any(f'"copied_from": {event_id}' in d for d in details)
    assert "Copied group" in site(esettings, "events/index.html")

    second = first + timedelta(days=7)
    third = first + timedelta(days=14)
    path = f"/staff/events/{event_id}/occurrences/{second.isoformat()}/change"
    assert save(staff_client, path, {"action": "cancelled"}).status_code == 303
    path = f"/staff/events/{event_id}/occurrences/{third.isoformat()}/change"
    moved = third + timedelta(days=1)
    response = save(
        staff_client,
        path,
        {
            "action": "moved",
            "new-date-day": str(moved.day),
            "new-date-month": str(moved.month),
            "new-date-year": str(moved.year),
            "new-start": "2pm",
            "new-end": "3pm",
        },
    )
    assert response.status_code == 303
    feed = Calendar.from_ical(site(esettings, f"events/{event_id}.ics"))
    vevents = feed.walk("VEVENT")
    master = next(v for v in vevents if "RRULE" in v)
    excluded = sorted(d.dt.date() for d in master["EXDATE"].dts)
    # The moved date is the override alone: an EXDATE as well would hide it (issue 11, point 8).
    assert excluded == [second]
    [override] = [v for v in vevents if "RECURRENCE-ID" in v]
    assert override.decoded("RECURRENCE-ID").date() == third
    assert override.decoded("DTSTART").date() == moved
    assert override.decoded("DTSTART").hour == 14
    assert override["UID"] == master["UID"]
    api = json.loads(site(esettings, "api/events.json"))
    ids = {e["id"] for e in api}
    assert f"{event_id}-{second:%Y%m%d}" not in ids and f"{event_id}-{third:%Y%m%d}" in ids

    assert save(staff_client, f"/staff/events/{event_id}/cancel", {}).status_code == 303
    for rel in ("events/index.html", "events.ics", "api/events.json"):
        assert "Renamed group" not in site(esettings, rel), rel
    assert "This event has been cancelled" in site(esettings, f"events/{event_id}/index.html")
    assert not list((esettings.site_dir / "events").glob(f"{event_id}-*.ics"))
    actions = audit_actions(esettings)
    for action in (
        "event.created",
        "event.updated",
        "event.date_cancelled",
        "event.date_moved",
        "event.cancelled",
    ):
        assert action in actions


def test_staff_pages_need_sign_in(eclient: PageClient) -> None:
    for path in ("/staff/events", "/staff/events/new", "/staff/events/1/edit"):
        response = eclient.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/sign-in")
    assert store.count_events(make_engine(eclient.app.state.settings.database_url)) == 0
