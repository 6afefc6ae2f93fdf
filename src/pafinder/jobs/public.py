"""The public view of a job advert and the one condition that makes an advert public.

An advert is public while it is "published and open": status ``published`` and its closing date
not yet passed in Europe/London (``closes >= today``), checked at query time so an advert drops
off /jobs and /api/jobs on the day after it closes without any job running. The view holds
exactly the CONTRACT's /api/jobs keys (plus ``distance_miles`` when a postcode was given): never
the employer's email, the full postcode, or anything else about the employer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Connection, Engine, and_, select

from pafinder import geo
from pafinder.jobs.tables import jobs

LONDON = ZoneInfo("Europe/London")
# The CONTRACT's keys of an /api/jobs entry, in its order.
KEYS = (
    "ref",
    "title",
    "areas",
    "tasks",
    "availability",
    "hours_per_week",
    "pay_per_hour",
    "gender_requirement",
    "dbs",
    "driving",
    "starts",
    "closes",
    "summary",
)


def london_today(now: datetime | None = None) -> date:
    """Today's date in Europe/London (a job closes at the end of its closing day there)."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def open_condition(today: date | None = None) -> ColumnElement[bool]:
    """SQL for "published and open" on ``today`` (London)."""
    return and_(jobs.c.status == "published", jobs.c.closes >= (today or london_today()))


def pounds(pence: int) -> str:
    """Pence as pounds with two decimals ("13.50"): integer arithmetic, never a float."""
    return f"{pence // 100}.{pence % 100:02d}"


def district(postcode: str) -> str:
    """The postcode district ("SK11") of what the employer typed: all we ever show."""
    parts = geo.split(postcode or "")
    return parts[0] if parts else ""


class PublicJob(BaseModel):
    """An advert as anyone may see it: exactly the keys CONTRACT.md names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: str
    title: str
    areas: list[str]
    tasks: list[str]
    availability: list[str]
    hours_per_week: int
    pay_per_hour: str
    gender_requirement: str
    dbs: str
    driving: bool
    starts: str  # ISO date
    closes: str  # ISO date
    summary: str


@dataclass(frozen=True)
class OpenJob:
    """An open advert with what the site needs beside its public view: the words of a few
    fields for its page, where it is (for distance), and when it was published (ordering).
    None of these is personal: the reason for a gender requirement is part of the advert."""

    id: int
    public: PublicJob
    tasks_other: str
    gender_reason: str
    district: str
    point: geo.Point | None
    published_at: datetime | None


def _list(raw: Any) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except (TypeError, ValueError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _open_job(row: Any) -> OpenJob:
    place = geo.table().place(row.postcode) if row.postcode else None
    public = PublicJob(
        ref=row.ref,
        title=row.title,
        areas=_list(row.areas),
        tasks=_list(row.tasks),
        availability=_list(row.availability),
        hours_per_week=int(row.hours_per_week),
        pay_per_hour=pounds(int(row.pay_pence)),
        gender_requirement=row.gender_requirement or "",
        dbs=row.dbs,
        driving=bool(row.driving),
        starts=row.starts.isoformat(),
        closes=row.closes.isoformat(),
        summary=row.summary or "",
    )
    return OpenJob(
        id=int(row.id),
        public=public,
        tasks_other=row.tasks_other or "",
        gender_reason=row.gender_reason or "",
        district=district(row.postcode),
        point=place.point if place else None,
        published_at=row.published_at,
    )


# Only these columns are ever read for the public side: the email is not even selected.
_COLUMNS = (
    jobs.c.id,
    jobs.c.ref,
    jobs.c.title,
    jobs.c.areas,
    jobs.c.tasks,
    jobs.c.tasks_other,
    jobs.c.availability,
    jobs.c.hours_per_week,
    jobs.c.pay_pence,
    jobs.c.postcode,
    jobs.c.gender_requirement,
    jobs.c.gender_reason,
    jobs.c.dbs,
    jobs.c.driving,
    jobs.c.starts,
    jobs.c.closes,
    jobs.c.summary,
    jobs.c.published_at,
)


def open_jobs(conn: Connection, today: date | None = None) -> list[OpenJob]:
    """Every open advert, most recently published first (ties: newest row first)."""
    rows = conn.execute(
        select(*_COLUMNS)
        .where(open_condition(today))
        .order_by(jobs.c.published_at.desc().nulls_last(), jobs.c.id.desc())
    )
    return [_open_job(row) for row in rows]


def get_open(engine: Engine, ref: str, today: date | None = None) -> OpenJob | None:
    """One open advert by its reference, or None (closed, unpublished or unknown alike)."""
    if not ref or len(ref) > 16:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(*_COLUMNS).where(jobs.c.ref == ref, open_condition(today))
        ).first()
    return _open_job(row) if row else None


def view(
    job: OpenJob, distance: float | None = None, with_distance: bool = False
) -> dict[str, Any]:
    """The /api/jobs entry: the public keys, and "distance_miles" when a postcode was given."""
    out = job.public.model_dump()
    if with_distance:
        out["distance_miles"] = distance
    return out
