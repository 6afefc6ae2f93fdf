"""Booking: confirmation email with the .ics (real SMTP), the signed cancel link, the waiting
list handing freed places on in order, capacity under 20 simultaneous requests, the carers
training limit, reminders once, and attendance counts."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import httpx
from icalendar import Calendar

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.events import bookings
from pafinder.events.commands import send_reminders
from pafinder.events.models import BookingInput
from pafinder.events.notify import read_token
from pafinder.events.recurrence import occurrence
from pafinder.events.store import get_event
from pafinder.settings import Settings
from tests.browser.conftest import LiveServer
from tests.conftest import Inbox, PageClient, add_staff, body_text, sign_in
from tests.events.conftest import add_event, events_settings, london_today


def book(client: PageClient, key: str, **fields: str) -> httpx.Response:
    token = client.csrf(f"/events/{key}/book")
    return client.post(
        f"/events/{key}/book", data={"csrftoken": token, **fields}, follow_redirects=False
    )


def ics_attachment(message: object) -> Calendar:
    for part in message.walk():  # type: ignore[attr-defined]
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no .ics attached")


def cancel_link(message: object) -> str:
    match = re.search(r"http://[^\s]+/events/bookings/[^\s]+", body_text(message))  # type: ignore[arg-type]
    assert match, body_text(message)  # type: ignore[arg-type]
    return match.group(0).split("127.0.0.1:8000")[1]


def outbox_messages(settings: Settings) -> list[Message]:
    """The development outbox: every email written as an .eml file (no SMTP set)."""
    files = sorted(settings.outbox_dir.glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)
    return [message_from_bytes(f.read_bytes()) for f in files]


def test_booking_with_someone_elses_details_never_shows_or_hands_over_their_booking(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    """The takeover: Mallory books Ann's date with Ann's email (or phone). Before the fix the
    answer was a 303 to Ann's own booking page, with her email and a cancel button."""
    url, inbox = smtp
    settings = events_settings(tmp_path, smtp_url=url)
    first = london_today() + timedelta(days=4)
    event_id = add_event(settings, capacity=5, start_date=first, title="Hearing voices group")
    key = f"{event_id}-{first:%Y%m%d}"
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as ann:
        own = book(ann, key, name="Ann Example", email="ann@example.com", phone="07700 900123")
        own_page = ann.get(own.headers["location"]).text
    inbox.wait_for(1)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as mallory:
        fresh = book(mallory, key, name="Mal", email="mal@example.net")
        by_email = book(mallory, key, name="Mal", email="ANN@example.com")
        by_phone = book(mallory, key, name="Mal", email="mal2@example.net", phone="07700900123")
        for response in (by_email, by_phone):
            # The same answer a first booking gets, and nothing of Ann's behind it.
            assert response.status_code == 303
            page = mallory.get(response.headers["location"]).text
            assert "ann@example.com" not in page and "/events/bookings/" not in page
            assert "/cancel" not in page
            assert page == own_page
            assert response.headers["location"] == fresh.headers["location"]
            assert response.headers["location"] == own.headers["location"]
    messages = inbox.wait_for(4)
    assert [m["To"] for m in messages].count("ann@example.com") == 3  # her link, to her only
    assert not inbox.to("mal2@example.net")
    repeat = inbox.to("ann@example.com")[-1]
    assert "did not ask to book again" in body_text(repeat)
    engine = make_engine(settings.database_url)
    people = sorted(b.email for b in bookings.occurrence_bookings(engine, event_id, first))
    assert people == ["ann@example.com", "mal@example.net"]  # Ann's booking is untouched


