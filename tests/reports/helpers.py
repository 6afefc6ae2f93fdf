"""A known data set for the quarterly returns (issue 10, "How it is checked"), built through the
real stores where they take a time (referrals, complaints, feedback, events, bookings) and by
plain SQL on the real tables where no store function takes one (the time of a status change, of
first contact, of a check done; a listing's dates). No demo data: every figure is ours.

The carers service gets two quarters, April to June 2026 ("Q1", the first of the April-to-March
year) and July to September 2026 ("Q2"). The numbers are chosen so each can be worked out by
hand; the per-quarter counts are written beside each list, and tests/reports/test_returns.py
holds the expected returns. Each attribute is a list zipped with the others: a return counts
each attribute on its own, so only the lists' counts matter, not which referral has which.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from pafinder.complaints import store as complaints_store
from pafinder.content import Service, load_content
from pafinder.db import make_engine, migrate, utcnow
from pafinder.events import bookings
from pafinder.events import store as events_store
from pafinder.events.models import BookingInput
from pafinder.events.recurrence import occurrence
from pafinder.feedback import store as feedback_store
from pafinder.referrals import store as referrals_store
from pafinder.referrals.casework import Change, apply, referral_changes
from pafinder.referrals.checks import referral_checks
from pafinder.referrals.journey import new_form_key
from pafinder.referrals.models import referral_config
from pafinder.referrals.validation import validate
from pafinder.register import activity
from pafinder.register.commands import import_file
from pafinder.register.tables import pas
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date
from tests.conftest import REAL_CONTENT, make_settings
from tests.events.conftest import event_input
from tests.referrals.helpers import answers_for
from tests.register import pa_rows

Q1 = (date(2026, 4, 1), date(2026, 6, 30))
Q2 = (date(2026, 7, 1), date(2026, 9, 30))
YTD = (date(2026, 4, 1), date(2026, 9, 30))  # the year to date at the end of Q2

# 30 June 2026 at 23:30 UTC is 00:30 on 1 July in London (BST): July, so Q2.
JUNE_30_LATE = datetime(2026, 6, 30, 23, 30)
# 31 March 2026 at 23:30 UTC is 00:30 on 1 April in London (BST began on 29 March): Q1.
MARCH_31_LATE = datetime(2026, 3, 31, 23, 30)
# 31 March 2026 at 22:30 UTC is 23:30 on 31 March in London: before Q1, in no period here.
MARCH_31_EVENING = datetime(2026, 3, 31, 22, 30)


def portal(tmp_path: Path) -> Settings:
    """The real content, migrated, nothing seeded (the static site is not needed)."""
    settings = make_settings(tmp_path, REAL_CONTENT)
    migrate(make_engine(settings.database_url))
    return settings


def service(settings: Settings, slug: str) -> Service:
    found = load_content(settings.content_dir).service(slug)
    assert found is not None
    return found


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A naive UTC moment (as stored) on an ISO day."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute))


# --- Referrals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One referral: when it arrived (naive UTC), who made it, its postcode, its equality
    answer for gender, its first contact ("on_time", "late" or None; "edge_*" the BST edges)
    and its later status changes [(naive UTC, status, reason)]."""

    received_at: datetime
    route: str
    postcode: str
    gender: str
    contact: str | None
    changes: tuple[tuple[datetime, str, str], ...] = ()


def _respond_by(received_at: datetime) -> date:
    return london_date(received_at) + timedelta(days=7)


def _contact_time(spec: Spec) -> datetime | None:
    due = _respond_by(spec.received_at)
    return {
        None: None,
        "on_time": datetime.combine(london_date(spec.received_at) + timedelta(days=2), time(10)),
        "late": datetime.combine(due + timedelta(days=3), time(10)),
        # 22:30 UTC on the respond-by day is 23:30 in London: still that day, on time.
        "edge_on_time": datetime.combine(due, time(22, 30)),
        # 23:30 UTC on the respond-by day is 00:30 the next day in London: late.
        "edge_late": datetime.combine(due, time(23, 30)),
    }[spec.contact]


