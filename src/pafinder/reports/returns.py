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
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine

from pafinder.complaints import store as complaints_store
from pafinder.content import Content, Service
from pafinder.events import figures as event_figures
from pafinder.events.models import KINDS
from pafinder.feedback import store as feedback_store
from pafinder.periods import long_date, month_end, months, quarter, year_start
from pafinder.referrals import figures as referral_figures
from pafinder.referrals.labels import DELAY_REASONS, REFUSAL_REASONS
from pafinder.referrals.models import EQUALITY, service_checks
from pafinder.register import activity
from pafinder.reports.suppression import SMALL, Sum, suppress
from pafinder.reports.tables import FEWER, Cell, Percent, ReportTable, Row

SOURCES = {
    "self": "People referring themselves",
    "family_or_carer": "Family members, friends or carers",
    "professional": "Professionals",
}
FIRST_CONTACT = {
    "on_time": "Contacted by the respond-by date",
    "late": "Contacted after the respond-by date",
    "none_yet": "Not contacted yet",
}
CHECK_OUTCOMES = {"on_time": "Done on time", "late": "Done late", "not_done": "Not done yet"}
ATTENDANCE = {
    "attendances": "Attendances",
    "unique_attendees": "People who came (each counted once)",
    "did_not_attend": "Booked but did not come",
}
NO_POSTCODE = "none"
NOT_ANSWERED = "Not answered"

Raw = int | Percent | None


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


def period_name(start: date, end: date) -> str:
    """'October to December 2026', 'October 2026', or '3 October 2026 to 9 November 2026'."""
    if start.day == 1 and end == month_end(start):
        return f"{start:%B %Y}"
    if (start, end) == quarter(start):
        return f"{start:%B} to {end:%B %Y}"
    return f"{long_date(start)} to {long_date(end)}"


@dataclass
class _Figures:
    """Raw figures by prefixed key, the sums between them, and the tables' row plans."""

    raw: dict[str, Raw] = field(default_factory=dict)
    sums: list[Sum] = field(default_factory=list)

    def counter(self, column: str, prefix: str, counts: Counter[str], keys: list[str]) -> None:
        for key in keys:
            self.raw[f"{column}:{prefix}.{key}"] = counts.get(key, 0)


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
    found: _Figures,
    read: _Read,
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
    area = referral_area(service)
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


def referral_area(service: Service) -> frozenset[str]:
    from pafinder.referrals.models import referral_config

    config = referral_config(service)
    return config.eligibility.districts if config else frozenset()


def build(engine: Engine, service: Service, start: date, end: date, raw: bool = False) -> Return:
    """The return for London days start..end, beside the year to date (1 April of the year
    ``end`` falls in, to ``end``)."""
    config = returns_config(service)
    ytd = year_start(end)
    # From the earlier of the two starts, so a period longer than the year shows all its months.
    first = min(start, ytd)
    read = _Read.read(engine, service.slug, first, end)
    found = _Figures()
    period = _gather(engine, service, config, "p", start, end, found, read)
    year = _gather(engine, service, config, "y", ytd, end, found, read)
    month_counts = Counter(r.received_on.replace(day=1) for r in read.received)
    month_list = months(first, end)
    for month in month_list:
        found.raw[f"m:referrals.by_month.{month:%Y-%m}"] = month_counts.get(month, 0)

    plan = _Plan(
        service, config, found, period_name(start, end), f"Year to date, from {long_date(ytd)}"
    )
    tables = plan.tables(month_list, start, end, ytd, period, year)
    shown: dict[str, Cell] = dict(found.raw) if raw else suppress(found.raw, found.sums)
    shown = {key: _percent_rule(key, value, found.raw, shown, raw) for key, value in shown.items()}
    final = tuple(_fill(table, shown) for table in tables)
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


def _fill(table: ReportTable, shown: dict[str, Cell]) -> ReportTable:
    """Rows are planned with their keys in ``cells`` (one per column); swap in the figures."""
    rows = tuple(
        Row(row.label, tuple(shown[str(c)] for c in row.cells), row.key, row.total)
        for row in table.rows
    )
    return ReportTable(table.id, table.caption, table.columns, rows, table.chart, table.note)