def test_booking_email_cancel_and_waiting_list(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    settings = events_settings(tmp_path, smtp_url=url)
    first = london_today() + timedelta(days=5)
    event_id = add_event(
        settings,
        capacity=1,
        start_date=first,
        format="online",
        joining_details="https://meet.example.org/room-42",
        area="",
        venue_name="",
        address="",
        postcode="",
        access=[],
    )
    key = f"{event_id}-{first:%Y%m%d}"
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        form = client.get(f"/events/{key}/book")
        assert form.status_code == 200 and "Book a place" in form.text
        bad = book(client, key, name="", email="not-an-email")
        assert bad.status_code == 400 and "Enter your name" in bad.text
        assert 'value="not-an-email"' in bad.text
        neither = book(client, key, name="Ann")
        assert "Enter an email address or a phone number" in neither.text

        response = book(
            client,
            key,
            name="Ann Example",
            email="ann@example.com",
            **{"access-needs": "Captions please"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/events/{key}/booked"
        assert "sent the details to the email you gave" in client.get(f"/events/{key}/booked").text
        [confirmation] = inbox.wait_for(1)
        again = book(client, key, name="Ann Example", email="ANN@example.com")
        # No double booking: the same answer, and the one booking's link by email again.
        assert again.headers["location"] == response.headers["location"]
        repeat = inbox.wait_for(2)[1]
        assert repeat["To"] == "ann@example.com" and "already have a place" in body_text(repeat)
        ids = {
            read_token(settings, cancel_link(m).rsplit("/", 1)[1]) for m in (repeat, confirmation)
        }
        assert len(ids) == 1  # the one booking

        assert confirmation["To"] == "ann@example.com"
        assert "You have a place" in body_text(confirmation)
        assert "room-42" in body_text(confirmation)  # only people who booked get the link
        vevent = ics_attachment(confirmation).walk("VEVENT")[0]
        assert vevent.decoded("DTSTART").date() == first
        assert vevent["DTSTART"].params["TZID"] == "Europe/London"
        assert "room-42" in str(vevent["DESCRIPTION"])

        full_page = client.get(f"/events/{key}/book")
        assert "Join the waiting list" in full_page.text
        waiting = book(client, key, name="Bea Example", email="bea@example.com")
        assert waiting.headers["location"] == f"/events/{key}/booked"
        assert "put you on the waiting list" in body_text(inbox.wait_for(3)[2])
        waiting2 = book(client, key, name="Cy Example", phone="07700 900982")
        assert waiting2.headers["location"] == f"/events/{key}/booked?by=phone"
        assert "we will phone or text you" in client.get(waiting2.headers["location"]).text
        api = json.loads((settings.site_dir / "api" / "events.json").read_text())
        assert next(e for e in api if e["id"] == key)["places_left"] == 0
        assert "room-42" not in json.dumps(api)

        # Ann cancels with the emailed link; Bea (first waiting) is booked and told.
        link = cancel_link(confirmation)
        page = client.get(link + "/cancel")
        assert page.status_code == 200 and "Yes, cancel my place" in page.text
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        done = client.post(link + "/cancel", data={"csrftoken": token}, follow_redirects=False)
        assert done.status_code == 303
        assert "Your booking is cancelled" in client.get(link).text
        offer = inbox.wait_for(4)[3]
        assert offer["To"] == "bea@example.com" and "place has come up" in offer["Subject"]
        assert "room-42" in body_text(offer)
        engine = make_engine(settings.database_url)
        people = {b.name: b.status for b in bookings.occurrence_bookings(engine, event_id, first)}
        assert people == {
            "Ann Example": "cancelled",
            "Bea Example": "booked",
            "Cy Example": "waiting",
        }
        assert client.get("/events/bookings/forged-token").status_code == 404


def test_twenty_simultaneous_requests_for_five_places(tmp_path: Path) -> None:
    settings = events_settings(tmp_path)
    first = london_today() + timedelta(days=3)
    event_id = add_event(settings, capacity=5, start_date=first, repeat="none")
    key = f"{event_id}-{first:%Y%m%d}"
    statuses: list[int] = []
    start = threading.Barrier(20)

    with LiveServer(settings) as server:

        def one(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                page = http.get(f"/events/{key}/book").text
                token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
                start.wait()
                response = http.post(
                    f"/events/{key}/book",
                    data={"csrftoken": token, "name": f"Person {n}", "email": f"p{n}@example.com"},
                )
                statuses.append(response.status_code)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        api = httpx.get(server.url + "/api/events").json()
    assert statuses == [303] * 20  # every request was answered with its confirmation
    people = bookings.occurrence_bookings(make_engine(settings.database_url), event_id, first)
    assert sum(b.status == "booked" for b in people) == 5
    assert sum(b.status == "waiting" for b in people) == 15
    assert next(e for e in api if e["id"] == key)["places_left"] == 0


def test_eight_simultaneous_bookings_for_the_last_place_book_one(tmp_path: Path) -> None:
    """The store itself, without HTTP in between, so the threads really collide: on
    PostgreSQL (READ COMMITTED) the count and the insert without the event's row lock let
    6-9 of 8 people into one place."""
    settings = events_settings(tmp_path)
    engine = make_engine(settings.database_url)
    first = london_today() + timedelta(days=3)
    event = get_event(engine, add_event(settings, capacity=1, start_date=first, repeat="none"))
    assert event is not None
    occ = occurrence(event, first)
    assert occ is not None
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def one(n: int) -> None:
        start.wait()
        outcomes.append(bookings.book(engine, occ, data(f"P{n}", f"p{n}@example.com")).outcome)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] + ["waiting"] * 7
    people = bookings.occurrence_bookings(engine, event.id, first)
    assert [b.status for b in people].count("booked") == 1
    engine.dispose()


def data(name: str, email: str = "", phone: str = "") -> BookingInput:
    return BookingInput(date="", name=name, email=email, phone=phone)


def test_carers_training_allows_three_sessions_a_year_with_staff_override(tmp_path: Path) -> None:
    settings = events_settings(tmp_path)
    engine = make_engine(settings.database_url)
    first = london_today() + timedelta(days=2)
    training = add_event(
        settings, kind="training", capacity=10, start_date=first, title="Carers training: first aid"
    )
    group = add_event(settings, kind="support-group", capacity=10, start_date=first)
    event = get_event(engine, training)
    assert event is not None
    dates = [o for o in [occurrence(event, first + timedelta(weeks=w)) for w in range(6)] if o]
    # The same carer by email, then by phone only: both count.
    for occ, who in zip(
        dates[:3],
        [
            data("Dee", "dee@example.com", "07700 900111"),
            data("Dee", "dee@example.com"),
            data("Dee", phone="+44 7700 900111"),
        ],
        strict=True,
    ):
        assert bookings.book(engine, occ, who).outcome == "booked"
    refused = bookings.book(engine, dates[3], data("Dee", "DEE@example.com"))
    assert refused.outcome == "over-limit" and refused.sessions_this_year == 3
    other = get_event(engine, group)
    assert other is not None
    assert (
        bookings.book(engine, occurrence(other, first), data("Dee", "dee@example.com")).outcome
        == "booked"
    )  # groups have no limit

    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        page = client.get(f"/events/{dates[3].id}/book")
        assert "up to 3 training sessions a year" in page.text
        response = book(client, dates[3].id, name="Dee", email="dee@example.com")
        # The same answer as a booking: the limit goes by email to the address on record.
        assert response.headers["location"] == f"/events/{dates[3].id}/booked"
        [limit] = [m for m in outbox_messages(settings) if "could not book" in m["Subject"]]
        assert limit["To"] == "dee@example.com"
        assert "already have 3 carers training sessions" in body_text(limit)
        # Dee's phone with someone else's email: nothing reaches that email.
        book(client, dates[3].id, name="X", email="x@example.net", phone="07700900111")
        assert not [m for m in outbox_messages(settings) if "x@example.net" in m["To"]]
        add_staff(settings)
        sign_in(client, "staff@example.org")
        path = f"/staff/events/{training}/occurrences/{dates[3].original_date}/book"
        token = client.csrf(path)
        refused_page = client.post(
            path, data={"csrftoken": token, "name": "Dee", "email": "dee@example.com"}
        )
        assert refused_page.status_code == 400 and "Tick the box" in refused_page.text
        ok = client.post(
            path,
            data={"csrftoken": token, "name": "Dee", "email": "dee@example.com", "override": "yes"},
            follow_redirects=False,
        )
        assert ok.status_code == 303
    [staff_booked] = [
        b for b in bookings.occurrence_bookings(engine, training, dates[3].original_date)
    ]
    assert staff_booked.status == "booked" and staff_booked.staff_override


def test_training_year_runs_april_to_march() -> None:
    assert bookings.training_year(date(2027, 3, 31)) == (date(2026, 4, 1), date(2027, 3, 31))
    assert bookings.training_year(date(2027, 4, 1)) == (date(2027, 4, 1), date(2028, 3, 31))


def test_reminders_go_once_to_people_booked_in_the_next_48_hours(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = events_settings(tmp_path, smtp_url=url)
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    soon = add_event(
        settings,
        repeat="none",
        start_date=london_today() + timedelta(days=1),
        start_time=time(12),
        end_time=time(13),
    )
    later = add_event(settings, repeat="none", start_date=london_today() + timedelta(days=5))
    for event_id, name in ((soon, "Soon"), (later, "Later")):
        event = get_event(engine, event_id)
        assert event is not None
        occ = occurrence(event, event.local_start.date())
        assert occ is not None
        bookings.book(engine, occ, data(name, f"{name.lower()}@example.com"))
    inbox.wait_for(0)
    assert send_reminders(settings, now) == 1
    [reminder] = inbox.wait_for(1)
    assert reminder["To"] == "soon@example.com" and reminder["Subject"].startswith("Reminder")
    assert send_reminders(settings, now) == 0
    assert send_reminders(settings, now + timedelta(hours=1)) == 0
    assert len(inbox.messages) == 1


def test_attendance_marks_and_report_counts(tmp_path: Path) -> None:
    settings = events_settings(tmp_path)
    engine = make_engine(settings.database_url)
    first = london_today() + timedelta(days=1)
    event_id = add_event(settings, start_date=first, capacity=10)
    event = get_event(engine, event_id)
    assert event is not None
    week2 = first + timedelta(weeks=1)
    ids = {}
    for day in (first, week2):
        occ = occurrence(event, day)
        assert occ is not None
        for name in ("Ann", "Bob", "Cat"):
            result = bookings.book(engine, occ, data(name, f"{name.lower()}@example.com"))
            assert result.booking is not None
            ids[(day, name)] = result.booking.id
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        add_staff(settings)
        sign_in(client, "staff@example.org")
        path = f"/staff/events/{event_id}/occurrences/{first.isoformat()}/attendance"
        page = client.get(path)
        assert page.status_code == 200 and "Ann" in page.text
        token = client.csrf(path)
        response = client.post(
            path,
            follow_redirects=False,
            data={
                "csrftoken": token,
                f"booking-{ids[(first, 'Ann')]}": "attended",
                f"booking-{ids[(first, 'Bob')]}": "attended",
                f"booking-{ids[(first, 'Cat')]}": "did-not-attend",
            },
        )
        assert response.status_code == 303
    bookings.set_attendance(
        engine,
        event_id,
        week2,
        {
            ids[(week2, "Ann")]: "attended",
            ids[(week2, "Bob")]: "cancelled",
            ids[(week2, "Cat")]: "nonsense",
        },
        "test",
    )
    summary = bookings.attendance_summary(engine, first, week2 + timedelta(days=1))
    assert summary == {
        "sessions_held": 2,
        "attendances": 3,
        "unique_attendees": 2,
        "did_not_attend": 1,
        "cancelled": 1,
    }
    assert (
        bookings.attendance_summary(engine, first, first, service="mentoring")["attendances"] == 0
    )
