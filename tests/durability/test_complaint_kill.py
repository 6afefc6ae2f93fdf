"""Durability of the public complaints form (issue 12, point 5): complaints, compliments and
comments are sent to /complaints while `pafinder serve` is SIGKILLed and restarted. Every one
acknowledged with the 303 to its confirmation must be stored once, under the reference the
confirmation names, however often its form is sent again."""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from pafinder.complaints.store import complaints
from pafinder.db import make_engine
from tests.durability.harness import SECRET, Ack, Outcome, Server, address, portal, run_with_kill
from tests.referrals.helpers import errors_of

KILL_AFTER = 16
AFTER_RESTART = 8
KINDS = ("complaint", "compliment", "comment")
SERVICES = ("carers", "mentoring", "general")
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')
FORM_KEYS = URLSafeTimedSerializer(SECRET, salt="pafinder-complaint-form")
SENT = URLSafeTimedSerializer(SECRET, salt="pafinder-complaint-sent")


def _aged_key(key: str) -> str:
    """The form key as the page signs it, shown a minute ago (past the minimum fill time)."""
    return FORM_KEYS.dumps([key, time.time() - 60])


def _ref(response: httpx.Response) -> str:
    """The reference the confirmation page will show (its URL is signed, not stored)."""
    token = response.headers["location"].removeprefix("/complaints/sent/")
    return str(SENT.loads(token)[0])


def test_acknowledged_complaints_survive_sigkill(tmp_path: Path) -> None:
    settings, env = portal(tmp_path)

    def attempt(url: str, worker: int, i: int) -> Outcome:
        key = secrets.token_urlsafe(24)
        form = {
            "form_key": _aged_key(key),
            "kind": KINDS[i % 3],
            "service": SERVICES[(worker + i) % 3],
            "details": f"Words from {worker}-{i}: nobody rang me back.",
            "website": "",
        }
        if i % 2:
            form.update(name="Ada Lovelace", email=f"ada-{worker}-{i}@example.org")
        with httpx.Client(base_url=url, timeout=10, headers=address(worker, i)) as client:
            match = TOKEN.search(client.get("/complaints").text)
            assert match
            form["csrftoken"] = match.group(1)
            response = client.post("/complaints", data=form)
            assert response.status_code == 303, errors_of(response.text)
            ref = _ref(response)
            if i % 3 == 0:  # a double click: the same form again
                again = client.post("/complaints", data=form)
                assert again.status_code == 303 and _ref(again) == ref
            return Ack(key, ref, (form, dict(client.cookies), address(worker, i)))

    def replay(url: str, ref: str, sent: Any) -> None:
        form, cookies, headers = sent
        with httpx.Client(base_url=url, timeout=10, cookies=cookies, headers=headers) as client:
            again = client.post("/complaints", data=form)
        assert again.status_code == 303 and _ref(again) == ref

    server = Server(env, tmp_path / "server.log")
    run = run_with_kill(server, attempt, replay, KILL_AFTER, AFTER_RESTART)

    with make_engine(settings.database_url).connect() as conn:
        rows = conn.execute(select(complaints.c.form_key, complaints.c.ref)).all()
    keys = Counter(r.form_key for r in rows)
    assert not [k for k, n in keys.items() if n > 1], "a form was recorded twice"
    assert len({r.ref for r in rows}) == len(rows), "a reference was given twice"
    stored = {r.form_key: r.ref for r in rows}
    missing = {k: ref for k, ref in run.acked.items() if stored.get(k) != ref}
    assert not missing, f"acknowledged with a 303 but not stored: {missing}"
    assert len(run.acked) >= KILL_AFTER + AFTER_RESTART
