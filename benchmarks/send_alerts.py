"""`pafinder send-alerts` at scale (issue 13, speed): 10,000 confirmed saved searches with
varied, realistic parameters (areas, tasks, DBS levels, yes/no filters, a postcode with a
distance, search words) against 500 listings published since the last run among 5,000 on the
register, and 2,000 job alerts against 500 new adverts; times the whole run in-process (both
digests queued through the outbox, then delivered to the .eml folder) against the goal.

    python -m benchmarks.send_alerts [BASE_DIR] [--searches N] [--new N] [--listings N]
                                     [--job-alerts N] [--jobs N]

Prints the figures as a table on stderr and one JSON line on stdout, as the other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from benchmarks.portal import settings_for
from pafinder import outbox
from pafinder.alerts import criteria, store
from pafinder.alerts.digest import send_alerts
from pafinder.alerts.tables import job_alerts, saved_searches
from pafinder.content import Content, load_content
from pafinder.db import make_engine, migrate, utcnow
from pafinder.jobs.public import london_today
from pafinder.jobs.tables import jobs
from pafinder.register import index, seed
from pafinder.register.models import SearchParamError
from pafinder.register.tables import pas

GOAL_S = 30.0  # issue 13: 10,000 saved searches against 500 new listings in under 30 seconds
POSTCODES = ("CW1 2AB", "CW2 6AA", "CW5 5AA", "CW11 1AA", "CW12 1AB", "SK11 6AB", "SK10 1AA")
WORDS = ("gardening", "cooking", "patient", "music", "walking", "dogs", "reading")


def search_params(rng: random.Random, tax: dict[str, list[str]]) -> list[tuple[str, str]]:
    """One employer's search, as /find-a-pa builds them: mostly an area or two and a task."""
    pairs: list[tuple[str, str]] = []
    for area in rng.sample(tax["areas"], rng.choice((1, 1, 2, 3))):
        pairs.append(("area", area))
    for task in rng.sample(tax["tasks"], rng.choice((0, 1, 1, 2))):
        pairs.append(("task", task))
    if rng.random() < 0.4:
        pairs.append(("dbs", rng.choice(("basic", "standard", "enhanced"))))
    for flag in ("driving", "non_smoker", "dbs_checked"):
        if rng.random() < 0.15:
            pairs.append((flag, "yes"))
    if rng.random() < 0.3:
        pairs.append(("postcode", rng.choice(POSTCODES)))
        if rng.random() < 0.8:
            pairs.append(("within", rng.choice(("3", "5", "10", "20"))))
    if rng.random() < 0.1:
        pairs.append(("q", rng.choice(WORDS)))
    return pairs


def populate(
    engine: Engine, settings: Any, content: Content, searches: int, new: int, listings: int,
    alerts: int, new_jobs: int, seed_value: int = 13,
) -> None:  # fmt: skip
    """The register (``listings``, ``new`` of them published an hour ago), the saved searches
    and job alerts (confirmed, last run two hours ago) and the new adverts."""
    rng = random.Random(seed_value)
    tax = {name: [t.slug for t in terms] for name, terms in content.taxonomies.items()}
    seed.seed_pas(engine, settings, listings, seed_value)
    now = utcnow()
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(select(pas.c.id).order_by(pas.c.id))]
        fresh = rng.sample(ids, min(new, len(ids)))
        conn.execute(
            update(pas).where(pas.c.published_at > now - timedelta(hours=3))
            .values(published_at=now - timedelta(hours=3))
        )  # fmt: skip
        conn.execute(
            update(pas).where(pas.c.id.in_(fresh)).values(published_at=now - timedelta(hours=1))
        )
        rows = []
        while len(rows) < searches:
            try:
                params = criteria.parse_search(search_params(rng, tax), content)
            except SearchParamError:
                continue
            pairs = criteria.search_pairs(params)
            email = f"employer{len(rows)}@example.invalid"
            rows.append({
                "email": email, "fingerprint": store.fingerprint(email, pairs),
                "params": json.dumps(pairs), "created_at": now - timedelta(days=3),
                "confirmed_at": now - timedelta(days=3), "renewed_at": now - timedelta(days=3),
                "watermark": now - timedelta(hours=2),
            })  # fmt: skip
        for start in range(0, len(rows), 2000):
            conn.execute(insert(saved_searches), rows[start : start + 2000])
        alert_rows = []
        for i in range(alerts):
            areas = sorted(rng.sample(tax["areas"], rng.choice((1, 2, 3))))
            tasks = sorted(rng.sample(tax["tasks"], rng.choice((0, 1, 2))))
            email = f"pa{i}@example.invalid"
            what = {"areas": json.dumps(areas), "tasks": json.dumps(tasks)}
            alert_rows.append({
                "email": email, "fingerprint": store.fingerprint(email, what), **what,
                "created_at": now - timedelta(days=3), "confirmed_at": now - timedelta(days=3),
                "watermark": now - timedelta(hours=2),
            })  # fmt: skip
        if alert_rows:
            conn.execute(insert(job_alerts), alert_rows)
        today = london_today()
        job_rows = [
            {
                "ref": f"JB{i:06d}", "status": "published", "email": f"e{i}@example.invalid",
                "title": f"Personal assistant wanted {i}",
                "tasks": json.dumps(rng.sample(tax["tasks"], rng.choice((1, 2, 3)))),
                "tasks_other": "", "availability": json.dumps(["mon-am"]),
                "hours_per_week": rng.choice((8, 12, 20, 30)),
                "pay_pence": 1300 + rng.randint(0, 300),
                "areas": json.dumps(rng.sample(tax["areas"], rng.choice((1, 2)))),
                "postcode": rng.choice(POSTCODES), "gender_requirement": "", "gender_reason": "",
                "dbs": "enhanced", "driving": False, "starts": today + timedelta(days=21),
                "closes": today + timedelta(days=14), "summary": "Help at home.",
                "created_at": now - timedelta(days=2), "updated_at": now - timedelta(days=2),
                "confirmed_at": now - timedelta(days=2),
                "published_at": now - timedelta(minutes=90) + timedelta(seconds=i),
            }
            for i in range(new_jobs)
        ]  # fmt: skip
        if job_rows:
            conn.execute(insert(jobs), job_rows)
    index.bump_version(settings)


