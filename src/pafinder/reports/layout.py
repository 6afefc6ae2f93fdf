"""How a return is laid out: which tables it has, the rows of each and the keys of their
cells (``Plan``), the raw figures by key with the sums between them (``Figures``), and the
words the tables use. pafinder.reports.returns fills the figures in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pafinder.content import Service
from pafinder.events.models import KINDS
from pafinder.periods import long_date, period_name, quarter
from pafinder.referrals.labels import DELAY_REASONS, REFUSAL_REASONS
from pafinder.referrals.models import EQUALITY, referral_config, service_checks
from pafinder.reports.suppression import Sum
from pafinder.reports.tables import Cell, Percent, ReportTable, Row

if TYPE_CHECKING:
    from pafinder.reports.returns import ReturnsConfig

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


@dataclass
class Figures:
    """Raw figures by prefixed key, the sums between them, and the tables' row plans."""

    raw: dict[str, Raw] = field(default_factory=dict)
    sums: list[Sum] = field(default_factory=list)

    def counter(self, column: str, prefix: str, counts: Counter[str], keys: list[str]) -> None:
        for key in keys:
            self.raw[f"{column}:{prefix}.{key}"] = counts.get(key, 0)


def referral_area(service: Service) -> frozenset[str]:
    config = referral_config(service)
    return config.eligibility.districts if config else frozenset()


def fill(table: ReportTable, shown: dict[str, Cell]) -> ReportTable:
    """Rows are planned with their keys in ``cells`` (one per column); swap in the figures."""
    rows = tuple(
        Row(row.label, tuple(shown[str(c)] for c in row.cells), row.key, row.total)
        for row in table.rows
    )
    return ReportTable(table.id, table.caption, table.columns, rows, table.chart, table.note)


@dataclass
class Plan:
    """Which tables and rows a return has, each row naming the keys of its cells."""

    service: Service
    config: ReturnsConfig
    found: Figures
    area: frozenset[str]  # the service's postcode districts (none: open to everyone)
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
        if not self.area:
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
            f"the whole quarters: {quarters_words(period_quarters)} for the period, "
            f"{quarters_words(year_quarters)} for the year to date. People could choose not to "
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


def quarters_words(names: list[str]) -> str:
    """'2026-Q4' style labels as 'October to December 2026'."""
    words = []
    for name in names:
        year, q = int(name[:4]), int(name[-1])
        start = date(year, 3 * q - 2, 1)
        words.append(period_name(start, quarter(start)[1]))
    return " and ".join(words) if len(words) < 3 else f"{words[0]} to {words[-1].split(' to ')[-1]}"
