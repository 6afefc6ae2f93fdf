"""Every figure of the carers return for two quarters and the year to date, from the known data
set of tests/reports/helpers.py (issue 10, "How it is checked"; CONTRACT "Quarterly returns"):
first every number (raw), then the small-number rule: primary, secondary, and that no hidden
cell can be worked out from the tables as shown. Then the direct payment support return's
checks and PA register activity."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from pafinder.content import Service, load_content
from pafinder.db import make_engine, utcnow
from pafinder.events.models import KINDS
from pafinder.referrals.models import EQUALITY
from pafinder.register.commands import import_file
from pafinder.register.tables import pas
from pafinder.reports.returns import Return, build
from pafinder.reports.tables import FEWER, SUPPRESSED, Cell, Percent
from pafinder.settings import Settings
from tests.register import pa_rows
from tests.reports import helpers
from tests.reports.helpers import INFO, KEEP, Q1, Q2, YTD

F, S = FEWER, SUPPRESSED


def carers(settings: Settings) -> Service:
    return helpers.service(settings, "carers")


def returned(settings: Settings, period: tuple[date, date], raw: bool) -> Return:
    return build(make_engine(settings.database_url), carers(settings), *period, raw=raw)


def zeros(svc: Service) -> dict[str, Cell]:
    """Every key of a carers return that is a count, at 0 (the contract's keys written out;
    kinds, equality answers and statements from where the return takes them)."""
    found: dict[str, Cell] = {
        "referrals.total": 0,
        "referrals.source.self": 0,
        "referrals.source.family_or_carer": 0,
        "referrals.source.professional": 0,
        "referrals.first_contact.on_time": 0,
        "referrals.first_contact.late": 0,
        "referrals.first_contact.none_yet": 0,
        "referrals.refused.unmanageable_risk": 0,
        "referrals.refused.declined": 0,
        "referrals.refused.not_eligible": 0,
        "referrals.refused.needs_cannot_be_met": 0,
        "referrals.refused_total": 0,
        "referrals.waiting.no_care_available": 0,
        "referrals.waiting.language_barrier": 0,
        "referrals.waiting.other": 0,
        "referrals.waiting_total": 0,
        "referrals.outside_area": 0,
        "referrals.inside_area": 0,
        "referrals.by_district.none": 0,
        "events.sessions": 0,
        "events.attendances": 0,
        "events.unique_attendees": 0,
        "events.did_not_attend": 0,
        "carers.trained": 0,
        "feedback.responses": 0,
        "complaints.complaint": 0,
        "complaints.compliment": 0,
        "reach.responses": 0,
    }
    for kind in KINDS:
        found[f"events_by_kind.{kind}.sessions"] = 0
        found[f"events_by_kind.{kind}.attendances"] = 0
    for statement in svc.outcome_statements:
        found[f"feedback_answered.{statement.id}"] = 0
    for question, (_, options) in EQUALITY.items():
        for value, _ in options:
            found[f"reach.{question}.{value}"] = 0
        found[f"reach.{question}.not_answered"] = 0
    return found


def not_answered(question: str, n: int) -> dict[str, Cell]:
    return {f"reach.{q}.not_answered": n for q in EQUALITY if q != question}


def expected_q1(svc: Service) -> dict[str, Cell]:
    """April to June 2026, worked out from the helpers' lists."""
    return {
        **zeros(svc),
        # 20 received: 8 in April (one at 23:30 UTC on 31 March, 1 April in London), 7, 5.
        "referrals.total": 20,
        "referrals.by_month.2026-04": 8,
        "referrals.by_month.2026-05": 7,
        "referrals.by_month.2026-06": 5,
        "referrals.source.self": 10,
        "referrals.source.family_or_carer": 6,
        "referrals.source.professional": 4,
        # On time 10 (one at 23:30 London time on the respond-by day), late 5 (one at 00:30
        # London time the day after), none yet 5.
        "referrals.first_contact.on_time": 10,
        "referrals.first_contact.late": 5,
        "referrals.first_contact.none_yet": 5,
        "referrals.by_district.DE1": 9,
        "referrals.by_district.DE22": 6,
        "referrals.by_district.NG1": 5,
        "referrals.inside_area": 15,
        "referrals.outside_area": 5,  # NG1 is not one of Derby's districts
        # Refused in June; the ones at 00:30 London time on 1 July and on 2 July are Q2's.
        "referrals.refused.unmanageable_risk": 4,
        "referrals.refused.declined": 4,
        "referrals.refused_total": 8,
        # Waiting at the end of June: 5 for no care (one is active again in August) and the
        # referral received on 31 March (London) that went on the list in April.
        "referrals.waiting.no_care_available": 5,
        "referrals.waiting.other": 1,
        "referrals.waiting_total": 6,
        # 13 group dates less 12 May (cancelled); 30 June moved to 2 July still counts here.
        "events.sessions": 13,
        "events_by_kind.support-group.sessions": 12,
        "events_by_kind.training.sessions": 1,
        "events.attendances": 8,
        "events_by_kind.support-group.attendances": 6,
        "events_by_kind.training.attendances": 2,
        "events.unique_attendees": 4,
        "events.did_not_attend": 2,
        "carers.trained": 2,
        "feedback.responses": 10,
        f"feedback_answered.{INFO}": 8,
        f"feedback.{INFO}.agree_percent": Percent(63),  # 5 of 8 is 62.5: halves go up
        f"feedback_answered.{KEEP}": 3,
        f"feedback.{KEEP}.agree_percent": Percent(100),
        "complaints.complaint": 5,
        "complaints.compliment": 2,  # one at 00:30 London time on 1 April
        # Equality answers of the quarter 2026-Q2 (April to June): one per referral.
        "reach.responses": 20,
        "reach.eq_gender.woman": 12,
        "reach.eq_gender.man": 5,
        "reach.eq_gender.not_answered": 3,
        **not_answered("eq_gender", 20),
    }


