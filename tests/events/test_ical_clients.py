"""The calendar files as calendar apps read them (issue 11, point 8): the published series and
feed expanded by recurring-ical-events (the expansion many apps and servers use) and parsed by
icalendar, after a date is moved, after one is cancelled, and across the October clock change;
and one date's file keeps the series' UID and RECURRENCE-ID so it merges instead of doubling."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import recurring_ical_events
from icalendar import Calendar

from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events import store
from pafinder.events.publish import publish
from pafinder.events.recurrence import LONDON, to_utc_naive
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.events.conftest import add_event, london_today


def republish(settings: Settings) -> None:
    publish(make_engine(settings.database_url), settings, load_content(settings.content_dir))


def calendar(client: PageClient, path: str) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def expand(cal: Calendar, start: date, days: int) -> list[Any]:
    """What a calendar app shows between start and start + days."""
    return list(recurring_ical_events.of(cal).between(start, start + timedelta(days=days)))


def key(component: Any) -> tuple[str, datetime | None]:
    """How calendar apps identify one date of a series: UID plus RECURRENCE-ID."""
    rid = component.get("RECURRENCE-ID")
    return str(component["UID"]), (rid.dt.astimezone(UTC) if rid is not None else None)


def last_sunday_of_october(year: int) -> date:
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_a_moved_date_appears_once_at_its_new_time_and_a_cancelled_one_not_at_all(
    esettings: Settings, eclient: PageClient
) -> None:
    first = london_today() + timedelta(days=7)
    event_id = add_event(esettings, start_date=first)
    cancelled, moved = first + timedelta(days=7), first + timedelta(days=14)
    new_start = datetime.combine(moved + timedelta(days=1), time(14), LONDON)
    engine = make_engine(esettings.database_url)
    store.change_date(engine, event_id, cancelled, "cancelled", "test")
    store.change_date(
        engine,
        event_id,
        moved,
        "moved",
        "test",
        to_utc_naive(new_start),
        to_utc_naive(new_start + timedelta(hours=1)),
    )
    republish(esettings)

    for path in (f"/events/{event_id}.ics", "/events.ics"):
        cal = calendar(eclient, path)
        master = next(v for v in cal.walk("VEVENT") if "RRULE" in v)
        exdates = [d.dt.date() for e in _as_list(master.get("EXDATE")) for d in e.dts]
        assert exdates == [cancelled], path  # no EXDATE hiding the moved date
        shown = [o.decoded("DTSTART") for o in expand(cal, first, 28)]
        assert shown == [
            datetime.combine(first, time(18), LONDON),
            new_start,
            datetime.combine(first + timedelta(days=21), time(18), LONDON),
        ], path
        assert all(str(s.tzinfo) == "Europe/London" for s in shown)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_one_dates_file_merges_with_the_feed_instead_of_doubling(
    esettings: Settings, eclient: PageClient
) -> None:
    first = london_today() + timedelta(days=7)
    event_id = add_event(esettings, start_date=first)
    single_id = add_event(esettings, title="One workshop", repeat="none", start_date=first)
    moved = first + timedelta(days=7)
    new_start = datetime.combine(moved, time(10), LONDON)
    store.change_date(
        make_engine(esettings.database_url),
        event_id,
        moved,
        "moved",
        "test",
        to_utc_naive(new_start),
        to_utc_naive(new_start + timedelta(hours=2)),
    )
    republish(esettings)
    feed = calendar(eclient, "/events.ics")
    in_feed = {key(o): o for o in expand(feed, first, 60)}

    for day, starts in ((first, datetime.combine(first, time(18), LONDON)), (moved, new_start)):
        one = calendar(eclient, f"/events/{event_id}-{day:%Y%m%d}.ics")
        [vevent] = one.walk("VEVENT")
        # The original start identifies the date, even when it has moved.
        original = datetime.combine(day, time(18), LONDON)
        assert vevent.decoded("RECURRENCE-ID") == original
        assert key(vevent) in in_feed, day
        assert vevent.decoded("DTSTART") == starts == in_feed[key(vevent)].decoded("DTSTART")
        # Added to a calendar that subscribes to the feed too: still one entry for that date.
        merged = Calendar.from_ical(feed.to_ical())
        merged.add_component(vevent)
        keys = [key(o) for o in expand(merged, first, 60)]
        assert keys.count(key(vevent)) == 1

    [workshop] = calendar(eclient, f"/events/{single_id}-{first:%Y%m%d}.ics").walk("VEVENT")
    [series] = calendar(eclient, f"/events/{single_id}.ics").walk("VEVENT")
    assert "RECURRENCE-ID" not in workshop
    assert workshop["UID"] == series["UID"]


def test_a_6pm_group_stays_at_6pm_across_the_october_clock_change(
    esettings: Settings, eclient: PageClient
) -> None:
    today = london_today()
    change = last_sunday_of_october(today.year)
    if change - timedelta(days=14) <= today:
        change = last_sunday_of_october(today.year + 1)
    first = change - timedelta(days=12)  # a Tuesday, two weeks before the change
    event_id = add_event(esettings, start_date=first, repeat_until=change + timedelta(days=10))
    republish(esettings)

    for path in (f"/events/{event_id}.ics", "/events.ics"):
        shown = [o.decoded("DTSTART") for o in expand(calendar(eclient, path), first, 30)]
        assert len(shown) == 4, path
        assert {(s.hour, s.minute) for s in shown} == {(18, 0)}, path
        utc_hours = [s.astimezone(UTC).hour for s in shown]
        assert utc_hours == [17, 17, 18, 18], path  # BST before, GMT after
