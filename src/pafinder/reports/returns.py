"""A service's return for a period, worked out once and shown three ways (page, CSV, XLSX) and
as the JSON of ``pafinder report``: the figures each feature's store gives, the period beside
the year to date, the small-number rule applied to all of it at once.

Figures are kept in one flat dict by key, prefixed by the column they belong to ("p:" the
period, "y:" the year to date, "m:" one month), so a cell shown in two tables (the referral
total closes the sources, the first contacts, the months and the districts) is one cell, and
hiding it once hides it everywhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine

from pafinder.complaints import store as complaints_store
from pafinder.content import Content, Service
from pafinder.events import figures as event_figures
from pafinder.events.models import KINDS
from pafinder.feedback import store as feedback_store
from pafinder.periods import long_date, months, period_name, year_start
from pafinder.referrals import figures as referral_figures
from pafinder.referrals.labels import DELAY_REASONS, REFUSAL_REASONS
from pafinder.referrals.models import EQUALITY, service_checks
from pafinder.register import activity
from pafinder.reports.layout import (
    ATTENDANCE,
    CHECK_OUTCOMES,
    FIRST_CONTACT,
    NO_POSTCODE,
    SOURCES,
    Figures,
    Plan,
    Raw,
    fill,
    referral_area,
)
from pafinder.reports.suppression import SMALL, suppress
from pafinder.reports.tables import FEWER, Cell, Percent, ReportTable


class ReturnsConfig(BaseModel):
    """A service's ``returns:`` in its YAML: which service-specific measures it reports."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Kinds of event whose attendees count as "carers trained" (the carers service).
    trained_kinds: tuple[str, ...] = ()
    # The PA register's activity (the direct payment support service runs the register).
    pa_register: bool = False


class ReturnsConfigError(ValueError):
    pass


