"""A small run of benchmarks/send_alerts.py (the speed item of issue 13): what it sends is
checked against the register's own search run listing by listing (saved searches) and a plain
Python reading of the adverts (job alerts); never a timing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from email import message_from_bytes
from pathlib import Path

from benchmarks import send_alerts as bench
from benchmarks.portal import settings_for
from sqlalchemy import select

from pafinder.alerts import criteria
from pafinder.alerts.digest import send_alerts
from pafinder.alerts.tables import job_alerts, saved_searches
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.jobs.tables import jobs
from pafinder.mail import outbox_files
from pafinder.register import search
from pafinder.register.tables import pas


def test_a_small_run_sends_each_alert_exactly_what_matches(tmp_path: Path) -> None:
    result = bench.run(tmp_path, searches=120, new=40, listings=200, alerts=60, new_jobs=30)
    settings = settings_for(tmp_path)
    engine = make_engine(settings.database_url)
    content = load_content(settings.content_dir)
    sent: dict[str, int] = {}
    for path in outbox_files(settings.outbox_dir):
        message = message_from_bytes(path.read_bytes())
        count = re.match(r"(\d+) new", str(message["Subject"]))
        assert count, message["Subject"]
        sent[str(message["To"])] = int(count.group(1))
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    with engine.connect() as conn:
        # The 40 the benchmark published an hour ago (the rest: three hours or more).
        new_ids = {
            r.id
            for r in conn.execute(select(pas.c.id).order_by(pas.c.published_at.desc()).limit(40))
        }
        searches = conn.execute(select(saved_searches)).mappings().all()
        alerts = conn.execute(select(job_alerts)).mappings().all()
        adverts = conn.execute(select(jobs.c.areas, jobs.c.tasks)).all()

    expected: dict[str, int] = {}
    for row in searches:
        params = criteria.parse_search([tuple(p) for p in json.loads(row["params"])], content)
        found: set[int] = set()
        page = 1
        while True:  # every page of the register's own answer, as /api/pas gives it
            answer = search.search(engine, settings, replace(params, page=page, per_page=100))
            found |= set(answer.ids)
            if page * 100 >= answer.total:
                break
            page += 1
        if matched := len(found & new_ids):
            expected[row["email"]] = matched
    for row in alerts:
        areas, tasks = set(json.loads(row["areas"])), set(json.loads(row["tasks"]))
        matched = sum(
            1
            for a, t in adverts
            if areas & set(json.loads(a)) and (not tasks or tasks & set(json.loads(t)))
        )
        if matched:
            expected[row["email"]] = matched

    assert sent == expected
    assert result["search_digests"] + result["job_digests"] == len(expected)
    assert result["outbox_left"] == 0
    # A second run finds nothing new and sends nothing.
    again = send_alerts(engine, settings, content)
    assert again.digests == {"jobs": 0, "pas": 0} and not again.queued