def _zip(**columns: list[Any]) -> list[dict[str, Any]]:
    lengths = {len(v) for v in columns.values()}
    assert len(lengths) == 1, {k: len(v) for k, v in columns.items()}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values())]


def _q1_specs() -> list[Spec]:
    # 20 referrals received in Q1; April 8 (one at 23:30 UTC on 31 March), May 7, June 5.
    received = [MARCH_31_LATE] + [at(f"2026-04-{d:02d}") for d in (2, 6, 9, 14, 20, 23, 28)]
    received += [at(f"2026-05-{d:02d}") for d in (1, 5, 8, 12, 15, 19, 22)]
    received += [at(f"2026-06-{d:02d}") for d in (2, 9, 16, 23, 29)]
    # Sources: self 10, family or carer 6, professional 4.
    routes = ["self"] * 10 + ["family_or_carer"] * 6 + ["professional"] * 4
    # Districts: DE1 9, DE22 6 (both inside Derby's), NG1 5 (outside).
    postcodes = ["DE1 1AA"] * 9 + ["DE22 1AB"] * 6 + ["NG1 1AA"] * 5
    # Gender: woman 12, man 5, not answered 3.
    genders = ["woman"] * 12 + ["man"] * 5 + [""] * 3
    # First contact: on time 10 (one at 22:30 UTC on its respond-by day), late 5 (one at
    # 23:30 UTC on it), none yet 5. The contacted ones are the April and May arrivals.
    contact = ["on_time"] * 9 + ["edge_on_time", "edge_late"] + ["late"] * 4 + [None] * 5
    # Of the 15 contacted: refused in June (unmanageable risk 4, declined 4); on the waiting
    # list in June (no care available 5; the last of them is active again on 10 August, so
    # waiting at the end of Q1, not of Q2); refused as declined at 23:30 UTC on 30 June (1 July
    # in London, so a Q2 refusal) and as not eligible on 2 July (Q2).
    june = [at("2026-06-15", 9 + i) for i in range(13)]
    changes: list[tuple[tuple[datetime, str, str], ...]] = []
    changes += [((june[i], "refused", "unmanageable_risk"),) for i in range(4)]
    changes += [((june[4 + i], "refused", "declined"),) for i in range(4)]
    changes += [((june[8 + i], "waiting", "no_care_available"),) for i in range(4)]
    changes += [((june[12], "waiting", "no_care_available"), (at("2026-08-10"), "active", ""))]
    changes += [((JUNE_30_LATE, "refused", "declined"),)]
    changes += [((at("2026-07-02"), "refused", "not_eligible"),)]
    changes += [()] * 5
    rows = _zip(
        received_at=received,
        route=routes,
        postcode=postcodes,
        gender=genders,
        contact=contact,
        changes=changes,
    )
    return [Spec(**row) for row in rows]


def _q2_specs() -> list[Spec]:
    # 12 referrals received in Q2: July 6 (one at 23:30 UTC on 30 June), August 3, September 3.
    received = [JUNE_30_LATE] + [at(f"2026-07-{d:02d}") for d in (3, 8, 13, 20, 27)]
    received += [at(f"2026-08-{d:02d}") for d in (3, 10, 24)]
    received += [at(f"2026-09-{d:02d}") for d in (1, 14, 28)]
    # Sources: self 7, family or carer 5, professional 0.
    routes = ["self"] * 7 + ["family_or_carer"] * 5
    # Districts: DE1 5, DE65 3 (inside), no postcode 4.
    postcodes = ["DE1 2AB"] * 5 + ["DE65 6AA"] * 3 + [""] * 4
    # Gender: woman 6, non-binary 2, prefer not to say 4.
    genders = ["woman"] * 6 + ["non_binary"] * 2 + ["prefer_not_to_say"] * 4
    # First contact: on time 6, late 2, none yet 4.
    contact = ["on_time"] * 6 + ["late"] * 2 + [None] * 4
    # Of the 8 contacted: waiting for a language barrier 2, refused as needs cannot be met 3,
    # active 3 (all in September).
    sept = [at("2026-09-15", 9 + i) for i in range(8)]
    changes: list[tuple[tuple[datetime, str, str], ...]] = []
    changes += [((sept[i], "waiting", "language_barrier"),) for i in range(2)]
    changes += [((sept[2 + i], "refused", "needs_cannot_be_met"),) for i in range(3)]
    changes += [((sept[5 + i], "active", ""),) for i in range(3)]
    changes += [()] * 4
    rows = _zip(
        received_at=received,
        route=routes,
        postcode=postcodes,
        gender=genders,
        contact=contact,
        changes=changes,
    )
    return [Spec(**row) for row in rows]


