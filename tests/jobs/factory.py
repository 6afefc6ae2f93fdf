"""Published job adverts straight into the table, for tests (finding, alerts, posting checks).

`add_job(engine, **overrides)` inserts one advert that is published and open today, with
sensible defaults; any column of `jobs` may be overridden (lists as Python lists). Returns the
advert's ref. The defaults use the real content's taxonomies (tests/conftest.py REAL_CONTENT).
"""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from pafinder.db import utcnow
from pafinder.jobs.public import london_today
from pafinder.jobs.tables import LIST_FIELDS, jobs

_numbers = itertools.count(1)
EMPLOYER_EMAIL = "employer{n}@example.org"
EMPLOYER_POSTCODE = "SK11 6AB"


def job_row(**overrides: Any) -> dict[str, Any]:
    """The values of one published, open advert (not inserted)."""
    n = next(_numbers)
    today = london_today()
    now = utcnow()
    row: dict[str, Any] = {
        "ref": f"JT{n:06d}",
        "status": "published",
        "email": EMPLOYER_EMAIL.format(n=n),
        "title": f"Personal assistant wanted {n}",
        "tasks": ["personal-care", "meal-preparation"],
        "tasks_other": "",
        "availability": ["mon-am", "wed-am"],
        "hours_per_week": 12,
        "pay_pence": 1350,
        "areas": ["macclesfield"],
        "postcode": EMPLOYER_POSTCODE,
        "gender_requirement": "",
        "gender_reason": "",
        "dbs": "enhanced",
        "driving": False,
        "starts": today + timedelta(days=21),
        "closes": today + timedelta(days=14),
        "summary": "A friendly household looking for help in the mornings.",
        "created_at": now - timedelta(days=2),
        "updated_at": now - timedelta(days=2),
        "confirmed_at": now - timedelta(days=2),
        # Each new row a second later than the last, so "most recently published" is certain.
        "published_at": now - timedelta(days=1) + timedelta(seconds=n),
    }
    row.update(overrides)
    for name in LIST_FIELDS:
        if not isinstance(row[name], str):
            row[name] = json.dumps(list(row[name]))
    return row


def add_job(engine: Engine, **overrides: Any) -> str:
    """Insert one advert (published and open unless overridden); returns its ref."""
    row = job_row(**overrides)
    with engine.begin() as conn:
        conn.execute(insert(jobs).values(**row))
    return str(row["ref"])


def days_from_today(days: int) -> date:
    return london_today() + timedelta(days=days)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """A naive UTC time, as the table stores them."""
    return datetime(year, month, day, hour)
