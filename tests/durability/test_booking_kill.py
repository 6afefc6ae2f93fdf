"""Durability of event bookings (issue 12, point 5): people book one date (POST
/events/{key}/book) while `pafinder serve` is SIGKILLed and restarted. Every booking request
acknowledged with the 303 to .../booked must be one booking row (booked or on the waiting list),
once, however often it is sent again; and the places booked never exceed the capacity."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from pafinder.db import make_engine
from pafinder.events.tables import event_bookings
from tests.durability.harness import Ack, Outcome, Server, address, portal, run_with_kill
from tests.events.conftest import add_event, london_today
from tests.referrals.helpers import errors_of

KILL_AFTER = 10
AFTER_RESTART = 5
CAPACITY = 5
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


def test_acknowledged_bookings_survive_sigkill(tmp_path: Path) -> None:
    settings, env = portal(tmp_path)
    day = london_today() + timedelta(days=6)
    event_id = add_event(settings, capacity=CAPACITY, start_date=day, repeat="none")
    key = f"{event_id}-{day:%Y%m%d}"
    booked = f"/events/{key}/booked"

    def attempt(url: str, worker: int, i: int) -> Outcome:
        email = f"person-{worker}-{i}@example.org"
        with httpx.Client(base_url=url, timeout=10, headers=address(worker, i)) as client:
            page = client.get(f"/events/{key}/book")
            match = TOKEN.search(page.text)
            assert match, page.status_code
            form = {"csrftoken": match.group(1), "name": f"Person {worker} {i}", "email": email}
            response = client.post(f"/events/{key}/book", data=form)
            assert response.status_code == 303, errors_of(response.text)
            assert response.headers["location"] == booked
            if i % 3 == 0:  # a double click: the same request again
                again = client.post(f"/events/{key}/book", data=form)
                assert again.status_code == 303 and again.headers["location"] == booked
            return Ack(email, booked, (form, dict(client.cookies), address(worker, i)))

    def replay(url: str, location: str, sent: Any) -> None:
        form, cookies, headers = sent
        with httpx.Client(base_url=url, timeout=10, cookies=cookies, headers=headers) as client:
            again = client.post(f"/events/{key}/book", data=form)
        assert again.status_code == 303 and again.headers["location"] == location

    server = Server(env, tmp_path / "server.log")
    run = run_with_kill(server, attempt, replay, KILL_AFTER, AFTER_RESTART)

    with make_engine(settings.database_url).connect() as conn:
        rows = conn.execute(
            select(event_bookings.c.email, event_bookings.c.status).where(
                event_bookings.c.event_id == event_id
            )
        ).all()
    emails = Counter(r.email for r in rows)
    assert not [e for e, n in emails.items() if n > 1], "a booking was recorded twice"
    status = {r.email: r.status for r in rows}
    missing = [e for e in run.acked if status.get(e) not in ("booked", "waiting")]
    assert not missing, f"acknowledged with a 303 but not booked or waiting: {missing}"
    places = Counter(status.values())
    # More acknowledged than places: exactly the capacity booked, everyone else waiting.
    assert places["booked"] == CAPACITY, places
    assert places["waiting"] == len(rows) - CAPACITY
    assert len(run.acked) >= KILL_AFTER + AFTER_RESTART
