"""An event as the rest of the feature sees it, and its occurrences.

Repeats are expanded in Europe/London wall-clock time, so a 6pm group stays at 6pm across the
clock changes (as a calendar app does with RRULE + TZID). Each occurrence is identified by its
original local date: a moved date keeps its identity, its bookings and its attendance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pafinder.web.params import parse_compact_day, parse_id

LONDON = ZoneInfo("Europe/London")
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
# ASCII digits only: \d also matches other scripts' digits.
OCCURRENCE_ID = re.compile(r"^([0-9]{1,10})-([0-9]{8})$")
# Stop runaway expansion of an open-ended series (10 years of weekly sessions).
MAX_EXPANSION = 520


def to_local(utc_naive: datetime) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(LONDON)


def to_utc_naive(local: datetime) -> datetime:
    """A London wall-clock time (naive or aware) -> naive UTC for the database."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=LONDON)
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class DateChange:
    """One date of a series cancelled, or moved to another time."""

    original_date: date
    action: str  # cancelled | moved
    starts_at: datetime | None = None  # naive UTC, when moved
    ends_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Event:
    id: int
    status: str
    title: str
    kind: str
    service: str
    audience: str
    description: str
    starts_at: datetime  # naive UTC: the first occurrence
    ends_at: datetime
    repeat: str
    repeat_until: date | None
    repeat_count: int | None
    format: str
    venue_name: str
    address: str
    postcode: str
    area: str
    access: tuple[str, ...]
    transport_notes: str
    joining_details: str
    cost: str
    cost_text: str
    capacity: int | None
    booking_required: bool
    created_at: datetime
    updated_at: datetime
    changes: tuple[DateChange, ...] = field(default=())

    @property
    def local_start(self) -> datetime:
        return to_local(self.starts_at)

    @property
    def local_end(self) -> datetime:
        return to_local(self.ends_at)

    @property
    def repeats(self) -> bool:
        return self.repeat != "none"

    @property
    def nth_weekday(self) -> int:
        """For monthly repeats: which weekday of the month (1-4, or -1 for the last)."""
        nth = (self.local_start.day - 1) // 7 + 1
        return -1 if nth == 5 else nth

    @property
    def online(self) -> bool:
        return self.format == "online"

    def change_for(self, day: date) -> DateChange | None:
        return next((c for c in self.changes if c.original_date == day), None)


@dataclass(frozen=True)
class Occurrence:
    event: Event
    original_date: date
    starts: datetime  # aware, Europe/London
    ends: datetime
    moved: bool = False

    @property
    def id(self) -> str:
        return occurrence_id(self.event.id, self.original_date)

    @property
    def starts_utc(self) -> datetime:
        return to_utc_naive(self.starts)


def occurrence_id(event_id: int, day: date) -> str:
    return f"{event_id}-{day:%Y%m%d}"


def parse_occurrence_id(value: str) -> tuple[int, date] | None:
    match = OCCURRENCE_ID.match(value)
    if not match:
        return None
    event_id = parse_id(match[1])
    try:
        day = parse_compact_day(match[2])  # bounded, so nothing downstream overflows
    except ValueError:
        return None
    return (event_id, day) if event_id is not None else None


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    first = date(year, month, 1)
    if nth > 0:
        day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
        return day if day.month == month else None
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def series_starts(event: Event) -> Iterator[datetime]:
    """Naive London wall-clock starts of the series as its rule defines them (exceptions not
    applied), first one first."""
    first = event.local_start.replace(tzinfo=None)
    if not event.repeats:
        yield first
        return
    count = 0
    k = 0
    while k < MAX_EXPANSION * 2 and count < MAX_EXPANSION:
        if event.repeat in ("weekly", "fortnightly"):
            step = 7 if event.repeat == "weekly" else 14
            candidate: datetime | None = first + timedelta(days=step * k)
        else:
            months = k * (1 if event.repeat == "monthly" else 2)
            year, month = (
                first.year + (first.month - 1 + months) // 12,
                (first.month - 1 + months) % 12 + 1,
            )
            day = _nth_weekday(year, month, first.weekday(), event.nth_weekday)
            candidate = datetime.combine(day, first.time()) if day else None
        k += 1
        if candidate is None:
            continue
        if event.repeat_until and candidate.date() > event.repeat_until:
            return
        if event.repeat_count and count >= event.repeat_count:
            return
        count += 1
        yield candidate


def occurrences(
    event: Event, after: datetime | None = None, before: datetime | None = None
) -> list[Occurrence]:
    """Occurrences (cancelled dates left out, moved ones at their new time) that end after
    ``after`` and start before ``before`` (both aware or naive UTC), in time order."""
    after_utc = _as_utc(after)
    before_utc = _as_utc(before)
    duration = event.local_end.replace(tzinfo=None) - event.local_start.replace(tzinfo=None)
    found: list[Occurrence] = []
    for wall in series_starts(event):
        starts = wall.replace(tzinfo=LONDON)
        ends = (wall + duration).replace(tzinfo=LONDON)
        original = wall.date()
        change = event.change_for(original)
        if change and change.action == "cancelled":
            continue
        moved = bool(change and change.action == "moved" and change.starts_at and change.ends_at)
        if moved and change and change.starts_at and change.ends_at:
            starts, ends = to_local(change.starts_at), to_local(change.ends_at)
        if before_utc and wall.replace(tzinfo=LONDON) >= before_utc + timedelta(days=400):
            break  # far past the window even allowing for moves
        if after_utc and ends <= after_utc:
            continue
        if before_utc and starts >= before_utc:
            continue
        found.append(Occurrence(event, original, starts, ends, moved))
    return sorted(found, key=lambda o: (o.starts, o.event.id))


def occurrence(event: Event, day: date) -> Occurrence | None:
    """The occurrence whose original date is ``day`` (None if there is none or it is cancelled)."""
    first = event.local_start.date()
    if day < first:
        return None
    for wall in series_starts(event):
        if wall.date() == day:
            found = occurrences_on(event, wall)
            return found
        if wall.date() > day:
            return None
    return None


def occurrences_on(event: Event, wall: datetime) -> Occurrence | None:
    duration = event.local_end.replace(tzinfo=None) - event.local_start.replace(tzinfo=None)
    change = event.change_for(wall.date())
    if change and change.action == "cancelled":
        return None
    if change and change.action == "moved" and change.starts_at and change.ends_at:
        return Occurrence(
            event, wall.date(), to_local(change.starts_at), to_local(change.ends_at), True
        )
    return Occurrence(
        event, wall.date(), wall.replace(tzinfo=LONDON), (wall + duration).replace(tzinfo=LONDON)
    )


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def describe_repeat(event: Event) -> str:
    """'Every week on Tuesday, until 30 June 2027' and so on, for pages and emails."""
    start = event.local_start
    weekday = f"{start:%A}"
    if event.repeat == "none":
        return ""
    if event.repeat == "weekly":
        text = f"Every {weekday}"
    elif event.repeat == "fortnightly":
        text = f"Every other {weekday}"
    else:
        every = "month" if event.repeat == "monthly" else "2 months"
        text = f"The {ORDINALS[event.nth_weekday]} {weekday} of every {every}"
    if event.repeat_until:
        text += f", until {event.repeat_until.day} {event.repeat_until:%B %Y}"
    elif event.repeat_count:
        text += f", {event.repeat_count} sessions in all"
    return text
