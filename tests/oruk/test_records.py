"""The ORUK records built from content and events directly (no database): repeat rules, date
changes, the clocks going forward, a service's optional cost, and the schema on each."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from functools import cache
from typing import Any

from pafinder.content import Content, load_content
from pafinder.events.recurrence import DateChange, Event
from pafinder.oruk.feed import build_feed
from tests.conftest import REAL_CONTENT
from tests.oruk.validate import assert_valid_one

NOW = datetime(2027, 1, 4, 12, 0)
EVENT = Event(
    id=7,
    status="published",
    title="Last Friday carers cafe",
    kind="support-group",
    service="carers",
    audience="Carers in Derby",
    description="Cake.",
    # 29 January 2027 is the last Friday of the month; 10:00 to 12:00 GMT.
    starts_at=datetime(2027, 1, 29, 10, 0),
    ends_at=datetime(2027, 1, 29, 12, 0),
    repeat="bimonthly",
    repeat_until=date(2027, 12, 31),
    repeat_count=None,
    format="in-person",
    venue_name="Sample Centre",
    address="25 Example Road\nDerby",
    postcode="DE1 1ZZ",
    area="normanton",
    access=("accessible-toilet",),
    transport_notes="Bus 4 stops outside.",
    joining_details="",
    cost="contribution",
    cost_text="£1",
    capacity=None,
    booking_required=False,
    created_at=datetime(2026, 12, 1),
    updated_at=datetime(2026, 12, 2, 9, 30),
)


@cache
def real_content() -> Content:
    return load_content(REAL_CONTENT)


def service(events: list[Event], name: str) -> dict[str, Any]:
    feed = build_feed(real_content(), events, "https://pa.example.org", NOW)
    found = next(s for s in feed.services if s["name"] == name)
    assert_valid_one(found, "services")
    return found


def test_a_last_weekday_every_two_months() -> None:
    changed = dataclasses.replace(
        EVENT,
        changes=(
            DateChange(date(2027, 3, 26), "cancelled", reason="Easter"),
            DateChange(
                date(2027, 5, 28), "moved", datetime(2027, 5, 21, 9, 0), datetime(2027, 5, 21, 11)
            ),
        ),
    )
    found = service([changed], "Last Friday carers cafe")
    rule = found["schedules"][0]
    assert (rule["freq"], rule["interval"], rule["byday"]) == ("MONTHLY", 2, "-1FR")
    assert (rule["dtstart"], rule["valid_to"]) == ("2027-01-29", "2027-12-31")
    assert (rule["opens_at"], rule["closes_at"], rule["timezone"]) == ("10:00:00", "12:00:00", 0)
    assert "Not on 26 March 2027" in rule["notes"] and "Moved: 28 May 2027" in rule["notes"]
    assert found["fees"] == "£1" and "amount" not in found["cost_options"][0]
    assert found["last_modified"] == "2026-12-02T09:30:00Z"
    place = found["service_at_locations"][0]["location"]
    assert "Bus 4 stops outside." in place["description"]
    assert [a["accessibility"] for a in place["accessibility"]] == ["accessible-toilet"]
    assert "Booking is needed" not in found["description"]


def test_summer_times_stay_wall_clock() -> None:
    # 18:00 London on 6 July 2027 is 17:00 UTC.
    summer = dataclasses.replace(
        EVENT,
        title="Summer group",
        starts_at=datetime(2027, 7, 6, 17, 0),
        ends_at=datetime(2027, 7, 6, 18, 30),
        repeat="weekly",
        repeat_until=None,
        repeat_count=10,
    )
    rule = service([summer], "Summer group")["schedules"][0]
    assert (rule["opens_at"], rule["closes_at"], rule["timezone"]) == ("18:00:00", "19:30:00", 1)
    assert rule["byday"] == "TU" and rule["count"] == 10 and rule["valid_to"] == "2027-09-07"


def test_cancelled_and_finished_events_are_left_out() -> None:
    cancelled = dataclasses.replace(EVENT, title="Cancelled", status="cancelled")
    past = dataclasses.replace(
        EVENT,
        title="Past",
        repeat="none",
        repeat_until=None,
        starts_at=datetime(2026, 12, 1, 10),
        ends_at=datetime(2026, 12, 1, 11),
    )
    feed = build_feed(real_content(), [cancelled, past, EVENT], "https://x.org", NOW)
    names = {s["name"] for s in feed.services}
    assert "Last Friday carers cafe" in names and not names & {"Cancelled", "Past"}


def test_a_service_cost_line_is_published(tmp_path: Any) -> None:
    import shutil

    content_dir = tmp_path / "content"
    shutil.copytree(REAL_CONTENT, content_dir)
    path = content_dir / "services" / "mentoring.yaml"
    path.write_text(path.read_text() + "cost: Free for young people in care\n")
    feed = build_feed(load_content(content_dir), [], "https://x.org", NOW)
    found = next(s for s in feed.services if s["name"].startswith("Mentoring"))
    assert_valid_one(found, "services")
    assert found["fees"] == "Free for young people in care"
    assert found["cost_options"][0]["option"] == "Free for young people in care"
    assert found["maximum_age"] == 18 and "minimum_age" not in found
