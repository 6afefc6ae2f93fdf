"""Publish-on-write: render every public events file from the database into site/.

The same renderer runs as a build publisher (`pafinder build`), after every staff save or
booking change, and daily from `pafinder publish-events` (so past dates drop off). Files:
events/index.html, events/{id}/index.html, events/{id}.ics (a whole series),
events/{id}-{YYYYMMDD}.ics (one date), events.ics (the feed) and api/events.json.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import Engine

from pafinder.build import Files, publish_folder, site_globals
from pafinder.content import Content
from pafinder.db import make_engine
from pafinder.events import bookings, ical, store
from pafinder.events.listing import listing_context
from pafinder.events.models import KINDS
from pafinder.events.recurrence import Event, describe_repeat, occurrences
from pafinder.events.views import (
    HORIZON_DAYS,
    Filters,
    api_entry,
    now_utc,
    row,
    service_labels,
    upcoming,
)
from pafinder.nodes import store as shared
from pafinder.oruk.publish import write_feed
from pafinder.settings import Settings
from pafinder.web.templating import make_environment

_thread_lock = threading.Lock()
EVENT_PAGE_DATES = 12


def render_event_files(
    events: list[Event],
    counts: Counter[tuple[int, date]],
    content: Content,
    env: Environment,
    settings: Settings,
    now: datetime | None = None,
) -> Files:
    now = now or now_utc()
    base = settings.base_url
    files: Files = {}
    # The unfiltered first month; other months and filtered views render per request.
    files["events/index.html"] = (
        env.get_template("events/list.html")
        .render(**listing_context(events, counts, content, Filters(), now))
        .encode()
    )

    horizon = upcoming(events, now, now + timedelta(days=HORIZON_DAYS))
    files["api/events.json"] = json.dumps(
        [api_entry(o, counts, content, base) for o in horizon],
        indent=1,
        ensure_ascii=False,
    ).encode()
    for occ in horizon:
        files[f"events/{occ.id}.ics"] = ical.occurrence_calendar(occ, base)

    live = [e for e in events if e.status == "published" and occurrences(e, now)]
    files["events.ics"] = ical.feed(live, base, f"{content.site.name}: events and groups")
    services = service_labels(content)
    for event in events:
        dates = [o for o in horizon if o.event.id == event.id]
        state = (
            event.status
            if event.status == "cancelled"
            else ("published" if occurrences(event, now) else "finished")
        )
        files[f"events/{event.id}.ics"] = ical.feed([event], base, event.title)
        files[f"events/{event.id}/index.html"] = (
            env.get_template("events/event.html")
            .render(
                title=event.title,
                description=event.audience,
                event=event,
                state=state,
                kind=KINDS.get(event.kind, event.kind),
                service=content.service(event.service),
                service_name=services.get(event.service, event.service),
                repeat_text=describe_repeat(event),
                dates=[row(o, counts, content) for o in dates[:EVENT_PAGE_DATES]],
                more_dates=max(0, len(dates) - EVENT_PAGE_DATES),
                breadcrumbs=[
                    {"text": "Home", "href": "/"},
                    {"text": "Events and groups", "href": "/events"},
                ],
                nav="events",
            )
            .encode()
        )
    return files


def render_from_db(
    engine: Engine,
    content: Content,
    env: Environment,
    settings: Settings,
    now: datetime | None = None,
) -> Files:
    events = store.all_events(engine)
    counts = bookings.booked_counts(engine)
    return render_event_files(events, counts, content, env, settings, now)


def publisher(content: Content, env: Environment, settings: Settings) -> Files:
    """The build publisher (`pafinder build` migrates before building)."""
    return render_from_db(make_engine(settings.database_url), content, env, settings)


@contextmanager
def _publish_lock(settings: Settings) -> Iterator[None]:
    """One publisher at a time: threads in this process, and other worker processes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(settings.data_dir / "events-publish.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(
    engine: Engine,
    settings: Settings,
    content: Content,
    env: Environment | None = None,
    now: datetime | None = None,
) -> int:
    """Re-render and write the events files; remove event files that are no longer rendered
    (past dates' .ics files). Returns the number of files written."""
    written = _render(engine, settings, content, env, now)
    # Tell the other nodes (each has its own site/) that the events pages moved on.
    _write_seen(settings, shared.bump_generation(engine, shared.EVENTS))
    return written


def catch_up(
    engine: Engine, settings: Settings, content: Content, env: Environment | None = None
) -> bool:
    """Re-render this node's events pages if another node published since they were made
    (pafinder.nodes.sync calls this every second). Returns whether it rendered."""
    current = shared.generation(engine, shared.EVENTS)  # read first: a later bump renders again
    # Not equal rather than greater: after a restore the database may be behind this node.
    if current == _seen(settings):
        return False
    _render(engine, settings, content, env)
    _write_seen(settings, current)
    return True


def _render(
    engine: Engine,
    settings: Settings,
    content: Content,
    env: Environment | None,
    now: datetime | None = None,
) -> int:
    env = env or make_environment(site_globals(content))
    with _publish_lock(settings):
        files = render_from_db(engine, content, env, settings, now)
        publish_folder(files, settings.site_dir, "events")
        # The Open Referral UK feed carries the published events too (site/api/oruk/).
        write_feed(engine, settings, content, now)
    return len(files)


def _seen_file(settings: Settings) -> Path:
    # Beside the node's own index: derived state of this node, never served from site/.
    return settings.index_dir / "events.generation"


def _seen(settings: Settings) -> int:
    try:
        return int(_seen_file(settings).read_text())
    except (FileNotFoundError, ValueError):
        return 0


def _write_seen(settings: Settings, value: int) -> None:
    path = _seen_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(str(value))
    os.replace(tmp, path)
