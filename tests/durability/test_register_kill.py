"""Durability of PA registration (issue 12, point 5): clients walk the question pages under
/become-a-pa/register and send them while `pafinder serve` is SIGKILLed and restarted. Every
registration acknowledged with the 303 to check-your-email must be one unverified listing, once;
a registration sent again (a double click, or after the restart) must not make a second."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from pafinder.db import make_engine
from pafinder.register.tables import pas
from tests.durability.harness import Ack, Outcome, Server, address, portal, run_with_kill
from tests.durability.harness import backdate_own_draft as backdate
from tests.referrals.helpers import errors_of
from tests.register.lifecycle_helpers import BASE, valid_answers

KILL_AFTER = 8
AFTER_RESTART = 4
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')
SENT = f"{BASE}/check-your-email"


def _token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    match = TOKEN.search(page.text)
    assert match, f"no csrftoken on {path}: {page.status_code}"
    return match.group(1)


def _post(client: httpx.Client, path: str, data: dict[str, Any]) -> httpx.Response:
    response = client.post(path, data={**data, "csrftoken": _token(client, path)})
    assert response.status_code == 303, (path, response.status_code, errors_of(response.text))
    return response


def test_acknowledged_registrations_survive_sigkill(tmp_path: Path) -> None:
    settings, env = portal(tmp_path)
    # One engine for the whole test: on SQLite, making one opens the database file, and closing
    # that descriptor would drop the locks of this process's other connections (POSIX).
    engine = make_engine(settings.database_url)

    def attempt(url: str, worker: int, i: int) -> Outcome:
        email = f"pa-{worker}-{i}@example.org"
        with httpx.Client(base_url=url, timeout=10, headers=address(worker, i)) as client:
            _post(client, BASE, {})
            for step, data in valid_answers(email).items():
                _post(client, f"{BASE}/{step}", data)
            backdate(engine, client)
            form = {"csrftoken": _token(client, f"{BASE}/check-answers"), "website": ""}
            response = client.post(f"{BASE}/check-answers", data=form)
            assert response.status_code == 303, (response.status_code, errors_of(response.text))
            assert response.headers["location"] == SENT
            ack = Ack(email, SENT, (form, dict(client.cookies), address(worker, i)))
            if i % 3 == 0:  # a double click: the same form sent again
                again = client.post(f"{BASE}/check-answers", data=form)
                assert again.status_code == 303 and again.headers["location"] == SENT
        return ack

    def replay(url: str, location: str, sent: Any) -> None:
        form, cookies, headers = sent
        with httpx.Client(base_url=url, timeout=10, cookies=cookies, headers=headers) as client:
            again = client.post(f"{BASE}/check-answers", data=form)
        assert again.status_code == 303 and again.headers["location"] == location

    server = Server(env, tmp_path / "server.log")
    run = run_with_kill(server, attempt, replay, KILL_AFTER, AFTER_RESTART)

    with engine.connect() as conn:
        rows = conn.execute(select(pas.c.email, pas.c.status)).all()
        refs = conn.execute(select(func.count(func.distinct(pas.c.ref)))).scalar_one()
    emails = Counter(r.email for r in rows)
    assert not [e for e, n in emails.items() if n > 1], "a registration was recorded twice"
    assert refs == len(rows)
    status = {r.email: r.status for r in rows}
    missing = [e for e in run.acked if status.get(e) != "unverified"]
    assert not missing, f"acknowledged with a 303 but not an unverified listing: {missing}"
    assert len(run.acked) >= KILL_AFTER + AFTER_RESTART