def expected_q2(svc: Service) -> dict[str, Cell]:
    """July to September 2026."""
    return {
        **zeros(svc),
        # 12 received: July 6 (one at 23:30 UTC on 30 June), August 3, September 3.
        "referrals.total": 12,
        "referrals.by_month.2026-07": 6,
        "referrals.by_month.2026-08": 3,
        "referrals.by_month.2026-09": 3,
        "referrals.source.self": 7,
        "referrals.source.family_or_carer": 5,
        "referrals.first_contact.on_time": 6,
        "referrals.first_contact.late": 2,
        "referrals.first_contact.none_yet": 4,
        # Districts seen in the year to date are listed, at 0 in this quarter.
        "referrals.by_district.DE1": 5,
        "referrals.by_district.DE22": 0,
        "referrals.by_district.DE65": 3,
        "referrals.by_district.NG1": 0,
        "referrals.by_district.none": 4,  # no postcode: neither inside nor outside
        "referrals.inside_area": 8,
        "referrals.outside_area": 0,
        # Declined at 00:30 London time on 1 July and not eligible on 2 July (both Q1
        # referrals), needs cannot be met 3 in September.
        "referrals.refused.declined": 1,
        "referrals.refused.not_eligible": 1,
        "referrals.refused.needs_cannot_be_met": 3,
        "referrals.refused_total": 5,
        # No care 4 (of Q1's 5, one is active since 10 August), language 2, other 1.
        "referrals.waiting.no_care_available": 4,
        "referrals.waiting.language_barrier": 2,
        "referrals.waiting.other": 1,
        "referrals.waiting_total": 7,
        "events.sessions": 16,
        "events_by_kind.support-group.sessions": 13,
        "events_by_kind.course.sessions": 3,
        "events.attendances": 6,
        "events_by_kind.course.attendances": 5,
        "events_by_kind.support-group.attendances": 1,
        "events.unique_attendees": 4,
        "events.did_not_attend": 1,
        "carers.trained": 3,
        "feedback.responses": 4,
        f"feedback_answered.{INFO}": 3,
        f"feedback.{INFO}.agree_percent": Percent(67),  # 2 of 3
        f"feedback_answered.{KEEP}": 1,
        f"feedback.{KEEP}.agree_percent": Percent(100),
        "complaints.compliment": 6,  # one at 00:30 London time on 1 July
        "reach.responses": 12,
        "reach.eq_gender.woman": 6,
        "reach.eq_gender.non_binary": 2,
        "reach.eq_gender.prefer_not_to_say": 4,
        **not_answered("eq_gender", 12),
    }