def _noise_specs() -> list[Spec]:
    """Carers referrals no return here counts: received on 31 March in London (contacted and
    waiting in April, refused in October) and on 1 October."""
    return [
        Spec(
            MARCH_31_EVENING,
            "self",
            "DE1 1AA",
            "man",
            "on_time",
            ((at("2026-04-03"), "waiting", "other"), (at("2026-10-01"), "refused", "declined")),
        ),
        Spec(at("2026-10-01"), "professional", "NG1 1AA", "woman", "on_time"),
    ]


class Referrals:
    """Makes referrals through the store and works them through casework.apply, then sets
    the times the store stamps with the clock (the change's ``at``, first contact) by SQL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.staff_id = staff_store.add_staff(
            self.engine, f"builder-{secrets.token_hex(3)}@example.org", "x", "admin"
        )

    def make(self, slug: str, spec: Spec) -> str:
        svc = service(self.settings, slug)
        config = referral_config(svc)
        assert config is not None
        overrides: dict[str, Any] = {"postcode": spec.postcode or None}
        if spec.gender:
            overrides["eq_gender"] = spec.gender
        answers = answers_for(svc, route=spec.route, **overrides)
        sub, errors = validate(answers, svc, config, london_date(spec.received_at))
        assert sub is not None, errors
        ref, created = referrals_store.create(
            self.engine, slug, sub, new_form_key(), spec.received_at, _respond_by(spec.received_at)
        )
        assert created
        first = _contact_time(spec)
        if first is not None:
            self.change(ref, first, "contacted", "")
        for when, status, reason in spec.changes:
            self.change(ref, when, status, reason)
        return ref

    def change(self, ref: str, when: datetime, status: str, reason: str) -> None:
        """A status change as the record page makes it, then dated ``when``."""
        values: dict[str, str] = {"status": status}
        if status == "refused":
            values["refusal_reason"] = reason
        if status == "waiting":
            values["delay_reason"] = reason
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    referrals_store.referrals.c.id,
                    referrals_store.referrals.c.version,
                    referrals_store.referrals.c.first_contact_at,
                ).where(referrals_store.referrals.c.ref == ref)
            ).one()
        apply(
            self.engine,
            ref,
            row.version,
            self.staff_id,
            Change("status", status, values, reason=reason),
        )
        with self.engine.begin() as conn:
            last = conn.execute(
                select(referral_changes.c.id)
                .where(referral_changes.c.referral_id == row.id)
                .order_by(referral_changes.c.id.desc())
                .limit(1)
            ).scalar_one()
            conn.execute(
                update(referral_changes).where(referral_changes.c.id == last).values(at=when)
            )
            if row.first_contact_at is None:  # this change was the first contact
                conn.execute(
                    update(referrals_store.referrals)
                    .where(referrals_store.referrals.c.id == row.id)
                    .values(first_contact_at=when)
                )


# --- Events and attendance ---------------------------------------------------------------


def _person(name: str) -> BookingInput:
    return BookingInput.model_validate(
        {"date": "", "name": name, "email": f"{name.lower()}@example.org"}
    )


def _attend(engine: Engine, event_id: int, day: date, marks: dict[str, str]) -> None:
    """Book each person on the date and mark them as staff would."""
    event = events_store.get_event(engine, event_id)
    assert event is not None
    occ = occurrence(event, day)
    assert occ is not None, (event_id, day)
    ids = {}
    for name in marks:
        result = bookings.book(engine, occ, _person(name), actor="test", override=True)
        assert result.outcome == "booked" and result.booking is not None, result
        ids[result.booking.id] = marks[name]
    bookings.set_attendance(engine, event_id, day, ids, "test")


def make_events(settings: Settings) -> None:
    """Carers events.

    Sessions: a weekly support group on Tuesdays, 7 April to 29 September (26 dates: 13 in Q1,
    13 in Q2), with 12 May cancelled (Q1: 12) and 30 June moved to 2 July (still counted on
    30 June, Q1); one training day on 20 May (Q1); a course on 5, 12 and 19 August (Q2). Not
    counted: a cancelled workshop in May and a direct payment support workshop in May.
    So Q1: support group 12, training 1, all 13; Q2: support group 13, course 3, all 16.

    Attendance (A attended, D did not attend, C cancelled):
    Q1: group 7 April Ann Bob Cat A, Dan D; group 14 April Ann Bob A, Eve C; training 20 May
    Ann Fay A, Gus D; group 30 June (moved) Bob A. Attendances 8 (group 6, training 2),
    people 4 (Ann Bob Cat Fay), did not attend 2, carers trained 2 (Ann Fay).
    Q2: course 5 August Hal Ivy Ann A, Jon D; course 12 August Hal Ivy A; group 7 July Kit A.
    Attendances 6 (course 5, group 1), people 4 (Hal Ivy Ann Kit), did not attend 1, carers
    trained 3 (Hal Ivy Ann). Year to date: attendances 14, people 7, did not attend 3,
    carers trained 4 (Ann Fay Hal Ivy).
    """
    engine = make_engine(settings.database_url)

    def add(**fields: Any) -> int:
        base: dict[str, Any] = {"capacity": None}
        base.update(fields)
        return events_store.create_event(engine, event_input(**base), "test")

    group = add(
        title="Tuesday carers group",
        kind="support-group",
        start_date=date(2026, 4, 7),
        repeat="weekly",
        repeat_count=26,
    )
    events_store.change_date(engine, group, date(2026, 5, 12), "cancelled", "test")
    events_store.change_date(
        engine,
        group,
        date(2026, 6, 30),
        "moved",
        "test",
        starts_at=datetime(2026, 7, 2, 17),
        ends_at=datetime(2026, 7, 2, 18, 30),
    )
    training = add(
        title="Moving and handling", kind="training", start_date=date(2026, 5, 20), repeat="none"
    )
    course = add(
        title="Caring with confidence",
        kind="course",
        start_date=date(2026, 8, 5),
        repeat="weekly",
        repeat_count=3,
    )
    cancelled = add(
        title="Cancelled workshop", kind="workshop", start_date=date(2026, 5, 6), repeat="none"
    )
    events_store.set_status(engine, cancelled, "cancelled", "test")
    other = add(
        title="Direct payments workshop",
        kind="workshop",
        service="direct-payment-support",
        start_date=date(2026, 5, 6),
        repeat="none",
    )
    A, D, C = "attended", "did-not-attend", "cancelled"  # the marks, short
    _attend(engine, group, date(2026, 4, 7), {"Ann": A, "Bob": A, "Cat": A, "Dan": D})
    _attend(engine, group, date(2026, 4, 14), {"Ann": A, "Bob": A, "Eve": C})
    _attend(engine, training, date(2026, 5, 20), {"Ann": A, "Fay": A, "Gus": D})
    _attend(engine, group, date(2026, 6, 30), {"Bob": A})
    _attend(engine, course, date(2026, 8, 5), {"Hal": A, "Ivy": A, "Ann": A, "Jon": D})
    _attend(engine, course, date(2026, 8, 12), {"Hal": A, "Ivy": A})
    _attend(engine, group, date(2026, 7, 7), {"Kit": A})
    _attend(engine, other, date(2026, 5, 6), {"Zed": A, "Yan": A})


# --- Feedback and complaints -------------------------------------------------------------

INFO, KEEP = "information-i-need", "able-to-keep-caring"


def make_feedback(settings: Settings) -> None:
    """Q1: 10 responses; 'information' answered 8 (agree 5, neither 2, disagree 1: 62.5%, so
    63%), 'able to keep caring' answered 3 (all agree), 2 with a comment only.
    Q2: 4 responses; 'information' answered 3 (agree 2: 66.7%, so 67%), 'keep caring' 1 (agree).
    Year to date: 14; 'information' 11 (agree 7: 63.6%, so 64%), 'keep caring' 4 (100%).
    Not counted: 31 March, 1 October, and another service's."""
    engine = make_engine(settings.database_url)
    q1: list[dict[str, str]] = [
        {INFO: "agree", KEEP: "agree"},
        {INFO: "agree", KEEP: "agree"},
        {INFO: "agree", KEEP: "agree"},
        {INFO: "agree"},
        {INFO: "agree"},
        {INFO: "neither"},
        {INFO: "neither"},
        {INFO: "disagree"},
        {},
        {},
    ]
    for number, answers in enumerate(q1):
        day = date(2026, 4, 1) + timedelta(days=9 * number)  # 1 April to 21 June
        feedback_store.record(engine, "carers", day, answers, "" if answers else "Thanks", None)
    q2 = [{INFO: "agree", KEEP: "agree"}, {INFO: "agree"}, {INFO: "disagree"}, {}]
    for day, answers in zip(
        (date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1), date(2026, 9, 30)), q2, strict=True
    ):
        feedback_store.record(engine, "carers", day, answers, "", None)
    for day, slug in (
        (date(2026, 3, 31), "carers"),
        (date(2026, 10, 1), "carers"),
        (date(2026, 5, 5), "direct-payment-support"),
    ):
        feedback_store.record(engine, slug, day, {INFO: "disagree"}, "", None)


