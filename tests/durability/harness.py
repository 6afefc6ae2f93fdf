"""The kill harness shared by the durability tests: a real `pafinder serve` subprocess (the
Server class of the referral kill test, tests/referrals/test_kill.py), client threads that keep
sending one kind of submission, a SIGKILL once enough of them were acknowledged, a restart, a
few replays of forms sent before the kill, and more acknowledged submissions after it.

Each test gives ``run_with_kill`` an ``attempt`` (one whole submission through HTTP: its key and
what to replay when acknowledged, None when not) and a ``replay`` (posts a form again and checks
the answer), then reads the database to prove every acknowledged one is stored exactly once.

Nothing here sleeps to wait for an effect: the main thread waits on a condition that every
acknowledgement notifies, and threads whose request died with the server wait for it to be up.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from pafinder.settings import Settings
from pafinder.web.drafts import form_drafts
from pafinder.web.sessions import COOKIE, web_sessions
from tests.conftest import REAL_CONTENT, free_port, make_settings, prepare, server_env
from tests.referrals.test_kill import PAFINDER, Server

__all__ = [
    "PAFINDER",
    "Ack",
    "Outcome",
    "Server",
    "Workers",
    "address",
    "portal",
    "run_with_kill",
]

# One data key for the test process and the server, so text encrypted by one opens in the other.
DATA_KEY = Fernet.generate_key().decode()
SECRET = "test-secret-key-for-pafinder-tests-only"
THREADS = 4
BUDGET = 60.0  # seconds for each phase (before the kill, after the restart) at most


def portal(tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    """Settings on the real content (migrated, site built) and the server's environment. The
    database is SQLite, or a fresh PostgreSQL one in the suite's PostgreSQL run (make_settings).
    X-Forwarded-For is believed from 127.0.0.1, so each simulated person has an address of their
    own and the per-connection rate limits (meant for real people) do not stop the load."""
    settings = make_settings(tmp_path, REAL_CONTENT, data_key=DATA_KEY)
    prepare(settings)
    # Emails go to the development outbox folder; limits count in the test's own database.
    env = server_env(
        settings,
        ("PAFINDER_SMTP_URL", "PAFINDER_REDIS_URL", "PAFINDER_ENV"),
        data_key=DATA_KEY,
        trusted_proxies="127.0.0.1",
    )
    return settings, env


class Workers(Server):
    """`pafinder serve --workers N`: requests of one person can reach two processes at once."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2) -> None:
        super().__init__(env, log)
        self.workers = workers

    def start(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [PAFINDER, "serve", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # polled: the process must come up
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.log.read_text()[-2000:])


def address(worker: int, i: int) -> dict[str, str]:
    """The X-Forwarded-For header of attempt ``i`` of ``worker``: one address per person."""
    return {"X-Forwarded-For": f"10.{worker + 1}.{(i // 250) % 250}.{i % 250 + 1}"}


@dataclass(frozen=True)
class Ack:
    """An acknowledged submission: its unique key, what the server answered it with (a
    reference, a location), and what ``replay`` needs to post it again."""

    key: str
    value: Any
    replay: Any = None


Outcome = Ack | None
Attempt = Callable[[str, int, int], Outcome]
Replay = Callable[[str, Any, Any], None]


@dataclass
class Run:
    acked: dict[str, Any] = field(default_factory=dict)
    replays: list[Ack] = field(default_factory=list)
    before_kill: int = 0
    errors: list[BaseException] = field(default_factory=list)


def run_with_kill(
    server: Server,
    attempt: Attempt,
    replay: Replay,
    kill_after: int,
    after_restart: int,
    replays: int = 6,
    threads: int = THREADS,
) -> Run:
    """Start ``server``, run ``attempt`` in ``threads`` threads until ``kill_after`` were
    acknowledged, SIGKILL it, restart it, replay ``replays`` forms acknowledged before the kill,
    and go on until ``after_restart`` more are acknowledged. Stops the server before returning.

    ``attempt(url, worker, i)`` raises httpx.TransportError when the server went away (the
    thread then waits until it is back); any other exception fails the test."""
    run = Run()
    changed = threading.Condition()
    up = threading.Event()
    stop = threading.Event()

    def worker(number: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                outcome = attempt(server.url, number, i)
            except httpx.TransportError:
                up.wait(timeout=BUDGET)  # killed: wait for the restart (or give up at stop)
                continue
            except BaseException as exc:  # any failure: handed to the main thread
                with changed:
                    run.errors.append(exc)
                    changed.notify_all()
                return
            if outcome is not None:
                with changed:
                    if outcome.key in run.acked:
                        run.errors.append(AssertionError(f"key used twice: {outcome.key}"))
                    run.acked[outcome.key] = outcome.value
                    run.replays.append(outcome)
                    changed.notify_all()

    def wait_for(count: int) -> None:
        with changed:
            changed.wait_for(lambda: len(run.acked) >= count or bool(run.errors), timeout=BUDGET)
            if run.errors:
                raise run.errors[0]
            assert len(run.acked) >= count, f"only {len(run.acked)} of {count} acknowledged"

    server.start()
    up.set()
    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for t in pool:
        t.start()
    try:
        wait_for(kill_after)
        up.clear()
        server.kill()  # part-way: every thread has a request in flight or about to be
        with changed:
            run.before_kill = len(run.acked)
            sample = run.replays[:replays]
        server.start()
        up.set()
        # Forms acknowledged before the kill, sent again to the new process: the same answer,
        # and (the caller's checks prove) nothing stored twice.
        for ack in sample:
            replay(server.url, ack.value, ack.replay)
        wait_for(run.before_kill + after_restart)
    except BaseException:
        # The server's side of a failure (pytest shows what a failing test printed).
        print(server.log.read_text(errors="replace")[-6000:])
        raise
    finally:
        stop.set()
        up.set()
        for t in pool:
            t.join(timeout=30)
        server.stop()
    if run.errors:
        raise run.errors[0]
    return run


def backdate_own_draft(engine: Engine, client: httpx.Client, seconds: int = 60) -> None:
    """Pretend this client started its PA registration a minute ago (the minimum fill time).
    Only its own draft, found through its session, so no other thread's answers are rewritten.
    ``engine``: one made once for the whole test (see ``portal``)."""
    cookie = client.cookies.get(COOKIE)
    assert cookie, "no session cookie"
    with engine.begin() as conn:
        session = conn.execute(
            select(web_sessions.c.data).where(
                web_sessions.c.id == hashlib.sha256(cookie.encode()).hexdigest()
            )
        ).scalar_one()
        draft_id = json.loads(session)["pa_draft"]
        query = select(form_drafts.c.data).where(form_drafts.c.id == draft_id)
        data = json.loads(conn.execute(query).scalar_one())
        data["_started"] = time.time() - seconds
        conn.execute(
            form_drafts.update().where(form_drafts.c.id == draft_id).values(data=json.dumps(data))
        )
