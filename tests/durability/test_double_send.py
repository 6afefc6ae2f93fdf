"""A double click on "Send registration" whose two requests reach two worker processes at once
(found next to the kill test's sequential double clicks, issue 12 point 5): on PostgreSQL both
read the draft as not sent and made two listings. Three simultaneous sends must make one."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select

from pafinder.db import make_engine
from pafinder.register.tables import pas
from tests.durability.harness import Workers, address, portal
from tests.durability.harness import backdate_own_draft as backdate
from tests.durability.test_register_kill import SENT, _post, _token
from tests.register.lifecycle_helpers import BASE, valid_answers

REGISTRATIONS = 6
# Three at once: each counts against the address's 3 an hour before the draft is claimed (a
# fourth would rightly be a 429, with nothing stored).
SENDS = 3


def test_simultaneous_sends_of_one_registration_make_one_listing(tmp_path: Path) -> None:
    settings, env = portal(tmp_path)
    engine = make_engine(settings.database_url)  # once: see test_register_kill
    server = Workers(env, tmp_path / "server.log")
    server.start()
    answers: list[tuple[int, str]] = []
    try:
        for n in range(REGISTRATIONS):
            email = f"double-{n}@example.org"
            headers = address(0, n)
            with httpx.Client(base_url=server.url, timeout=20, headers=headers) as client:
                _post(client, BASE, {})
                for step, data in valid_answers(email).items():
                    _post(client, f"{BASE}/{step}", data)
                backdate(engine, client)
                form = {"csrftoken": _token(client, f"{BASE}/check-answers"), "website": ""}
                cookies = dict(client.cookies)
            start = threading.Barrier(SENDS)

            def send() -> None:
                with httpx.Client(
                    base_url=server.url, timeout=20, cookies=cookies, headers=headers
                ) as http:
                    start.wait()
                    response = http.post(f"{BASE}/check-answers", data=form)
                answers.append((response.status_code, response.headers.get("location", "")))

            threads = [threading.Thread(target=send) for _ in range(SENDS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
    finally:
        server.stop()
    assert answers == [(303, SENT)] * (REGISTRATIONS * SENDS)
    with engine.connect() as conn:
        emails = Counter(r.email for r in conn.execute(select(pas.c.email)))
    assert emails == Counter({f"double-{n}@example.org": 1 for n in range(REGISTRATIONS)})
