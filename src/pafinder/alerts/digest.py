"""`pafinder send-alerts`: both daily digests, queued through the outbox, then delivered.

For each kind, the run reads the confirmed alerts and the items published since the oldest
watermark once (pafinder.alerts.matching), answers every alert with set operations, and queues
each digest in a transaction that also moves that alert's watermark on to the run's time: a
digest is queued whole or not at all, and nothing is sent twice. Alerts that matched nothing have
their watermark moved on too (what was new has been looked at). Transactions hold a batch of
alerts each, so 10,000 alerts are not 10,000 commits.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import Engine

from pafinder import outbox
from pafinder.alerts import criteria, emails, store
from pafinder.alerts.matching import NewJob, NewJobs, NewPas
from pafinder.content import Content
from pafinder.db import utcnow
from pafinder.register import find_filters
from pafinder.register.models import PublicListing, SearchParamError
from pafinder.settings import Settings
from pafinder.web.templating import format_date

BATCH = 200  # alerts per transaction


@dataclass
class Report:
    alerts: dict[str, int] = field(default_factory=lambda: {"jobs": 0, "pas": 0})
    digests: dict[str, int] = field(default_factory=lambda: {"jobs": 0, "pas": 0})
    new_items: dict[str, int] = field(default_factory=lambda: {"jobs": 0, "pas": 0})
    skipped: int = 0  # saved searches the register no longer accepts (e.g. a postcode gone)
    purged: dict[str, int] = field(default_factory=dict)
    queued: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # matching and queueing, per kind


def _job_item(areas: dict[str, str], job: NewJob) -> emails.Item:
    lines = (
        "Areas: " + ", ".join(areas.get(a, a) for a in job.areas),
        f"\u00a3{job.pay} an hour, {job.hours_per_week} hours a week",
        "Closes on " + format_date(job.closes),
    )
    return emails.Item(job.title, lines, f"/jobs/{job.ref}")


def _queue_batches(
    engine: Engine,
    kind: str,
    work: Iterable[tuple[int, EmailMessage | None]],
    now: datetime,
    report: Report,
) -> None:
    """``work``: (alert id, message or None); each batch's messages and watermarks commit
    together."""
    batch: list[tuple[int, EmailMessage | None]] = []

    def flush() -> None:
        if not batch:
            return
        with engine.begin() as conn:
            emailed = []
            for alert_id, message in batch:
                if message is not None:
                    report.queued.append(outbox.queue(conn, message, emails.DIGEST_PURPOSE[kind]))
                    emailed.append(alert_id)
            store.mark_sent(conn, kind, [a for a, _ in batch], now, emailed)
            report.digests[kind] += len(emailed)
        batch.clear()

    for entry in work:
        batch.append(entry)
        if len(batch) >= BATCH:
            flush()
    flush()


def job_digests(
    engine: Engine, settings: Settings, content: Content, now: datetime, report: Report
) -> None:
    with engine.connect() as conn:
        alerts = store.confirmed(conn, "jobs")
    report.alerts["jobs"] = len(alerts)
    if not alerts:
        return
    new = NewJobs.load(engine, min(a.watermark for a in alerts), now)
    area_labels = content.labels("areas")
    report.new_items["jobs"] = len(new.items)

    def work() -> Iterable[tuple[int, EmailMessage | None]]:
        for alert in alerts:
            areas, tasks = alert.what["areas"], alert.what["tasks"]
            found = new.match(areas, tasks, alert.watermark)
            if not found:
                yield alert.id, None
                continue
            items = [_job_item(area_labels, new.items[i]) for i in found[: emails.MAX_ITEMS]]
            message = emails.digest(
                settings,
                "jobs",
                alert.email,
                alert.id,
                criteria.describe_jobs(content, areas, tasks),
                items,
                len(found),
                criteria.jobs_url(areas, tasks),
            )
            yield alert.id, message

    _queue_batches(engine, "jobs", work(), now, report)


def _pa_item(
    areas: dict[str, str], tasks: dict[str, str], view: PublicListing, miles: float | None
) -> emails.Item:
    lines = ["Areas: " + ", ".join(areas.get(a, a) for a in view.areas)]
    if view.tasks:
        lines.append("Help with: " + ", ".join(tasks.get(t, t) for t in view.tasks[:6]))
    if miles is not None:
        lines.append(find_filters.distance_text(miles))
    return emails.Item(view.display_name, tuple(lines), f"/find-a-pa/{view.ref}")


def pa_digests(
    engine: Engine, settings: Settings, content: Content, now: datetime, report: Report
) -> None:
    with engine.connect() as conn:
        alerts = store.confirmed(conn, "pas")
    report.alerts["pas"] = len(alerts)
    if not alerts:
        return
    new = NewPas.load(engine, settings, min(a.watermark for a in alerts), now)
    report.new_items["pas"] = len(new.views)
    areas, tasks = content.labels("areas"), content.labels("tasks")

    @functools.cache
    def item(position: int, miles: float | None) -> emails.Item:
        # One listing is in many digests: its lines are written once (per distance).
        return _pa_item(areas, tasks, new.views[position], miles)

    def work() -> Iterable[tuple[int, EmailMessage | None]]:
        for alert in alerts:
            try:
                params = criteria.parse_search([tuple(p) for p in alert.what["params"]], content)
            except SearchParamError:
                report.skipped += 1  # kept as it is: the lease-holder's log says how many
                continue
            found = new.match(params, alert.watermark)
            ends = store.ends(alert.renewed_at or alert.watermark)
            warn = ends - now <= store.WARN_BEFORE
            last = alert.last_sent_at
            # With nothing new, one email still says the search is ending, once in its last month.
            notice_due = warn and (last is None or last < ends - store.WARN_BEFORE)
            if not found and not notice_due:
                yield alert.id, None
                continue
            items = [item(p, m) for p, m in found[: emails.MAX_ITEMS]]
            message = emails.digest(
                settings,
                "pas",
                alert.email,
                alert.id,
                "\n".join(criteria.describe_search(content, params)),
                items,
                len(found),
                criteria.search_url(params),
                ends=ends,
            )
            yield alert.id, message

    _queue_batches(engine, "pas", work(), now, report)


def send_alerts(
    engine: Engine, settings: Settings, content: Content, deliver: bool = True
) -> Report:
    now = utcnow()
    report = Report()
    report.purged = store.purge(engine, now)
    for kind, digests in (("jobs", job_digests), ("pas", pa_digests)):
        start = time.perf_counter()
        digests(engine, settings, content, now, report)
        report.seconds[kind] = round(time.perf_counter() - start, 2)
    if deliver:
        for start in range(0, len(report.queued), 100):
            batch = report.queued[start : start + 100]
            outbox.deliver(engine, settings, batch, limit=len(batch))
    return report
