"""The load test's data: N published PA listings seeded once and cached, then copied for each run
(so referrals, bookings and rate-limit counters of one run never reach the next), plus one event
with a large capacity to book, and a built site/.

Seeding 100,000 listings and indexing them takes minutes; copying the cached SQLite file and
Whoosh index takes seconds. The cache's name carries a fingerprint of what made it (the count,
the seed, the seeding code and the migrations), so a change to any of them seeds afresh.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from benchmarks.portal import ROOT, settings_for
from pafinder.build import build, pages_for_index
from pafinder.db import make_engine, migrate
from pafinder.events import store as events_store
from pafinder.events.models import EventInput
from pafinder.features import all_publishers
from pafinder.register import seed
from pafinder.search import rebuild_pages_index
from pafinder.settings import Settings

RANDOM_SEED = 1
DEFAULT_CACHE = ROOT / ".bench" / "loadtest"
# What the cache depends on: a change to either file, or a new migration, seeds a new data set
# (a migration is applied to the copy anyway; the index's format is in index.py).
MADE_BY = [
    ROOT / "src" / "pafinder" / "register" / "seed.py",
    ROOT / "src" / "pafinder" / "register" / "index.py",
]
MIGRATIONS = ROOT / "src" / "pafinder" / "migrations" / "versions"
# The most the staff form allows; the booking limit per address (60 an hour) keeps a run far
# below it, so no booking goes to the waiting list.
EVENT_CAPACITY = 1_000


@dataclass(frozen=True)
class Portal:
    settings: Settings
    base: Path
    event_id: int
    booking_key: str  # "{event id}-{YYYYMMDD}", as /events/{key}/book takes it


def fingerprint(count: int) -> str:
    digest = hashlib.sha256(f"{count}/{RANDOM_SEED}".encode())
    for path in MADE_BY:
        digest.update(path.read_bytes())
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode())
    return digest.hexdigest()[:12]


def cached_listings(count: int, cache_root: Path, console: Console) -> Path:
    """The folder holding var/ and search_index/ with ``count`` listings, seeded if missing."""
    target = cache_root / f"pas-{count}-{fingerprint(count)}"
    if (target / "ready").exists():
        console.print(f"Using the cached data set: {target}")
        return target
    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    settings = settings_for(work)
    engine = make_engine(settings.database_url)
    migrate(engine)
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:  # fmt: skip
        task = progress.add_task(f"Seeding {count:,} listings (cached after)", total=2 * count)
        seed.seed_pas(
            engine,
            settings,
            count,
            RANDOM_SEED,
            lambda n, t: progress.update(task, completed=n, total=t),
        )
    engine.dispose()
    console.print(f"Seeded and indexed in {time.perf_counter() - started:.0f} s")
    # Renamed only when whole, so an interrupted seeding is never mistaken for a data set.
    (work / "ready").write_text("ok\n")
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    for stale in cache_root.glob(f"pas-{count}-*"):
        if stale != target:  # made by older code: about 200 MB each at 100,000
            shutil.rmtree(stale, ignore_errors=True)
    return target


def working_portal(dataset: Path, base: Path) -> Portal:
    """A private copy of the data set under ``base``, with the event and a built site/."""
    for part in ("var", "search_index"):
        shutil.copytree(dataset / part, base / part)
    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    migrate(engine)  # the cache may predate a migration that only adds to the schema
    day = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=14)
    event_id = events_store.create_event(engine, _event(day), "loadtest")
    engine.dispose()
    # What `pafinder build` does, publishers included, so the event's pages are in site/.
    content, _ = build(settings, all_publishers())
    rebuild_pages_index(settings.index_dir, pages_for_index(content))
    return Portal(settings, base, event_id, f"{event_id}-{day:%Y%m%d}")


def _event(day: object) -> EventInput:
    return EventInput.model_validate(
        {
            "title": "Load test workshop",
            "kind": "workshop",
            # Not the carers' training, which limits a carer to three sessions a year.
            "service": "peer-support-recovery",
            "audience": "Anyone",
            "description": "A workshop that exists for the load test.",
            "start_date": day,
            "start_time": clock(10),
            "end_time": clock(12),
            "repeat": "none",
            "format": "online",
            "joining_details": "A link is sent before the day.",
            "cost": "free",
            "capacity": EVENT_CAPACITY,
            "booking_required": True,
        }
    )
