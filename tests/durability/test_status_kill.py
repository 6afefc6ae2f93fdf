"""Durability of staff status changes on referrals (issue 12, point 5): staff members move their
referrals from status to status (POST /staff/referrals/{ref}/status with the record's version)
while `pafinder serve` is SIGKILLed and restarted. Every change acknowledged with the 303 back to
the record must be in its status history once, with one audit row per change; a form sent again
(a double click, or after the restart) carries a version that is no longer current and is
refused with a 409, recording nothing."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from pafinder import crypto
from pafinder.db import make_engine
from pafinder.referrals import store
from pafinder.referrals.casework import referral_changes
from pafinder.staff.store import audit_log
from tests.conftest import STAFF_PASSWORD, add_staff
from tests.durability.harness import THREADS, Ack, Outcome, Server, portal, run_with_kill
from tests.referrals.helpers import errors_of, hidden, make_referral

KILL_AFTER = 12
AFTER_RESTART = 6
# Statuses that need no reason, in an order that never repeats one twice running.
CYCLE = ("contacted", "assessed", "accepted", "active", "closed")
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


def _sign_in(url: str, email: str) -> dict[str, str]:
    with httpx.Client(base_url=url, timeout=10) as client:
        match = TOKEN.search(client.get("/staff/sign-in").text)
        assert match
        form = {"email": email, "password": STAFF_PASSWORD, "csrftoken": match.group(1)}
        response = client.post("/staff/sign-in", data={**form, "next": "/staff/"})
        assert response.status_code == 303, errors_of(response.text)
        return dict(client.cookies)


def test_acknowledged_status_changes_survive_sigkill(tmp_path: Path) -> None:
    settings, env = portal(tmp_path)
    refs = [make_referral(settings) for _ in range(THREADS)]  # one referral per staff member
    emails = [add_staff(settings, f"worker{n}@example.org") for n in range(THREADS)]
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(store.referrals.c.ref, store.referrals.c.version)).all()
    first_version = {r.ref: r.version for r in rows}
    sessions: dict[int, dict[str, str]] = {}  # worker -> its signed-in cookies

    def attempt(url: str, worker: int, i: int) -> Outcome:
        ref = refs[worker]
        if worker not in sessions:
            sessions[worker] = _sign_in(url, emails[worker])
        with httpx.Client(base_url=url, timeout=10, cookies=sessions[worker]) as client:
            page = client.get(f"/staff/referrals/{ref}")
            assert page.status_code == 200, page.status_code
            marker = f"change {worker}-{i}"
            status = CYCLE[i % len(CYCLE)]
            form = {
                "csrftoken": hidden(page.text, "csrftoken"),
                "version": hidden(page.text, "version"),
                "status": status,
                "note": marker,
            }
            response = client.post(f"/staff/referrals/{ref}/status", data=form)
            assert response.status_code == 303, errors_of(response.text)
            assert response.headers["location"] == f"/staff/referrals/{ref}"
            if i % 3 == 0:  # a double click: the same form, now for an old version
                assert client.post(f"/staff/referrals/{ref}/status", data=form).status_code == 409
        return Ack(marker, (ref, status), (form, sessions[worker]))

    def replay(url: str, change: tuple[str, str], sent: Any) -> None:
        form, cookies = sent
        with httpx.Client(base_url=url, timeout=10, cookies=cookies) as client:
            again = client.post(f"/staff/referrals/{change[0]}/status", data=form)
        assert again.status_code == 409, again.status_code

    server = Server(env, tmp_path / "server.log")
    run = run_with_kill(server, attempt, replay, KILL_AFTER, AFTER_RESTART)

    with engine.connect() as conn:
        referrals = store.referrals
        now = conn.execute(select(referrals.c.ref, referrals.c.id, referrals.c.version)).all()
        ids = {r.ref: r.id for r in now}
        versions = {r.ref: r.version for r in now}
        changes = conn.execute(
            select(referral_changes)
            .where(referral_changes.c.what == "status")
            .order_by(referral_changes.c.id)
        ).all()
        audit = conn.execute(
            select(audit_log)
            .where(audit_log.c.action == "referral.status")
            .order_by(audit_log.c.id)
        ).all()
    notes = Counter(crypto.decrypt(engine, c.note) for c in changes)
    assert not [n for n, count in notes.items() if count > 1], "a change was recorded twice"
    stored = {crypto.decrypt(engine, c.note): c for c in changes}
    by_ref = {ref: [c for c in changes if c.referral_id == ids[ref]] for ref in refs}
    missing = [m for m, (ref, status) in run.acked.items() if m not in stored]
    assert not missing, f"acknowledged with a 303 but not in the history: {missing}"
    for marker, (ref, status) in run.acked.items():
        assert stored[marker].referral_id == ids[ref] and stored[marker].to_value == status
    for ref in refs:
        history = by_ref[ref]
        # Each change is one step from the status before it, with one version each...
        assert [c.from_value for c in history[1:]] == [c.to_value for c in history[:-1]]
        assert versions[ref] == first_version[ref] + len(history)
        # ...and one audit row each, saying the same from and to.
        rows = [a for a in audit if a.subject_id == ref]
        said = [(json.loads(a.detail)["from"], json.loads(a.detail)["to"]) for a in rows]
        assert said == [(c.from_value, c.to_value) for c in history]
    assert len(run.acked) >= KILL_AFTER + AFTER_RESTART