def make_complaints(settings: Settings) -> None:
    """Q1: complaints 5, compliments 2 (comments 3 are not counted); Q2: complaints 0,
    compliments 6 (one at 23:30 UTC on 30 June). Not counted: another service's, 'general',
    31 March in London."""
    engine = make_engine(settings.database_url)

    def item(kind: str, slug: str, when: datetime) -> None:
        sub = complaints_store.Submission(kind, slug, "Some words.")
        complaints_store.create(engine, sub, secrets.token_urlsafe(24), when)

    for day in ("2026-04-02", "2026-04-20", "2026-05-11", "2026-06-01", "2026-06-30"):
        item("complaint", "carers", at(day))
    item("compliment", "carers", MARCH_31_LATE)
    item("compliment", "carers", at("2026-05-05"))
    for day in ("2026-04-03", "2026-05-03", "2026-06-03"):
        item("comment", "carers", at(day))
    item("compliment", "carers", JUNE_30_LATE)
    for day in ("2026-07-10", "2026-08-10", "2026-08-20", "2026-09-10", "2026-09-30"):
        item("compliment", "carers", at(day))
    item("complaint", "direct-payment-support", at("2026-05-05"))
    item("complaint", "general", at("2026-05-05"))
    item("complaint", "carers", MARCH_31_EVENING)