def expected_ytd(svc: Service) -> dict[str, Cell]:
    """1 April to 30 September 2026: Q1 and Q2 added, except what is "at the end"."""
    return {
        **zeros(svc),
        "referrals.total": 32,
        **{f"referrals.by_month.2026-{m:02d}": n for m, n in zip(range(4, 10), (8, 7, 5, 6, 3, 3))},
        "referrals.source.self": 17,
        "referrals.source.family_or_carer": 11,
        "referrals.source.professional": 4,
        "referrals.first_contact.on_time": 16,
        "referrals.first_contact.late": 7,
        "referrals.first_contact.none_yet": 9,
        "referrals.by_district.DE1": 14,
        "referrals.by_district.DE22": 6,
        "referrals.by_district.DE65": 3,
        "referrals.by_district.NG1": 5,
        "referrals.by_district.none": 4,
        "referrals.inside_area": 23,
        "referrals.outside_area": 5,
        "referrals.refused.unmanageable_risk": 4,
        "referrals.refused.declined": 5,
        "referrals.refused.not_eligible": 1,
        "referrals.refused.needs_cannot_be_met": 3,
        "referrals.refused_total": 13,
        # The waiting list is the one at the end: the same as Q2's.
        "referrals.waiting.no_care_available": 4,
        "referrals.waiting.language_barrier": 2,
        "referrals.waiting.other": 1,
        "referrals.waiting_total": 7,
        "events.sessions": 29,
        "events_by_kind.support-group.sessions": 25,
        "events_by_kind.training.sessions": 1,
        "events_by_kind.course.sessions": 3,
        "events.attendances": 14,
        "events_by_kind.support-group.attendances": 7,
        "events_by_kind.training.attendances": 2,
        "events_by_kind.course.attendances": 5,
        "events.unique_attendees": 7,  # Ann came in both quarters: once
        "events.did_not_attend": 3,
        "carers.trained": 4,  # Ann, Fay, Hal, Ivy
        "feedback.responses": 14,
        f"feedback_answered.{INFO}": 11,
        f"feedback.{INFO}.agree_percent": Percent(64),  # 7 of 11 is 63.6
        f"feedback_answered.{KEEP}": 4,
        f"feedback.{KEEP}.agree_percent": Percent(100),
        "complaints.complaint": 5,
        "complaints.compliment": 8,
        "reach.responses": 32,
        "reach.eq_gender.woman": 18,
        "reach.eq_gender.man": 5,
        "reach.eq_gender.non_binary": 2,
        "reach.eq_gender.prefer_not_to_say": 4,
        "reach.eq_gender.not_answered": 3,
        **not_answered("eq_gender", 32),
    }


EXPECTED = {"q1": (Q1, expected_q1), "q2": (Q2, expected_q2), "ytd": (YTD, expected_ytd)}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_figure_of_the_return_with_every_number(carers_portal: Settings, name: str) -> None:
    period, expected = EXPECTED[name]
    built = returned(carers_portal, period, raw=True)
    assert built.measures == expected(carers(carers_portal))
    assert (built.start, built.end) == period
    assert built.year_start == date(2026, 4, 1)


def test_the_year_to_date_column_is_the_year_to_date_return(carers_portal: Settings) -> None:
    """Q2's tables show the year to date beside the quarter: the same numbers as a return
    for 1 April to 30 September."""
    q2 = returned(carers_portal, Q2, raw=True)
    ytd = returned(carers_portal, YTD, raw=True)
    year_column = {
        row.key: row.cells[1] for table in q2.tables for row in table.rows if len(row.cells) == 2
    }
    assert year_column
    for key, value in year_column.items():
        assert key is not None
        if value is None:  # a percent with no answers
            assert key not in ytd.measures
        else:
            assert ytd.measures[key] == value, key


def test_the_contract_keys_are_all_there_and_the_json_is_plain(carers_portal: Settings) -> None:
    from pafinder.reports.commands import as_json

    built = returned(carers_portal, Q2, raw=False)
    data = as_json(built)
    assert set(data) == {"service", "from", "to", "measures"}
    assert (data["service"], data["from"], data["to"]) == ("carers", "2026-07-01", "2026-09-30")
    contract = [
        "referrals.total",
        *(f"referrals.source.{s}" for s in ("self", "family_or_carer", "professional")),
        *(f"referrals.first_contact.{s}" for s in ("on_time", "late", "none_yet")),
        *(
            f"referrals.refused.{r}"
            for r in ("unmanageable_risk", "declined", "not_eligible", "needs_cannot_be_met")
        ),
        *(f"referrals.waiting.{r}" for r in ("no_care_available", "language_barrier", "other")),
        "referrals.outside_area",
        *(f"events.{k}" for k in ("sessions", "attendances", "unique_attendees", "did_not_attend")),
        "feedback.responses",
        "complaints.complaint",
        "complaints.compliment",
    ]
    missing = [key for key in contract if key not in data["measures"]]
    assert not missing
    for value in data["measures"].values():
        assert value in (FEWER, SUPPRESSED) or (isinstance(value, int) and value >= 0), value
    # A statement nobody answered has no percent (CONTRACT: absent with no answers).
    assert "feedback.less-alone.agree_percent" not in data["measures"]
    assert data["measures"][f"feedback.{INFO}.agree_percent"] == FEWER  # 3 answered


