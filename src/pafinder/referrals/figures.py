"""The referral figures a quarterly return needs, read without opening case records: the
fields the counts depend on (never names, contact details or free text), refusals and the
waiting list from the status timeline, the equality answers by quarter, and the checks.

Every function takes London days ``start..end`` (both included) and returns raw rows or
counts; the return (pafinder.reports) reads each once for its widest period, counts the period
and the year to date from that, and applies the small-number rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine, String, and_, cast, func, select

from pafinder.periods import utc_bounds
from pafinder.referrals.casework import referral_changes
from pafinder.referrals.checks import referral_checks
from pafinder.referrals.store import referral_equality, referrals
from pafinder.referrals.validation import postcode_district
from pafinder.workdays import london_date

# The equality table's columns, in the order the form asks them (models.EQUALITY).
EQUALITY_COLUMNS = {
    "eq_age_band": "age_band",
    "eq_gender": "gender",
    "eq_ethnicity": "ethnicity",
    "eq_disability": "disability",
    "eq_sexual_orientation": "sexual_orientation",
    "eq_religion": "religion",
    "eq_carer": "carer",
}


_LONDON_DAYS: dict[tuple[int, int, int, int], date] = {}


def london_day(moment: datetime) -> date:
    """london_date for stored (naive UTC) times, remembered by the hour: the clocks change on
    the hour, so every moment of one UTC hour falls on the same London day. A return reads
    a hundred thousand of these; this makes each a dictionary lookup."""
    key = (moment.year, moment.month, moment.day, moment.hour)
    day = _LONDON_DAYS.get(key)
    if day is None:
        day = _LONDON_DAYS[key] = london_date(moment.replace(minute=0, second=0, microsecond=0))
    return day


class Received(NamedTuple):
    """What the return counts about one referral received in the period (a tuple: a return
    makes a hundred thousand of these, and a frozen dataclass costs three times as much)."""

    received_on: date  # London date
    referrer_type: str
    district: str  # "" when no postcode was given
    respond_by: date
    first_contact_on: date | None

    @property
    def first_contact(self) -> str:
        """on_time, late or none_yet: first contact against the respond-by date."""
        if self.first_contact_on is None:
            return "none_yet"
        return "on_time" if self.first_contact_on <= self.respond_by else "late"


_HOUR_DAYS: dict[str, date] = {}
_ISO_DAYS: dict[str, date] = {}


def _hour_day(hour: str | None) -> date | None:
    """The London day of a stored time given as its first 13 characters, 'YYYY-MM-DD HH'
    (both databases write times that way): read as text, a hundred thousand times are a
    dictionary lookup each instead of a datetime parsed and converted."""
    if hour is None:
        return None
    day = _HOUR_DAYS.get(hour)
    if day is None:
        moment = datetime(int(hour[0:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]))
        day = _HOUR_DAYS[hour] = london_date(moment)
    return day


def _iso_day(text: str) -> date:
    day = _ISO_DAYS.get(text)
    if day is None:
        day = _ISO_DAYS[text] = date.fromisoformat(text[:10])
    return day


def _as_hour(column: Any) -> Any:
    return func.substr(cast(column, String), 1, 13)


def _district(postcode: str) -> str:
    """The district of a stored postcode; an erased referral keeps only its district (NG10),
    which postcode_district would read as a whole postcode."""
    if not postcode:
        return ""
    compact = postcode.replace(" ", "").upper()
    return compact if len(compact) <= 4 and " " not in postcode else postcode_district(postcode)


def received(engine: Engine, service: str, start: date, end: date) -> list[Received]:
    after, before = utc_bounds(start, end)
    query = select(
        _as_hour(referrals.c.received_at),
        referrals.c.referrer_type,
        referrals.c.postcode,
        cast(referrals.c.respond_by, String),
        _as_hour(referrals.c.first_contact_at),
    ).where(
        referrals.c.service == service,
        referrals.c.received_at >= after,
        referrals.c.received_at < before,
    )
    districts: dict[str, str] = {}  # postcodes repeat: normalise each once
    found = []
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    for received_at, referrer_type, postcode, respond_by, first_contact_at in rows:
        district = districts.get(postcode)
        if district is None:
            district = districts[postcode] = _district(postcode)
        found.append(
            Received(
                _hour_day(received_at),  # type: ignore[arg-type]  # never NULL
                referrer_type,
                district,
                _iso_day(respond_by),
                _hour_day(first_contact_at),
            )
        )
    return found


def refusals(engine: Engine, service: str, start: date, end: date) -> list[tuple[int, str, date]]:
    """(referral id, reason, London day) of every refusal made in the period (when the status
    changed), in the order they were made."""
    after, before = utc_bounds(start, end)
    query = (
        select(referral_changes.c.referral_id, referral_changes.c.reason, referral_changes.c.at)
        .select_from(referral_changes.join(referrals))
        .where(
            referrals.c.service == service,
            referral_changes.c.what == "status",
            referral_changes.c.to_value == "refused",
            referral_changes.c.at >= after,
            referral_changes.c.at < before,
        )
        .order_by(referral_changes.c.id)
    )
    with engine.connect() as conn:
        return [(int(i), str(reason), london_day(at)) for i, reason, at in conn.execute(query)]


def waiting_at(engine: Engine, service: str, end: date) -> Counter[str]:
    """Referrals on the waiting list at the end of ``end`` (their last status change by then
    was to waiting), by the delay reason given with that change."""
    _, before = utc_bounds(end, end)
    last = (
        select(
            referral_changes.c.referral_id,
            func.max(referral_changes.c.id).label("last_id"),
        )
        .where(referral_changes.c.what == "status", referral_changes.c.at < before)
        .group_by(referral_changes.c.referral_id)
        .subquery()
    )
    query = (
        select(referral_changes.c.reason, func.count())
        .select_from(
            referral_changes.join(last, last.c.last_id == referral_changes.c.id).join(
                referrals, referrals.c.id == referral_changes.c.referral_id
            )
        )
        .where(referrals.c.service == service, referral_changes.c.to_value == "waiting")
        .group_by(referral_changes.c.reason)
    )
    with engine.connect() as conn:
        return Counter({str(reason): int(n) for reason, n in conn.execute(query)})


def quarter_names(start: date, end: date) -> list[str]:
    """The equality table's quarter labels ('2026-Q4', calendar quarters) start..end touches."""
    names = []
    year, q = start.year, (start.month - 1) // 3 + 1
    while (year, q) <= (end.year, (end.month - 1) // 3 + 1):
        names.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return names


@dataclass(frozen=True)
class Reach:
    """Equality answers for some quarters: how many referrals have a row, and per question
    the answers counted (an unanswered question under "")."""

    responses: int
    answers: dict[str, Counter[str]]


def equality(engine: Engine, service: str, quarters: Iterable[str]) -> dict[str, Reach]:
    """Reach per quarter named ('2026-Q4')."""
    names = sorted(set(quarters))
    where = and_(referral_equality.c.service == service, referral_equality.c.quarter.in_(names))
    columns = [referral_equality.c[name] for name in EQUALITY_COLUMNS.values()]
    responses: Counter[str] = Counter()
    answers: dict[str, dict[str, Counter[str]]] = {
        q: {k: Counter() for k in EQUALITY_COLUMNS} for q in names
    }
    questions = list(EQUALITY_COLUMNS)
    # One read of the rows, counted here: cheaper than a GROUP BY per question.
    with engine.connect() as conn:
        rows = conn.execute(select(referral_equality.c.quarter, *columns).where(where)).all()
    for name, *values in rows:
        responses[name] += 1
        counts = answers[name]
        for question, value in zip(questions, values, strict=True):
            counts[question][value] += 1
    return {q: Reach(responses[q], answers[q]) for q in names}


def combined(reach: dict[str, Reach], quarters: Iterable[str]) -> Reach:
    """The reach of several quarters together."""
    total = 0
    answers: dict[str, Counter[str]] = {k: Counter() for k in EQUALITY_COLUMNS}
    for name in quarters:
        found = reach.get(name)
        if found is None:
            continue
        total += found.responses
        for question, counts in found.answers.items():
            answers[question].update(counts)
    return Reach(total, answers)


def checks(engine: Engine, service: str, start: date, end: date) -> list[tuple[str, date, str]]:
    """(check id, day due, outcome) of every check due in the period: done on time (done on or
    before the day it was due), done late, or not done yet."""
    query = (
        select(referral_checks.c.check_id, referral_checks.c.due_on, referral_checks.c.done_at)
        .select_from(referral_checks.join(referrals))
        .where(referrals.c.service == service, referral_checks.c.due_on.between(start, end))
    )
    found = []
    with engine.connect() as conn:
        for check_id, due_on, done_at in conn.execute(query):
            if done_at is None:
                outcome = "not_done"
            else:
                outcome = "on_time" if london_day(done_at) <= due_on else "late"
            found.append((str(check_id), due_on, outcome))
    return found
