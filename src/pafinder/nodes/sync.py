"""Keep one node up to date with the others: its PA index and bitmaps, its events pages.

A background thread per app process (started in the app's lifespan) checks the shared state
every ``interval`` seconds, and at once when PostgreSQL delivers a NOTIFY on the changes
channel. A change made on this node is applied on the spot by whoever made it (see
``register.index.refresh_pa`` and ``events.publish.publish``), so the thread only ever catches
up with other nodes. Reads here never take SQLite's write lock (``db.read_only``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from pafinder.nodes import store

log = logging.getLogger(__name__)

CatchUp = Callable[[], Any]


def own_engine(engine: Engine) -> Engine:
    """The engine the sync thread reads through. On PostgreSQL one of its own that pools
    nothing: the app's pooled engine is shared by every app of a process and disposed when one
    stops (tests run several), and a connection the thread had checked out at that moment would
    be left open to the garbage collector. SQLite engines pool nothing already."""
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(engine.url, poolclass=NullPool)


class NodeSync:
    """``start()`` in the lifespan, ``stop()`` at shutdown. Each step is a callable that brings
    one kind of derived state up to date and does nothing when it already is."""

    def __init__(self, engine: Engine, steps: list[CatchUp], interval: float = 1.0) -> None:
        self.engine = engine
        self.steps = steps
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing: set[str] = set()  # errors logged once each, not every second

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pafinder-node-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def catch_up(self) -> None:
        for step in self.steps:
            try:
                step()
            except Exception as exc:  # a database restart must not end the thread
                kind = f"{type(exc).__name__}"
                if kind not in self._failing:
                    self._failing.add(kind)
                    log.warning("node sync step failed, retrying: %s", kind, exc_info=True)
            else:
                self._failing.clear()

    def _run(self) -> None:
        listener = _Listener(self.engine) if self.engine.dialect.name == "postgresql" else None
        try:
            while not self._stop.is_set():
                self.catch_up()
                if listener is not None:
                    listener.wait(self.interval)
                else:
                    self._stop.wait(self.interval)
        finally:
            if listener is not None:
                listener.close()


class _Listener:
    """A connection of its own that LISTENs, so a change on another node wakes this one at
    once; when it cannot connect, waiting falls back to plain polling."""

    def __init__(self, engine: Engine) -> None:
        import psycopg

        self._conn: Any = None
        url = make_url(str(engine.url.render_as_string(hide_password=False)))
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._sleep = threading.Event()
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
            self._conn.execute(f"LISTEN {store.CHANNEL}")
        except psycopg.Error:
            log.warning("LISTEN unavailable: polling only", exc_info=True)
            self.close()  # a connection made before LISTEN failed is closed, not left to GC

    def wait(self, seconds: float) -> None:
        if self._conn is None:
            self._sleep.wait(seconds)
            return
        try:
            # Run to its end (stop_after ends it at the first notification): a generator left
            # suspended would be closed later by the garbage collector, on another thread.
            for _ in self._conn.notifies(timeout=seconds, stop_after=1):
                pass
        except Exception:
            log.warning("LISTEN connection lost: polling only", exc_info=True)
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