# --- The small-number rule -----------------------------------------------------------------


def _every_cell(built: Return) -> dict[tuple[str, int], Cell]:
    """Each shown cell of the tables by (row key, column): a figure shown in two tables is one
    cell (the referral total closes several), as a reader would link them."""
    cells: dict[tuple[str, int], Cell] = {}
    for table in built.tables:
        for number, row in enumerate(table.rows):
            for col, cell in enumerate(row.cells):
                key = (row.key or f"{table.id}#{number}", col)
                assert cells.get(key, cell) == cell, key  # the same figure shows the same
                cells[key] = cell
    return cells


def _sums(built: Return) -> list[tuple[tuple[str, int], list[tuple[str, int]]]]:
    """Every (total, parts) the tables show: a table's total row is the sum of its other rows,
    in each column; the months of a whole-month period add up to its referral total."""
    found = []
    for table in built.tables:
        totals = [r for r in table.rows if r.total]
        if not totals:
            continue
        assert len(totals) == 1, table.id
        total = totals[0]
        parts = [r for r in table.rows if not r.total]
        for col in range(len(total.cells)):
            found.append(((str(total.key), col), [(str(p.key), col) for p in parts]))
    # The months table has no total row, but a reader can add its months up (each row counts
    # up to the period's last day): from April, they make the year to date's total (column
    # 1); from the period's first month, when it starts on the 1st, the period's (column 0).
    months = next(t for t in built.tables if t.id == "months")
    keys = [(f"months#{n}", 0) for n in range(len(months.rows))]
    days = [datetime.strptime(r.label, "%B %Y").date() for r in months.rows]
    in_year = [k for k, d in zip(keys, days, strict=True) if d >= built.year_start]
    found.append((("referrals.total", 1), in_year))
    if built.start.day == 1:
        inside = [k for k, d in zip(keys, days, strict=True) if d >= built.start]
        found.append((("referrals.total", 0), inside))
    # A period that starts on 1 April is its own year to date: the two columns are the same
    # figures, which a reader can see from the headings.
    if built.start == built.year_start:
        both = {k for k, col in _every_cell(built) if col == 1}
        found += [((k, 0), [(k, 1)]) for k in both]
    return found


def assert_nothing_can_be_worked_out(built: Return, raw: Return) -> None:
    """What a reader of the tables can work out: a "fewer than 5" is 1 to 4, a "suppressed" at
    least 5, and each total is its parts' sum. Narrow every hidden cell's range by every sum,
    again and again; no hidden cell may come down to one number."""
    shown = _every_cell(built)
    raw_cells = _every_cell(raw)
    # Counts only: a percent has its own rule (pafinder.reports.returns).
    sums = [
        (total, parts)
        for total, parts in _sums(built)
        if all(isinstance(raw_cells[k], int) for k in (total, *parts))
    ]
    # The brief's first check, table by table: a total and all but one part known means the
    # last part must be known too.
    for total, parts in sums:
        if isinstance(shown[total], int):
            unknown = [p for p in parts if not isinstance(shown[p], int)]
            assert len(unknown) != 1, (total, unknown)
    big = 10**9
    bounds = {
        key: (1, 4) if cell == FEWER else (5, big) if cell == SUPPRESSED else None
        for key, cell in shown.items()
    }
    value = {k: c for k, c in shown.items() if isinstance(c, int)}

    def rng(key: tuple[str, int]) -> tuple[int, int]:
        b = bounds[key]
        return b if b is not None else (value[key], value[key])

    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            # total = sum(parts): each part lies in total - the others; the total in the sum.
            low = sum(rng(p)[0] for p in parts)
            high = sum(rng(p)[1] for p in parts)
            t_low, t_high = rng(total)
            if bounds[total] is not None:
                new = (max(t_low, low), min(t_high, high))
                if new != (t_low, t_high):
                    bounds[total], changed = new, True
            for part in parts:
                if bounds[part] is None:
                    continue
                p_low, p_high = rng(part)
                others_low, others_high = low - p_low, high - p_high
                t_low, t_high = rng(total)
                new = (max(p_low, t_low - others_high), min(p_high, t_high - others_low))
                if new != (p_low, p_high):
                    bounds[part], changed = new, True
    for key, b in bounds.items():
        if b is None or not isinstance(raw_cells[key], int):
            continue  # shown, or a percent (its own rule: pafinder.reports.returns)
        # The reader's range holds the truth, and is never one number.
        assert b[0] <= raw_cells[key] <= b[1], (key, b, raw_cells[key])  # type: ignore[operator]
        assert b[0] < b[1], f"{key} can be worked out: it is {b[0]}"