def returns_config(service: Service) -> ReturnsConfig:
    try:
        config = ReturnsConfig.model_validate(service.raw.get("returns") or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReturnsConfigError(f"{service.source}: returns: {where}: {first['msg']}") from None
    unknown = set(config.trained_kinds) - set(KINDS)
    if unknown:
        raise ReturnsConfigError(
            f"{service.source}: returns: trained_kinds: {', '.join(sorted(unknown))} "
            f"is not a kind of event ({', '.join(KINDS)})"
        )
    return config


def check_content(
    content: Content, _env: object = None, _settings: object = None
) -> dict[str, bytes]:
    """A build publisher that writes nothing: `pafinder build` fails, naming the file, when a
    service's ``returns:`` is wrong, before a return could break on a staff page."""
    for service in content.services:
        returns_config(service)
    return {}


@dataclass(frozen=True)
class Return:
    service: Service
    start: date
    end: date
    year_start: date
    tables: tuple[ReportTable, ...]
    measures: dict[str, Cell]  # the period's figures by key, as shown (the JSON return)
    raw: bool

    @property
    def title_lines(self) -> list[str]:
        return [
            f"Return for the {self.service.name}",
            f"Period: {period_name(self.start, self.end)} (both days included, UK dates)",
            f"Year to date: {long_date(self.year_start)} to {long_date(self.end)}",
            "Every number shown" if self.raw else SUPPRESSION_RULE,
        ]


SUPPRESSION_RULE = (
    "Counts of 1 to 4 show as 'fewer than 5'. Where a hidden count could be worked out from a "
    "total and the other counts, another count is hidden too and shows as 'suppressed'."
)


@dataclass(frozen=True)
class _Read:
    """Everything the return reads from the features' stores, once, for its widest period
    (the earlier of the period's start and 1 April, to the period's end)."""

    received: list[referral_figures.Received]
    refused: list[tuple[int, str, date]]  # in the order they were made
    waiting: Counter[str]  # at the end of the period, which both columns share
    dates: list[event_figures.SessionDate]
    attendance: list[event_figures.Attendance]
    checks: list[tuple[str, date, str]]
    reach: dict[str, referral_figures.Reach]

    @classmethod
    def read(cls, engine: Engine, slug: str, first: date, end: date) -> _Read:
        return cls(
            referral_figures.received(engine, slug, first, end),
            referral_figures.refusals(engine, slug, first, end),
            referral_figures.waiting_at(engine, slug, end),
            event_figures.session_dates(engine, slug, first, end),
            event_figures.attendance_rows(engine, slug, first, end),
            referral_figures.checks(engine, slug, first, end),
            referral_figures.equality(engine, slug, referral_figures.quarter_names(first, end)),
        )


def _gather(
    engine: Engine,
    service: Service,
    config: ReturnsConfig,
    column: str,
    start: date,
    end: date,
    found: Figures,
    read: _Read,
    area: frozenset[str],
) -> dict[str, Any]:
    """Put one column's raw figures into ``found``, counted from ``read`` over start..end;
    returns what the row plans need to know (districts, quarters) for that column."""
    slug = service.slug
    put = found.raw
    received = [r for r in read.received if start <= r.received_on <= end]
    put[f"{column}:referrals.total"] = len(received)
    found.counter(
        column, "referrals.source", Counter(r.referrer_type for r in received), [*SOURCES]
    )
    contact = Counter(r.first_contact for r in received)
    found.counter(column, "referrals.first_contact", contact, [*FIRST_CONTACT])
    districts = Counter(r.district or NO_POSTCODE for r in received)
    found.counter(column, "referrals.by_district", districts, [*districts])
    outside = sum(n for d, n in districts.items() if area and d != NO_POSTCODE and d not in area)
    put[f"{column}:referrals.outside_area"] = outside
    put[f"{column}:referrals.inside_area"] = (
        len(received) - outside - districts.get(NO_POSTCODE, 0) if area else 0
    )

    # A referral refused twice in the period (refused, reopened, refused) counts once, under
    # the reason it was last refused for.
    last: dict[int, str] = {}
    for referral_id, reason, day in read.refused:
        if start <= day <= end:
            last[referral_id] = reason
    refused = Counter(last.values())
    refused_keys = [*REFUSAL_REASONS, *sorted(set(refused) - set(REFUSAL_REASONS))]
    found.counter(column, "referrals.refused", refused, refused_keys)
    put[f"{column}:referrals.refused_total"] = sum(refused.values())
    waiting = read.waiting
    waiting_keys = [*DELAY_REASONS, *sorted(set(waiting) - set(DELAY_REASONS))]
    found.counter(column, "referrals.waiting", waiting, waiting_keys)
    put[f"{column}:referrals.waiting_total"] = sum(waiting.values())

    sessions = event_figures.sessions_by_kind(read.dates, read.attendance, start, end)
    put[f"{column}:events.sessions"] = sum(sessions.values())
    booked = [r for r in read.attendance if start <= r.occurrence_date <= end]
    came = event_figures.summarise(booked)
    for key in ATTENDANCE:
        put[f"{column}:events.{key}"] = came[key]
    attended = Counter(r.kind for r in booked if r.attendance == "attended")
    for kind in KINDS:
        put[f"{column}:events_by_kind.{kind}.sessions"] = sessions.get(kind, 0)
        put[f"{column}:events_by_kind.{kind}.attendances"] = attended.get(kind, 0)
    if config.trained_kinds:
        trained = event_figures.summarise(booked, config.trained_kinds)
        put[f"{column}:carers.trained"] = trained["unique_attendees"]

    put[f"{column}:feedback.responses"] = feedback_store.response_count(engine, slug, start, end)
    answers = feedback_store.answer_counts(engine, slug, start, end)
    for statement in service.outcome_statements:
        counts = answers.get(statement.id, {})
        answered = sum(counts.values())
        put[f"{column}:feedback_answered.{statement.id}"] = answered
        put[f"{column}:feedback.{statement.id}.agree_percent"] = (
            Percent(feedback_store.agree_percent(counts.get("agree", 0), answered))
            if answered
            else None
        )
    for key, n in complaints_store.counts(engine, slug, start, end).items():
        put[f"{column}:{key}"] = n

    if config.pa_register:
        listings = activity.listing_figures(engine, start, end)
        totals = activity.activity_totals(engine, start, end)
        put[f"{column}:register.listings_active"] = listings["active"]
        put[f"{column}:register.listings_new"] = listings["new"]
        put[f"{column}:register.dbs_checked_percent"] = (
            # Halves up, as the feedback percents are (5 of 8 is 63%).
            Percent(feedback_store.agree_percent(listings["dbs_checked"], listings["active"]))
            if listings["active"]
            else None
        )
        put[f"{column}:register.searches"] = totals["searches"]
        put[f"{column}:register.contacts"] = totals["contacts"]

    checks: dict[str, Counter[str]] = {}
    for check_id, due_on, outcome in read.checks:
        if start <= due_on <= end:
            checks.setdefault(check_id, Counter())[outcome] += 1
    for check in service_checks(service):
        outcomes = checks.get(check.id, Counter())
        found.counter(column, f"checks.{check.id}", outcomes, [*CHECK_OUTCOMES])
        put[f"{column}:checks.{check.id}.due"] = sum(outcomes.values())

    quarters = referral_figures.quarter_names(start, end)
    reach = referral_figures.combined(read.reach, quarters)
    put[f"{column}:reach.responses"] = reach.responses
    for question, (_, options) in EQUALITY.items():
        counts = reach.answers[question]
        keys = [value for value, _ in options] + [""]
        for value in keys:
            put[f"{column}:reach.{question}.{value or 'not_answered'}"] = counts.get(value, 0)
    return {"districts": set(districts), "quarters": quarters}


def build(engine: Engine, service: Service, start: date, end: date, raw: bool = False) -> Return:
    """The return for London days start..end, beside the year to date (1 April of the year
    ``end`` falls in, to ``end``)."""
    config = returns_config(service)
    ytd = year_start(end)
    # From the earlier of the two starts, so a period longer than the year shows all its months.
    first = min(start, ytd)
    read = _Read.read(engine, service.slug, first, end)
    area = referral_area(service)  # validated once, used by every column and table
    found = Figures()
    period = _gather(engine, service, config, "p", start, end, found, read, area)
    year = _gather(engine, service, config, "y", ytd, end, found, read, area)
    month_counts = Counter(r.received_on.replace(day=1) for r in read.received)
    month_list = months(first, end)
    for month in month_list:
        found.raw[f"m:referrals.by_month.{month:%Y-%m}"] = month_counts.get(month, 0)

    plan = Plan(
        service,
        config,
        found,
        area,
        period_name(start, end),
        f"Year to date, from {long_date(ytd)}",
    )
    tables = plan.tables(month_list, start, end, ytd, period, year)
    shown: dict[str, Cell] = dict(found.raw) if raw else suppress(found.raw, found.sums)
    shown = {key: _percent_rule(key, value, found.raw, shown, raw) for key, value in shown.items()}
    final = tuple(fill(table, shown) for table in tables)
    measures: dict[str, Cell] = {
        key[2:]: value
        for key, value in shown.items()
        if value is not None
        and (
            key.startswith("p:")
            or (key.startswith("m:") and start.strftime("%Y-%m") <= key[-7:] <= f"{end:%Y-%m}")
        )
    }
    return Return(service, start, end, ytd, final, measures, raw)


def _percent_rule(
    key: str, value: Cell, raw: dict[str, Raw], shown: dict[str, Cell], every: bool
) -> Cell:
    """A percent of 1 to 4 answers (or listings) says little and can point at a person: it
    shows as "fewer than 5", as the count behind it does."""
    if every or not isinstance(value, Percent):
        return value
    column, name = key.split(":", 1)
    if name.startswith("feedback."):
        behind = raw.get(f"{column}:feedback_answered.{name.split('.')[1]}")
    else:
        behind = raw.get(f"{column}:register.listings_active")
    return FEWER if isinstance(behind, int) and 0 < behind < SMALL else value
