"""The referral figures a quarterly return needs, read without opening case records: the
fields the counts depend on (never names, contact details or free text), refusals and the
waiting list from the status timeline, the equality answers by quarter, and the checks.

Every function takes London days ``start..end`` (both included) and returns raw counts; the
return (pafinder.reports) applies the small-number rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, and_, func, select

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


@dataclass(frozen=True)
class Received:
    """What the return counts about one referral received in the period."""

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


def received(engine: Engine, service: str, start: date, end: date) -> list[Received]:
    after, before = utc_bounds(start, end)
    query = select(
        referrals.c.received_at,
        referrals.c.referrer_type,
        referrals.c.postcode,
        referrals.c.respond_by,
        referrals.c.first_contact_at,
    ).where(
        referrals.c.service == service,
        referrals.c.received_at >= after,
        referrals.c.received_at < before,
    )
    districts: dict[str, str] = {}  # postcodes repeat: normalise each once
    found = []
    with engine.connect() as conn:
        for received_at, referrer_type, postcode, respond_by, first_contact_at in conn.execute(
            query
        ):
            district = districts.get(postcode)
            if district is None:
                district = districts[postcode] = postcode_district(postcode) if postcode else ""
            found.append(
                Received(
                    london_date(received_at),
                    referrer_type,
                    district,
                    respond_by,
                    None if first_contact_at is None else london_date(first_contact_at),
                )
            )
    return found


def refusals(engine: Engine, service: str, start: date, end: date) -> Counter[str]:
    """Referrals refused in the period (by when the status changed), by reason."""
    after, before = utc_bounds(start, end)
    query = (
        select(referral_changes.c.reason, func.count())
        .select_from(referral_changes.join(referrals))
        .where(
            referrals.c.service == service,
            referral_changes.c.what == "status",
            referral_changes.c.to_value == "refused",
            referral_changes.c.at >= after,
            referral_changes.c.at < before,
        )
        .group_by(referral_changes.c.reason)
    )
    with engine.connect() as conn:
        return Counter({str(reason): int(n) for reason, n in conn.execute(query)})


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


def equality(
    engine: Engine, service: str, quarters: Iterable[str]
) -> tuple[int, dict[str, Counter[str]]]:
    """(how many referrals have an equality row, {question: Counter(answer)}) for the
    quarters named; an unanswered question counts under ""."""
    names = list(quarters)
    where = and_(referral_equality.c.service == service, referral_equality.c.quarter.in_(names))
    answers: dict[str, Counter[str]] = {}
    with engine.connect() as conn:
        total = int(
            conn.execute(
                select(func.count()).select_from(referral_equality).where(where)
            ).scalar_one()
        )
        for question, column_name in EQUALITY_COLUMNS.items():
            column = referral_equality.c[column_name]
            rows = conn.execute(select(column, func.count()).where(where).group_by(column))
            answers[question] = Counter({str(value): int(n) for value, n in rows})
    return total, answers


def checks(engine: Engine, service: str, start: date, end: date) -> dict[str, Counter[str]]:
    """Checks due in the period, by check id: done on time (done on or before the day it was
    due), done late, and not done yet."""
    query = (
        select(referral_checks.c.check_id, referral_checks.c.due_on, referral_checks.c.done_at)
        .select_from(referral_checks.join(referrals))
        .where(referrals.c.service == service, referral_checks.c.due_on.between(start, end))
    )
    found: dict[str, Counter[str]] = {}
    with engine.connect() as conn:
        for check_id, due_on, done_at in conn.execute(query):
            if done_at is None:
                outcome = "not_done"
            else:
                outcome = "on_time" if london_date(done_at) <= due_on else "late"
            found.setdefault(str(check_id), Counter())[outcome] += 1
    return found
