"""The staff referral queue (issue 9, point 1): its filters, its query and its clocks.

The filters arrive as GET parameters from a form that works without JavaScript, so every value
is a stranger's: each is checked against the values the form offers, and a bad one is a message
for the page (400), never a 500. The ordering is one SQL expression, so paging cuts the same
"most urgent first" list that a single long page would show.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, null, select

from pafinder.referrals.labels import PRIORITY_LABELS, STATUS_LABELS
from pafinder.referrals.store import referrals
from pafinder.staff.store import staff
from pafinder.web.pagination import govuk_pagination
from pafinder.web.params import parse_id
from pafinder.workdays import is_working_day, london_date

PAGE_SIZE = 50
# A referral in one of these has left the queue; the default view hides them.
FINISHED = ("closed", "refused", "signposted")
OPEN_STATUSES = tuple(s for s in STATUS_LABELS if s not in FINISHED)
ALL = "all"
FILTERS = ("service", "status", "priority", "assigned", "overdue", "page")

MESSAGES = {
    "service": "Choose a service from the list",
    "status": "Choose a status from the list",
    "priority": "Choose a priority from the list: urgent, high or normal",
    "assigned": "Choose who the referrals are assigned to from the list",
    "overdue": "Tick the box to show only overdue referrals, or leave it unticked",
    "page": "The page number must be a whole number, like 2",
}
ONLY_ONE = {
    "service": "Choose only one service",
    "status": "Choose only one status",
    "priority": "Choose only one priority",
    "assigned": "Choose only one person the referrals are assigned to",
    "overdue": "Tick the overdue box once only",
    "page": "Ask for only one page number",
}


class Params(Protocol):
    def getlist(self, key: Any) -> list[Any]: ...


@dataclass(frozen=True)
class Filters:
    """What the form asked for; the raw form values are kept to re-show it."""

    service: str = ""
    status: str = ""  # "" for the open statuses, ALL, or one status
    priority: str = ""
    assigned: str = ""  # "", "me", "none" or a staff email
    overdue: bool = False
    page: int = 1
    assigned_id: int | None = None  # the staff id "me" or the email stands for

    def query(self, page: int | None = None) -> dict[str, str]:
        """The GET parameters that give this view (for the pagination links)."""
        params = {
            "service": self.service,
            "status": self.status,
            "priority": self.priority,
            "assigned": self.assigned,
            "overdue": "yes" if self.overdue else "",
        }
        if page is not None and page > 1:
            params["page"] = str(page)
        return {k: v for k, v in params.items() if v}


@dataclass(frozen=True)
class Parsed:
    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)


def parse(
    params: Params,
    services: Collection[str],
    staff_emails: Mapping[int, str],
    me: int,
) -> Parsed:
    """The filters in ``params``; ``services`` are the slugs that exist (whether the member may
    see one is the route's question, so it can answer 403 rather than 400)."""
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    for name in FILTERS:
        values = {str(v).strip() for v in params.getlist(name)}
        values.discard("")
        if len(values) > 1:
            errors[name] = ONLY_ONE[name]
        raw[name] = values.pop() if len(values) == 1 else ""

    def keep(name: str, ok: bool) -> str:
        if ok:
            return raw[name]
        errors.setdefault(name, MESSAGES[name])
        return ""

    service = keep("service", not raw["service"] or raw["service"] in services)
    status = keep("status", raw["status"] in ("", ALL, *STATUS_LABELS))
    priority = keep("priority", raw["priority"] in ("", *PRIORITY_LABELS))
    by_email = {email.lower(): sid for sid, email in staff_emails.items()}
    assigned_raw = raw["assigned"].lower()
    assigned_id: int | None = None
    if assigned_raw == "me":
        assigned_id = me
    elif assigned_raw not in ("", "none"):
        assigned_id = by_email.get(assigned_raw)
    assigned = keep("assigned", assigned_raw in ("", "me", "none") or assigned_id is not None)
    if assigned and assigned_raw not in ("me", "none"):
        assigned = staff_emails[by_email[assigned_raw]]  # as the select spells it
    elif assigned:
        assigned = assigned_raw
    overdue = keep("overdue", raw["overdue"] in ("", "yes")) == "yes"
    page = 1
    if raw["page"]:
        number = parse_id(raw["page"])
        if number is None:
            errors.setdefault("page", MESSAGES["page"])
        else:
            page = number
    filters = Filters(
        service=service,
        status=status,
        priority=priority,
        assigned=assigned,
        overdue=overdue,
        page=page,
        assigned_id=assigned_id,
    )
    return Parsed(filters, errors)


@dataclass(frozen=True)
class QueueRow:
    id: int
    ref: str
    service: str
    status: str
    priority: str
    received_at: datetime
    respond_by: date
    first_contact_at: datetime | None
    assigned_to: str  # the assignee's email, "" for nobody
    flags: tuple[str, ...] = ()  # what the form flagged for a check (outside the area, ...)


@dataclass(frozen=True)
class Page:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def _overdue(today: date) -> ColumnElement[bool]:
    # The same rule as Referral.overdue: the clock runs only until first contact.
    return and_(referrals.c.status == "received", referrals.c.respond_by < today)


def _where(filters: Filters, visible: Collection[str] | None, today: date) -> list[Any]:
    clauses: list[Any] = []
    if visible is not None:
        clauses.append(referrals.c.service.in_(sorted(visible)))
    if filters.service:
        clauses.append(referrals.c.service == filters.service)
    if filters.status == "":
        clauses.append(referrals.c.status.in_(OPEN_STATUSES))
    elif filters.status != ALL:
        clauses.append(referrals.c.status == filters.status)
    if filters.priority:
        clauses.append(referrals.c.priority == filters.priority)
    if filters.assigned == "none":
        clauses.append(referrals.c.assigned_to.is_(None))
    elif filters.assigned:
        clauses.append(referrals.c.assigned_to == filters.assigned_id)
    if filters.overdue:
        clauses.append(_overdue(today))
    return clauses


def _order(today: date) -> list[Any]:
    """Most urgent first: overdue (the most overdue first), then urgent, high, normal, then
    the nearest respond-by date, then the oldest."""
    overdue = _overdue(today)
    return [
        case((overdue, literal(0)), else_=literal(1)),
        # Only overdue rows get a date here; the rest share NULL, so where a database sorts
        # NULLs (first in SQLite, last in PostgreSQL) does not matter: they are one group.
        case((overdue, referrals.c.respond_by), else_=null()),
        case(
            (referrals.c.priority == "urgent", literal(0)),
            (referrals.c.priority == "high", literal(1)),
            else_=literal(2),
        ),
        referrals.c.respond_by,
        referrals.c.received_at,
        referrals.c.id,
    ]


def fetch(engine: Engine, filters: Filters, visible: Collection[str] | None, today: date) -> Page:
    """One page of the queue; a page past the end shows the last one."""
    where = _where(filters, visible, today)
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(referrals).where(*where)).scalar() or 0
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(filters.page, pages)
        query = (
            select(
                referrals.c.id,
                referrals.c.ref,
                referrals.c.service,
                referrals.c.status,
                referrals.c.priority,
                referrals.c.received_at,
                referrals.c.respond_by,
                referrals.c.first_contact_at,
                referrals.c.flags,
                staff.c.email,
            )
            .select_from(referrals.outerjoin(staff, staff.c.id == referrals.c.assigned_to))
            .where(*where)
            .order_by(*_order(today))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        rows = [
            QueueRow(
                id=r.id,
                ref=r.ref,
                service=r.service,
                status=r.status,
                priority=r.priority,
                received_at=r.received_at,
                respond_by=r.respond_by,
                first_contact_at=r.first_contact_at,
                assigned_to=r.email or "",
                flags=tuple(json.loads(r.flags or "[]")),
            )
            for r in conn.execute(query)
        ]
    return Page(rows=rows, total=total, page=page, pages=pages)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def _plural(n: int) -> str:
    return "1 working day" if n == 1 else f"{n} working days"


@dataclass(frozen=True)
class Clock:
    text: str
    tone: str  # "overdue", "today" or "" (for the tag's colour)


def clock(row: QueueRow, today: date) -> Clock:
    """The respond-by clock in plain words. It runs only while the referral is `received`;
    after first contact it has stopped, and says whether contact came in time."""
    if row.status != "received":
        if row.first_contact_at is None:
            return Clock("", "")
        on_time = london_date(row.first_contact_at) <= row.respond_by
        return Clock("Contacted on time" if on_time else "Contacted late", "")
    if row.respond_by == today:
        return Clock("Due today", "today")
    if row.respond_by < today:
        # A deadline missed on Friday is a working day overdue over the weekend too.
        late = max(1, working_days_between(row.respond_by, today))
        return Clock(f"Overdue by {_plural(late)}", "overdue")
    return Clock(f"{_plural(working_days_between(today, row.respond_by))} left", "")


def pagination(page: Page, filters: Filters) -> dict[str, Any] | None:
    """The GOV.UK pagination component's parameters (None for a single page)."""

    def href(number: int) -> str:
        query = urlencode(filters.query(number))
        return f"/staff/referrals?{query}" if query else "/staff/referrals"

    return govuk_pagination(page.page, page.pages, href, "Referral pages")
