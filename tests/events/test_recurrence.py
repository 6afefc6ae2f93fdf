"""Occurrences of repeating events, checked against the calendar semantics: we expand the
iCalendar RRULE we publish with dateutil (what calendar apps do) and compare."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from pafinder.events import ical
from pafinder.events.recurrence import (
    LONDON,
    DateChange,
    Event,
    describe_repeat,
    occurrence,
    occurrences,
    parse_occurrence_id,
    to_utc_naive,
)


def make(repeat: str, start: datetime, hours: float = 2, **kw: object) -> Event:
    local_end = start.replace(hour=start.hour + int(hours))
    values: dict[str, object] = dict(
        id=7,
        status="published",
        title="Group",
        kind="support-group",
        service="carers",
        audience="Carers",
        description="Chat",
        starts_at=to_utc_naive(start),
        ends_at=to_utc_naive(local_end),
        repeat=repeat,
        repeat_until=None,
        repeat_count=None,
        format="in-person",
        venue_name="Hall",
        address="1 Road",
        postcode="DE1 1AA",
        area="normanton",
        access=("step-free",),
        transport_notes="",
        joining_details="",
        cost="free",
        cost_text="",
        capacity=5,
        booking_required=True,
        created_at=datetime(2026, 1, 1),
        updated_at=datetime(2026, 1, 2),
    )
    values.update(kw)
    return Event(**values)  # type: ignore[arg-type]


def starts(event: Event) -> list[datetime]:
    return [o.starts for o in occurrences(event)]


def test_weekly_keeps_the_london_wall_clock_time_across_the_clock_change() -> None:
    event = make("weekly", datetime(2026, 10, 13, 18), repeat_count=4)
    got = starts(event)
    assert [s.date() for s in got] == [
        date(2026, 10, 13),
        date(2026, 10, 20),
        date(2026, 10, 27),
        date(2026, 11, 3),
    ]
    assert all(s.astimezone(LONDON).time() == time(18) for s in got)
    # 6pm BST is 17:00 UTC, 6pm GMT is 18:00 UTC.
    assert got[0].astimezone(UTC).hour == 17 and got[-1].astimezone(UTC).hour == 18


def test_fortnightly_until_a_date_includes_that_date() -> None:
    event = make("fortnightly", datetime(2026, 11, 2, 10), repeat_until=date(2026, 12, 14))
    assert [s.date() for s in starts(event)] == [
        date(2026, 11, 2),
        date(2026, 11, 16),
        date(2026, 11, 30),
        date(2026, 12, 14),
    ]


def test_monthly_on_the_second_tuesday_and_the_last_friday() -> None:
    second_tuesday = make("monthly", datetime(2026, 11, 10, 10), repeat_count=3)
    assert [s.date() for s in starts(second_tuesday)] == [
        date(2026, 11, 10),
        date(2026, 12, 8),
        date(2027, 1, 12),
    ]
    assert describe_repeat(second_tuesday).startswith("The 2nd Tuesday of every month")
    last_friday = make("monthly", datetime(2026, 10, 30, 10), repeat_count=3)
    assert [s.date() for s in starts(last_friday)] == [
        date(2026, 10, 30),
        date(2026, 11, 27),
        date(2026, 12, 25),
    ]


def test_every_two_months_for_workshops() -> None:
    event = make("bimonthly", datetime(2026, 11, 10, 10), repeat_count=3)
    assert [s.date() for s in starts(event)] == [
        date(2026, 11, 10),
        date(2027, 1, 12),
        date(2027, 3, 9),
    ]


def test_cancelled_and_moved_dates() -> None:
    moved_to = to_utc_naive(datetime(2026, 11, 19, 14))
    event = make(
        "weekly",
        datetime(2026, 11, 3, 18),
        repeat_count=4,
        changes=(
            DateChange(date(2026, 11, 10), "cancelled"),
            DateChange(
                date(2026, 11, 17), "moved", moved_to, to_utc_naive(datetime(2026, 11, 19, 16))
            ),
        ),
    )
    found = occurrences(event)
    assert [o.id for o in found] == ["7-20261103", "7-20261117", "7-20261124"]
    assert found[1].moved and found[1].starts == datetime(2026, 11, 19, 14, tzinfo=LONDON)
    assert occurrence(event, date(2026, 11, 10)) is None
    assert occurrence(event, date(2026, 11, 17)) == found[1]
    assert occurrence(event, date(2026, 11, 11)) is None


def test_window_leaves_out_past_and_far_dates() -> None:
    event = make("weekly", datetime(2026, 11, 3, 18))
    after = datetime(2026, 11, 12, tzinfo=UTC)
    before = datetime(2026, 11, 30, tzinfo=UTC)
    assert [o.original_date for o in occurrences(event, after, before)] == [
        date(2026, 11, 17),
        date(2026, 11, 24),
    ]


@pytest.mark.parametrize(
    ("repeat", "start", "extra"),
    [
        ("weekly", datetime(2026, 10, 6, 18, 30), {"repeat_count": 10}),
        ("fortnightly", datetime(2026, 3, 2, 9), {"repeat_until": date(2026, 9, 1)}),
        ("monthly", datetime(2026, 1, 27, 19), {"repeat_count": 14}),
        ("bimonthly", datetime(2026, 1, 13, 10), {"repeat_until": date(2027, 12, 31)}),
    ],
)
def test_our_dates_match_what_a_calendar_app_expands_from_the_rrule(
    repeat: str, start: datetime, extra: dict[str, object]
) -> None:
    event = make(repeat, start, changes=(DateChange(start.date(), "cancelled"),), **extra)
    cal = Calendar.from_ical(ical.feed([event], "https://events.example", "Test"))
    master = next(c for c in cal.walk("VEVENT") if "RRULE" in c)
    dtstart = master.decoded("DTSTART")
    assert str(dtstart.tzinfo) == "Europe/London"
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=dtstart)
    exdates = {
        d.dt for e in [master["EXDATE"]] for d in (e if isinstance(e, list) else [e]) for d in d.dts
    }
    expected = [d for d in rule if d not in exdates]
    assert [o.starts for o in occurrences(event)] == expected


def test_occurrence_ids_round_trip_and_reject_rubbish() -> None:
    assert parse_occurrence_id("12-20261117") == (12, date(2026, 11, 17))
    for bad in ("12", "12-2026111", "x-20261117", "12-20261340", "1" * 12 + "-20261117"):
        assert parse_occurrence_id(bad) is None