def assert_primary_rule(built: Return, raw: Return) -> None:
    """Every count of 1 to 4 reads "fewer than 5"; a shown count is the true one; a hidden one
    is hidden; a 0 shows."""
    for key, true in raw.measures.items():
        shown = built.measures[key]
        if isinstance(true, Percent):
            answered_key = (
                f"feedback_answered.{key.split('.')[1]}"
                if key.startswith("feedback.")
                else "register.listings_active"
            )
            behind = raw.measures[answered_key]
            assert shown == (FEWER if 0 < behind < 5 else true), key  # type: ignore[operator]
        elif true == 0:
            assert shown == 0, key
        elif 0 < true < 5:  # type: ignore[operator]
            assert shown == FEWER, key
        else:
            assert shown in (true, SUPPRESSED), key
    assert set(built.measures) == set(raw.measures)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_small_number_rule_hides_what_could_point_at_someone(
    carers_portal: Settings, name: str
) -> None:
    period, _ = EXPECTED[name]
    shown = returned(carers_portal, period, raw=False)
    raw = returned(carers_portal, period, raw=True)
    assert_primary_rule(shown, raw)
    assert_nothing_can_be_worked_out(shown, raw)
    # The tables carry the same cells as the measures.
    cells = _every_cell(shown)
    for (key, col), cell in cells.items():
        if col == 0 and key in shown.measures:
            assert shown.measures[key] == cell, key


def test_primary_and_secondary_suppression_in_the_designed_groups(
    carers_portal: Settings,
) -> None:
    q1 = returned(carers_portal, Q1, raw=False).measures
    # One small part beside a shown total: professionals (4) would be 20 - 10 - 6, so the
    # smallest other non-zero part (family, 6) is hidden too; the total stays.
    assert [q1[f"referrals.source.{s}"] for s in ("self", "family_or_carer", "professional")] == [
        10,
        S,
        F,
    ]
    assert q1["referrals.total"] == 20
    # Two small parts and two zeros: 4 + 4 + 0 + 0 = 8. With 8 shown, each "fewer than 5"
    # would be 8 minus one of 1 to 4, so 4: no part is left to hide, so the total is.
    assert [
        q1[f"referrals.refused.{r}"]
        for r in ("unmanageable_risk", "declined", "not_eligible", "needs_cannot_be_met")
    ] == [F, F, 0, 0]
    assert q1["referrals.refused_total"] == S
    # 5 + 0 + 1 = 6: hiding the 5 is not enough (6 minus at least 5 leaves exactly 1), so the
    # total goes too.
    assert [
        q1[f"referrals.waiting.{r}"] for r in ("no_care_available", "language_barrier", "other")
    ] == [S, 0, F]
    assert q1["referrals.waiting_total"] == S
    # Nothing small: nothing hidden.
    assert [q1[f"referrals.first_contact.{k}"] for k in ("on_time", "late", "none_yet")] == [
        10,
        5,
        5,
    ]
    assert q1[f"feedback.{INFO}.agree_percent"] == Percent(63)  # 8 answered
    assert q1[f"feedback.{KEEP}.agree_percent"] == F  # 3 answered: the percent says too much
    assert q1["complaints.compliment"] == F and q1["complaints.complaint"] == 5

    q2 = returned(carers_portal, Q2, raw=False).measures
    # Course 5 + support group 1 = 6 attendances: hiding the course's 5 leaves 6 - (5 or
    # more) = 1, so the total is hidden as well (and shows so in the events summary too).
    assert q2["events_by_kind.course.attendances"] == S
    assert q2["events_by_kind.support-group.attendances"] == F
    assert q2["events.attendances"] == S
    # No postcode (4) would be 12 - 8 - 0 in the area table: a part beside it is hidden.
    assert q2["referrals.by_district.none"] == F
    assert q2["referrals.inside_area"] == S
    assert q2["referrals.total"] == 12
    # Months of a whole-month period add up to its total: 6 + (1 to 4) + (1 to 4) = 12 pins
    # neither.
    assert [q2[f"referrals.by_month.2026-0{m}"] for m in (7, 8, 9)] == [6, F, F]