@dataclass
class _Plan:
    """Which tables and rows a return has, each row naming the keys of its cells."""

    service: Service
    config: ReturnsConfig
    found: _Figures
    period_heading: str
    year_heading: str

    def _two(
        self,
        id: str,
        caption: str,
        heading: str,
        rows: list[tuple[str, str]],
        total: tuple[str, str] | None = None,
        chart: bool = False,
        note: str = "",
    ) -> ReportTable:
        """A table with the period and the year to date; with ``total``, its rows add up to it
        (a sum the small-number rule must respect, in each column)."""
        planned = [Row(label, (f"p:{key}", f"y:{key}"), key) for label, key in rows]
        if total:
            label, key = total
            planned.append(Row(label, (f"p:{key}", f"y:{key}"), key, total=True))
            for column in ("p", "y"):
                parts = tuple(f"{column}:{k}" for _, k in rows)
                self.found.sums.append(Sum(f"{column}:{key}", parts))
        columns = (heading, self.period_heading, self.year_heading)
        return ReportTable(id, caption, columns, tuple(planned), chart, note)

    def tables(
        self,
        month_list: list[date],
        start: date,
        end: date,
        ytd: date,
        period: dict[str, Any],
        year: dict[str, Any],
    ) -> list[ReportTable]:
        total = ("All referrals received", "referrals.total")
        found = [
            self._two(
                "sources",
                "Referrals received, by who made them",
                "Who referred",
                [(label, f"referrals.source.{key}") for key, label in SOURCES.items()],
                total,
                chart=True,
            ),
            self._two(
                "first-contact",
                "First contact, for referrals received in the period",
                "First contact",
                [(label, f"referrals.first_contact.{key}") for key, label in FIRST_CONTACT.items()],
                total,
                note="Against the date each referral had to be answered by, in working days.",
            ),
            self._months(month_list, start, end, ytd),
            self._districts(period["districts"] | year["districts"], total),
            *self._area(total),
            self._reasons(
                "refused",
                "Referrals refused in the period, by reason",
                "referrals.refused",
                REFUSAL_REASONS,
                ("All refused", "referrals.refused_total"),
            ),
            self._reasons(
                "waiting",
                "On the waiting list at the end of the period, by reason for the wait",
                "referrals.waiting",
                DELAY_REASONS,
                ("All waiting", "referrals.waiting_total"),
            ),
            *self._events(),
            self._feedback(),
            self._two(
                "complaints",
                "Complaints and compliments received",
                "Kind",
                [("Complaints", "complaints.complaint"), ("Compliments", "complaints.compliment")],
            ),
            *self._service_specific(),
            *self._reach(period["quarters"], year["quarters"]),
        ]
        return found

    def _months(self, month_list: list[date], start: date, end: date, ytd: date) -> ReportTable:
        rows = tuple(
            Row(f"{month:%B %Y}", (f"m:referrals.by_month.{month:%Y-%m}",)) for month in month_list
        )
        parts = [f"m:referrals.by_month.{month:%Y-%m}" for month in month_list]
        first = min(start, ytd)
        # Each month row counts up to ``end``: from April the months add up to the year to
        # date's total, and from the period's first month (when it starts on the 1st) to its own.
        in_year = tuple(p for p in parts if p[-7:] >= f"{ytd:%Y-%m}")
        self.found.sums.append(Sum("y:referrals.total", in_year))
        if start.day == 1:
            inside = tuple(p for p in parts if p[-7:] >= f"{start:%Y-%m}")
            self.found.sums.append(Sum("p:referrals.total", inside))
        return ReportTable(
            "months",
            "Referrals received, by month",
            ("Month", "Referrals received"),
            rows,
            chart=True,
            note=f"From {long_date(first)} to {long_date(end)}.",
        )

    def _districts(self, districts: set[str], total: tuple[str, str]) -> ReportTable:
        named = sorted(d for d in districts if d != NO_POSTCODE)
        rows = [(d, f"referrals.by_district.{d}") for d in named]
        for column in ("p", "y"):
            for district in [*named, NO_POSTCODE]:
                self.found.raw.setdefault(f"{column}:referrals.by_district.{district}", 0)
        rows.append(("No postcode given", f"referrals.by_district.{NO_POSTCODE}"))
        table = self._two(
            "districts",
            "Referrals received, by postcode district",
            "Postcode district",
            rows,
            total,
            chart=True,
        )
        return table

    def _area(self, total: tuple[str, str]) -> list[ReportTable]:
        if not referral_area(self.service):
            return []  # a service open to everyone has no outside
        rows = [
            ("Inside the service's area", "referrals.inside_area"),
            ("Outside the service's area", "referrals.outside_area"),
            ("No postcode given", f"referrals.by_district.{NO_POSTCODE}"),
        ]
        return [
            self._two("area", "Referrals from inside and outside the area", "Where", rows, total)
        ]

    def _reasons(
        self,
        id: str,
        caption: str,
        prefix: str,
        labels: dict[str, str],
        total: tuple[str, str],
    ) -> ReportTable:
        keys = sorted(
            {
                k.split(":", 1)[1][len(prefix) + 1 :]
                for k in self.found.raw
                if k[2:].startswith(prefix + ".")
            },
            key=lambda k: (k not in labels, list(labels).index(k) if k in labels else 0, k),
        )
        rows = [(labels.get(k, k.replace("_", " ").capitalize()), f"{prefix}.{k}") for k in keys]
        return self._two(id, caption, "Reason", rows, total)

    def _events(self) -> list[ReportTable]:
        raw = self.found.raw
        kinds = [
            kind
            for kind in KINDS
            if any(
                raw[f"{c}:events_by_kind.{kind}.{m}"]
                for c in ("p", "y")
                for m in ("sessions", "attendances")
            )
        ]
        summary = self._two(
            "events",
            "Sessions and attendance",
            "Measure",
            [("Sessions held (dates of events)", "events.sessions")]
            + [(label, f"events.{key}") for key, label in ATTENDANCE.items()],
            note="Dates of the service's events in the period; attendance as staff marked it.",
        )
        tables = [summary]
        if kinds:
            tables.append(
                self._two(
                    "sessions-by-kind",
                    "Sessions, by kind of event",
                    "Kind of event",
                    [(KINDS[k], f"events_by_kind.{k}.sessions") for k in kinds],
                    ("All sessions", "events.sessions"),
                    chart=True,
                )
            )
            tables.append(
                self._two(
                    "attendances-by-kind",
                    "Attendances, by kind of event",
                    "Kind of event",
                    [(KINDS[k], f"events_by_kind.{k}.attendances") for k in kinds],
                    ("All attendances", "events.attendances"),
                )
            )
        return tables

    def _feedback(self) -> ReportTable:
        rows = [("Feedback forms sent", "feedback.responses")]
        for statement in self.service.outcome_statements:
            rows.append(
                (f"{statement.text}: people who answered", f"feedback_answered.{statement.id}")
            )
            rows.append(
                (f"{statement.text}: agreed (target 75%)", f"feedback.{statement.id}.agree_percent")
            )
        return self._two("feedback", "Feedback against the outcome statements", "Measure", rows)

    def _service_specific(self) -> list[ReportTable]:
        tables = []
        if self.config.trained_kinds:
            kinds = ", ".join(KINDS[k].lower() for k in self.config.trained_kinds)
            tables.append(
                self._two(
                    "trained",
                    "Carers trained",
                    "Measure",
                    [("Carers who came to training (each counted once)", "carers.trained")],
                    note=f"People marked as attending: {kinds}.",
                )
            )
        if self.config.pa_register:
            tables.append(
                self._two(
                    "register",
                    "PA register activity",
                    "Measure",
                    [
                        ("Listings live now", "register.listings_active"),
                        ("New listings published", "register.listings_new"),
                        (
                            "Live listings with a DBS check seen by staff",
                            "register.dbs_checked_percent",
                        ),
                        ("Searches made on Find a PA", "register.searches"),
                        ("Messages sent to PAs", "register.contacts"),
                    ],
                    note="Listings live now are counted when the return is made, not at the "
                    "end of the period.",
                )
            )
        for check in service_checks(self.service):
            tables.append(
                self._two(
                    f"check-{check.id}",
                    f"{check.label}s due in the period",
                    "Outcome",
                    [(label, f"checks.{check.id}.{key}") for key, label in CHECK_OUTCOMES.items()],
                    ("All due", f"checks.{check.id}.due"),
                )
            )
        return tables

    def _reach(self, period_quarters: list[str], year_quarters: list[str]) -> list[ReportTable]:
        note = (
            "Equality answers are kept apart from referrals, by quarter only, so they count "
            f"the whole quarters: {_quarters_words(period_quarters)} for the period, "
            f"{_quarters_words(year_quarters)} for the year to date. People could choose not to "
            "answer."
        )
        tables = []
        for question, (text, options) in EQUALITY.items():
            rows = [(label, f"reach.{question}.{value}") for value, label in options]
            rows.append((NOT_ANSWERED, f"reach.{question}.not_answered"))
            tables.append(
                self._two(
                    f"reach-{question[3:].replace('_', '-')}",
                    f"Reach: {text}",
                    "Answer",
                    rows,
                    ("All who were asked", "reach.responses"),
                    chart=True,
                    note=note,
                )
            )
        return tables


def _quarters_words(names: list[str]) -> str:
    """'2026-Q4' style labels as 'October to December 2026'."""
    words = []
    for name in names:
        year, q = int(name[:4]), int(name[-1])
        start = date(year, 3 * q - 2, 1)
        words.append(period_name(start, quarter(start)[1]))
    return " and ".join(words) if len(words) < 3 else f"{words[0]} to {words[-1].split(' to ')[-1]}"


def default_period(today: date) -> tuple[date, date]:
    """This quarter: the page opens on the return being worked on."""
    return quarter(today)


def last_quarter(today: date) -> tuple[date, date]:
    return quarter(quarter(today)[0] - timedelta(days=1))