def carers_data(settings: Settings) -> None:
    """The whole carers data set (see the module docstring and each maker's)."""
    makers = Referrals(settings)
    for spec in _q1_specs() + _q2_specs() + _noise_specs():
        makers.make("carers", spec)
    # Another service's referral, refused and one waiting, in Q1: not the carers' figures.
    other = Spec(
        at("2026-04-10"),
        "self",
        "CW1 2AB",
        "woman",
        "on_time",
        ((at("2026-05-01"), "refused", "declined"),),
    )
    makers.make("direct-payment-support", other)
    makers.make(
        "direct-payment-support",
        Spec(
            at("2026-04-11"),
            "self",
            "CW1 2AB",
            "",
            "late",
            ((at("2026-05-02"), "waiting", "other"),),
        ),
    )
    make_events(settings)
    make_feedback(settings)
    make_complaints(settings)


# --- Direct payment support: checks and the PA register -----------------------------------


def dps_data(tmp_path: Path, settings: Settings) -> None:
    """Checks due in Q1: early help done on time 6 (one done on its due day at 22:30 UTC,
    23:30 in London), done late 1 (at 23:30 UTC on its due day: the next day in London), not
    done 0; follow-up not done 2. Not counted: an early help check due on 1 July (done), a
    follow-up due on 31 March.

    Listings (now): 8 live (published, not paused, confirmed in the last 120 days), 6 of them
    DBS-checked (75%); not live: one paused, one not confirmed for 200 days, one withdrawn.
    New in Q1 (first published on a London day in Q1): 5 (one at 23:30 UTC on 31 March; the
    paused and the withdrawn ones count: they were published); not new: one at 23:30 UTC on
    30 June (1 July in London).

    Register activity in Q1: searches 7 (one at 23:30 UTC on 31 March), contacts 3; not
    counted: a search at 23:30 UTC on 30 June and a contact on 31 March in London."""
    engine = make_engine(settings.database_url)
    makers = Referrals(settings)
    refs = [
        makers.make("direct-payment-support", Spec(at("2026-03-02"), "self", "CW1 2AB", "", None))
        for _ in range(11)
    ]
    due = date(2026, 5, 20)
    checks = [  # (check id, due on, done at)
        *[("early_help", due, at("2026-05-18")) for _ in range(5)],
        ("early_help", due, datetime(2026, 5, 20, 22, 30)),  # on time: 23:30 in London
        ("early_help", due, datetime(2026, 5, 20, 23, 30)),  # late: 21 May in London
        ("follow_up", date(2026, 6, 30), None),
        ("follow_up", date(2026, 4, 1), None),
        ("early_help", date(2026, 7, 1), at("2026-07-01")),  # Q2
        ("follow_up", date(2026, 3, 31), None),  # before Q1
    ]
    with engine.begin() as conn:
        ids = dict(
            conn.execute(
                select(referrals_store.referrals.c.ref, referrals_store.referrals.c.id)
            ).all()
        )
        for ref, (check_id, due_on, done_at) in zip(refs, checks, strict=True):
            conn.execute(
                referral_checks.insert().values(
                    referral_id=ids[ref],
                    check_id=check_id,
                    seq=1,
                    label="A check",
                    due_on=due_on,
                    created_at=at("2026-03-02"),
                    done_at=done_at,
                )
            )

    content = load_content(settings.content_dir)
    rows = [dict(r, status="published") for r in pa_rows.make_rows(content, 11, seed=5)]
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", rows))
    now = utcnow()
    fresh, stale = now - timedelta(days=5), now - timedelta(days=200)
    before = at("2026-01-10")
    listings = [  # status, paused, dbs checked, published at, confirmed at
        ("published", False, True, at("2026-05-10"), fresh),  # live, checked, new
        ("published", False, True, at("2026-06-15"), fresh),  # live, checked, new
        ("published", False, True, before, fresh),  # live, checked
        ("published", False, True, before, fresh),  # live, checked
        ("published", False, True, before, fresh),  # live, checked
        ("published", False, True, before, fresh),  # live, checked
        ("published", False, False, MARCH_31_LATE, fresh),  # live, new (1 April in London)
        ("published", False, False, JUNE_30_LATE, fresh),  # live, not new (1 July)
        ("published", True, True, at("2026-04-20"), fresh),  # paused: not live; new
        ("published", False, True, before, stale),  # out of search
        ("withdrawn", False, True, at("2026-06-01"), fresh),  # not live; new
    ]
    with engine.begin() as conn:
        pa_ids = list(conn.execute(select(pas.c.id).order_by(pas.c.id)).scalars())
        for pa_id, (status, paused, checked, published, confirmed) in zip(
            pa_ids, listings, strict=True
        ):
            conn.execute(
                update(pas)
                .where(pas.c.id == pa_id)
                .values(
                    status=status,
                    paused=paused,
                    dbs_checked=checked,
                    published_at=published,
                    confirmed_at=confirmed,
                )
            )
        searches = [MARCH_31_LATE, *(at("2026-05-01", 9 + i) for i in range(5)), at("2026-06-30")]
        for when in [*searches, JUNE_30_LATE]:
            activity.count(conn, "search", when)
        for when in [at("2026-04-15"), at("2026-05-15"), at("2026-06-15"), MARCH_31_EVENING]:
            activity.count(conn, "contact", when)