def test_a_percent_of_few_answers_is_hidden_but_every_number_shows_it(
    carers_portal: Settings,
) -> None:
    shown = returned(carers_portal, Q2, raw=False).measures
    raw = returned(carers_portal, Q2, raw=True).measures
    assert shown[f"feedback.{INFO}.agree_percent"] == F
    assert raw[f"feedback.{INFO}.agree_percent"] == Percent(67)
    assert shown["feedback.responses"] == F and raw["feedback.responses"] == 4


def test_title_lines_say_the_period_and_the_rule(carers_portal: Settings) -> None:
    shown = returned(carers_portal, Q2, raw=False)
    assert shown.title_lines[0] == "Return for the Carers support service"
    assert "July to September 2026" in shown.title_lines[1]
    assert shown.title_lines[2] == "Year to date: 1 April 2026 to 30 September 2026"
    assert "fewer than 5" in shown.title_lines[3]
    assert returned(carers_portal, Q2, raw=True).title_lines[3] == "Every number shown"


# --- Direct payment support: checks and the PA register -------------------------------------


def dps_return(settings: Settings, raw: bool) -> dict[str, Any]:
    svc = helpers.service(settings, "direct-payment-support")
    built = build(make_engine(settings.database_url), svc, *Q1, raw=raw)
    return {k: v for k, v in built.measures.items() if k.startswith(("checks.", "register."))}


def test_checks_and_register_activity_for_direct_payment_support(dps_portal: Settings) -> None:
    assert dps_return(dps_portal, raw=True) == {
        # Due 20 May: done on 18 May 5, at 23:30 London time on 20 May 1 (on time), at 00:30
        # London time on 21 May 1 (late); the one due on 1 July is Q2's.
        "checks.early_help.on_time": 6,
        "checks.early_help.late": 1,
        "checks.early_help.not_done": 0,
        "checks.early_help.due": 7,
        # Due 1 April and 30 June, not done; the one due on 31 March is not this quarter's.
        "checks.follow_up.on_time": 0,
        "checks.follow_up.late": 0,
        "checks.follow_up.not_done": 2,
        "checks.follow_up.due": 2,
        "register.listings_active": 8,
        "register.listings_new": 5,
        "register.dbs_checked_percent": Percent(75),  # 6 of 8
        "register.searches": 7,
        "register.contacts": 3,
    }
    assert dps_return(dps_portal, raw=False) == {
        # 6 + (1 to 4) + 0 = 7 would give the late one away: the 6 is hidden too.
        "checks.early_help.on_time": S,
        "checks.early_help.late": F,
        "checks.early_help.not_done": 0,
        "checks.early_help.due": 7,
        "checks.follow_up.on_time": 0,
        "checks.follow_up.late": 0,
        "checks.follow_up.not_done": F,
        "checks.follow_up.due": F,
        "register.listings_active": 8,
        "register.listings_new": 5,
        "register.dbs_checked_percent": Percent(75),
        "register.searches": 7,
        "register.contacts": F,
    }


def test_only_the_services_that_report_them_have_the_service_measures(
    carers_portal: Settings, dps_portal: Settings
) -> None:
    carers_keys = set(returned(carers_portal, Q1, raw=True).measures)
    assert "carers.trained" in carers_keys
    assert not [k for k in carers_keys if k.startswith(("register.", "checks."))]
    svc = helpers.service(dps_portal, "direct-payment-support")
    dps_keys = set(build(make_engine(dps_portal.database_url), svc, *Q1, raw=True).measures)
    assert "carers.trained" not in dps_keys