def run(
    base: Path, searches: int = 10_000, new: int = 500, listings: int = 5_000,
    alerts: int = 2_000, new_jobs: int = 500, deliver: bool = True,
) -> dict[str, Any]:  # fmt: skip
    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    migrate(engine)
    content = load_content(settings.content_dir)
    print(f"Seeding {listings:,} listings and {searches:,} saved searches", file=sys.stderr)
    populate(engine, settings, content, searches, new, listings, alerts, new_jobs)
    start = time.perf_counter()
    report = send_alerts(engine, settings, content, deliver=False)
    took = time.perf_counter() - start
    # Delivery is the outbox's own work (one transaction per email sent), timed apart: the
    # command does it next, as `pafinder newsletter send` does.
    start = time.perf_counter()
    if deliver:
        for first in range(0, len(report.queued), 500):
            batch = report.queued[first : first + 500]
            outbox.deliver(engine, settings, batch, limit=len(batch))
    delivered = time.perf_counter() - start
    with engine.connect() as conn:
        waiting = conn.execute(select(func.count()).select_from(outbox.mail_outbox)).scalar_one()
    return {
        "saved_searches": report.alerts["pas"],
        "new_listings": report.new_items["pas"],
        "search_digests": report.digests["pas"],
        "job_alerts": report.alerts["jobs"],
        "new_adverts": report.new_items["jobs"],
        "job_digests": report.digests["jobs"],
        "skipped": report.skipped,
        "outbox_left": int(waiting),
        "send_alerts_s": round(took, 2),
        "saved_searches_s": report.seconds.get("pas"),
        "job_alerts_s": report.seconds.get("jobs"),
        "deliver_s": round(delivered, 2) if deliver else None,
        "goal_s": GOAL_S,
        "met": report.seconds.get("pas", took) < GOAL_S,
    }


def table(result: dict[str, Any]) -> str:
    return "\n".join([
        "| saved searches | new listings | digests | s (goal) | job alerts | new adverts | "
        "digests | s | send-alerts s | outbox delivery s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['saved_searches']:,} | {result['new_listings']:,} | "
        f"{result['search_digests']:,} | {result['saved_searches_s']} (< {GOAL_S:.0f}) | "
        f"{result['job_alerts']:,} | {result['new_adverts']:,} | "
        f"{result['job_digests']:,} | {result['job_alerts_s']} | {result['send_alerts_s']:.1f} | "
        f"{result['deliver_s'] if result['deliver_s'] is not None else '-'} |",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.send_alerts")
    parser.add_argument("base", nargs="?", type=Path)
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--listings", type=int, default=5_000)
    parser.add_argument("--job-alerts", type=int, default=2_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--no-deliver", action="store_true", help="queue only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.base or Path(tmp)
        result = run(
            base, args.searches, args.new, args.listings, args.job_alerts, args.jobs,
            deliver=not args.no_deliver,
        )  # fmt: skip
    print(table(result), file=sys.stderr)
    print(json.dumps(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