def test_the_dbs_checked_percent_rounds_halves_up_like_the_feedback_percent(
    tmp_path: Path,
) -> None:
    """5 of 8 live listings DBS-checked is 62.5%: the return's other percents (feedback,
    CONTRACT "rounded to a whole number") round halves up, to 63."""
    settings = helpers.portal(tmp_path)
    content = load_content(settings.content_dir)
    rows = [dict(r, status="published") for r in pa_rows.make_rows(content, 8, seed=7)]
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", rows))
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        ids = list(conn.execute(select(pas.c.id).order_by(pas.c.id)).scalars())
        for number, pa_id in enumerate(ids):
            conn.execute(
                update(pas)
                .where(pas.c.id == pa_id)
                .values(
                    status="published", paused=False, dbs_checked=number < 5, confirmed_at=utcnow()
                )
            )
    svc = helpers.service(settings, "direct-payment-support")
    measures = build(engine, svc, *Q1, raw=True).measures
    assert measures["register.listings_active"] == 8
    assert measures["register.dbs_checked_percent"] == Percent(63)


# --- Periods that are not quarters ------------------------------------------------------------


@pytest.mark.parametrize(
    "period",
    [
        (date(2026, 5, 1), date(2026, 5, 31)),  # a month (monthly returns)
        (date(2026, 6, 15), date(2026, 7, 15)),  # across the two quarters
        (date(2026, 4, 1), date(2026, 5, 10)),  # from 1 April, not whole months
        (date(2026, 3, 1), date(2026, 7, 31)),  # starting before the year
    ],
)
def test_any_period_keeps_the_rule(carers_portal: Settings, period: tuple[date, date]) -> None:
    shown = returned(carers_portal, period, raw=False)
    raw = returned(carers_portal, period, raw=True)
    assert_primary_rule(shown, raw)
    assert_nothing_can_be_worked_out(shown, raw)


def test_a_month_counts_its_own_referrals(carers_portal: Settings) -> None:
    may = returned(carers_portal, (date(2026, 5, 1), date(2026, 5, 31)), raw=True).measures
    assert may["referrals.total"] == 7
    assert [k for k in may if k.startswith("referrals.by_month.")] == ["referrals.by_month.2026-05"]
    assert may["referrals.by_month.2026-05"] == 7
    # The waiting list at the end of May: the one from 3 April only (the rest went on it in June).
    assert may["referrals.waiting_total"] == 1


def _small_portal(tmp_path: Path, days: list[tuple[str, str]]) -> Settings:
    settings = helpers.portal(tmp_path)
    makers = helpers.Referrals(settings)
    for day, route in days:
        makers.make("carers", helpers.Spec(helpers.at(day), route, "DE1 1AA", "", None))
    return settings


def test_a_period_from_1_april_hides_the_same_in_both_columns(tmp_path: Path) -> None:
    """1 April to 10 May is its own year to date. 5 in April and 1 in May: the year to date's
    months (suppressed, fewer than 5) say May is 6 minus at least 5, so its total is hidden;
    the period's column, the same days, must not show that total either."""
    days = [(f"2026-04-{d:02d}", "self") for d in (2, 6, 9, 14, 20)] + [("2026-05-05", "self")]
    settings = _small_portal(tmp_path, days)
    period = (date(2026, 4, 1), date(2026, 5, 10))
    shown = returned(settings, period, raw=False)
    raw = returned(settings, period, raw=True)
    assert raw.measures["referrals.total"] == 6
    assert_nothing_can_be_worked_out(shown, raw)


def test_a_period_from_before_april_keeps_the_year_to_date_hidden(tmp_path: Path) -> None:
    """1 March to 30 April: the April row of the months table is the year to date's total.
    April has 5 self-referrals and 1 professional: in the year column the 5 is hidden beside
    the 1, then the total (6 minus at least 5 would be 1); the April row must not show it."""
    days = [(f"2026-03-{d:02d}", "self") for d in (2, 6, 9, 16, 23)]
    days += [(f"2026-04-{d:02d}", "self") for d in (2, 6, 9, 14, 20)] + [
        ("2026-04-21", "professional")
    ]
    settings = _small_portal(tmp_path, days)
    period = (date(2026, 3, 1), date(2026, 4, 30))
    shown = returned(settings, period, raw=False)
    raw = returned(settings, period, raw=True)
    assert assert_primary_rule(shown, raw) is None
    assert_nothing_can_be_worked_out(shown, raw)
