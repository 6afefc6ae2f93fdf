"""The staff referral queue (issue 9, point 1; CONTRACT.md "Staff back office"): every filter
alone and together, most urgent first, 50 to a page, the clocks in plain words, per-service
access, and a 400 with a message for every bad filter value."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pafinder.db import make_engine, utcnow
from pafinder.referrals import store
from pafinder.referrals.queue import PAGE_SIZE, working_days_between
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import add_working_days, is_working_day, london_date
from tests.conftest import PageClient, add_staff, sign_in
from tests.referrals.helpers import errors_of, make_referral

REFS = re.compile(r'href="/staff/referrals/(R-[A-Z0-9]{4}-[A-Z0-9]{4})"')


def _today() -> date:
    return london_date(utcnow())


def _set(settings: Settings, ref: str, **values: Any) -> None:
    """Change a stored referral straight in the database (as case work would have)."""
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(store.referrals.update().where(store.referrals.c.ref == ref).values(**values))


def _referral(settings: Settings, **values: Any) -> str:
    ref = make_referral(settings)
    if values:
        _set(settings, ref, **values)
    return ref


def _copies(settings: Settings, n: int, **values: Any) -> list[str]:
    """``n`` referrals like one made through the store, inserted in one go (making each through
    validation would take a quarter of a second apiece)."""
    first = make_referral(settings)
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        row = dict(
            conn.execute(select(store.referrals).where(store.referrals.c.ref == first))
            .one()
            ._mapping
        )
        row.pop("id")
        refs = []
        for _ in range(n - 1):
            ref = store.new_ref()
            refs.append(ref)
            conn.execute(
                store.referrals.insert().values(**{**row, "ref": ref, "form_key": uuid.uuid4().hex})
            )
    refs.insert(0, first)
    for ref in refs:
        if values:
            _set(settings, ref, **values)
    return refs


def _staff_id(settings: Settings, email: str) -> int:
    member = staff_store.get_by_email(make_engine(settings.database_url), email)
    assert member is not None
    return member.id


def _refs(html: str) -> list[str]:
    return REFS.findall(html)


def _queue(client: PageClient, query: str = "", status: int = 200) -> str:
    response = client.get(f"/staff/referrals{query}")
    assert response.status_code == status, (query, errors_of(response.text))
    return str(response.text)


def _selected(html: str, name: str) -> str:
    """The selected option's value of select ``name`` ('' when none is marked)."""
    block = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert block, name
    chosen = re.search(r'<option value="([^"]*)" selected', block.group(1))
    return chosen.group(1) if chosen else ""


@pytest.fixture
def worker(ref_settings: Settings, ref_client: PageClient) -> int:
    add_staff(ref_settings, "worker@example.org")
    add_staff(ref_settings, "colleague@example.org")
    sign_in(ref_client, "worker@example.org")
    return _staff_id(ref_settings, "worker@example.org")


def _previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def test_each_row_shows_reference_clock_priority_status_and_assignee(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    today = _today()
    received = datetime(2026, 7, 1, 23, 30)  # 00:30 on 2 July in London (summer time)
    due_today = _referral(ref_settings, respond_by=today, received_at=received)
    late_one = _referral(ref_settings, respond_by=_previous_working_day(today))
    long_ago = today - timedelta(days=20)
    late_many = _referral(ref_settings, respond_by=long_ago, priority="urgent")
    ahead = add_working_days(today, 2)
    two_left = _referral(ref_settings, respond_by=ahead, priority="high", assigned_to=worker)
    one_left = _referral(
        ref_settings, respond_by=add_working_days(today, 1), flags='["safeguarding_override"]'
    )
    on_time = _referral(
        ref_settings,
        status="contacted",
        respond_by=today,
        first_contact_at=utcnow() - timedelta(days=1),
    )
    late = _referral(
        ref_settings,
        status="waiting",
        respond_by=long_ago,
        first_contact_at=utcnow(),
    )
    html = _queue(ref_client)
    assert "7 referrals match" in html
    cards = dict(zip(_refs(html), re.split(r'<li class="app-queue__item">', html)[1:], strict=True))

    def facts(ref: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cards[ref]))

    assert "Received 2 July 2026 at 12:30am" in facts(due_today)
    assert f"Respond by {today.day} {today:%B %Y}" in facts(due_today)
    assert "Clock Due today" in facts(due_today)
    assert "Clock Overdue by 1 working day " in facts(late_one)
    n = max(1, working_days_between(long_ago, today))
    assert f"Clock Overdue by {n} working days" in facts(late_many)
    assert "Clock 2 working days left" in facts(two_left)
    assert "Clock 1 working day left" in facts(one_left)
    assert "Clock Contacted on time" in facts(on_time)
    assert "Clock Contacted late" in facts(late)
    assert "Priority Urgent" in facts(late_many) and "Priority High" in facts(two_left)
    assert "Priority Normal" in facts(one_left)
    assert "Status Received" in facts(one_left)
    assert "Status On the waiting list" in facts(late)  # the label, never the slug
    assert "Assigned to worker@example.org" in facts(two_left)
    assert "Assigned to Nobody" in facts(one_left)
    assert "Service Carers" in facts(one_left)
    assert "Next check" in facts(one_left)
    assert "To check Safeguarding: referred without consent" in facts(one_left)
    assert "To check" not in facts(two_left)
    assert f'href="/staff/referrals/{one_left}"' in html
    assert "Ada" not in html and "Lovelace" not in html  # no personal details in the list
    assert html.count("<h1") == 1


def test_most_urgent_first(ref_settings: Settings, ref_client: PageClient, worker: int) -> None:
    today = _today()
    now = utcnow()
    made = {
        # Overdue first, the most overdue first; on the same date, urgent before normal.
        "most_overdue": {"respond_by": today - timedelta(days=30)},
        "overdue_urgent": {"respond_by": today - timedelta(days=10), "priority": "urgent"},
        "overdue_normal": {"respond_by": today - timedelta(days=10)},
        # Then priority, whatever the date.
        "urgent": {"respond_by": today + timedelta(days=20), "priority": "urgent"},
        "high_sooner": {"respond_by": today + timedelta(days=3), "priority": "high"},
        "high_later": {"respond_by": today + timedelta(days=9), "priority": "high"},
        # Then the nearest respond-by date; a stopped clock is not overdue.
        "contacted_past": {
            "respond_by": today - timedelta(days=40),
            "status": "contacted",
            "first_contact_at": now,
        },
        "normal_sooner": {"respond_by": today + timedelta(days=2)},
        # Then the oldest received.
        "normal_older": {
            "respond_by": today + timedelta(days=5),
            "received_at": now - timedelta(days=3),
        },
        "normal_newer": {
            "respond_by": today + timedelta(days=5),
            "received_at": now - timedelta(days=1),
        },
    }
    refs = {name: _referral(ref_settings, **values) for name, values in reversed(made.items())}
    assert _refs(_queue(ref_client)) == [refs[name] for name in made]
    # The same order holds on every filter, and through a page break.
    overdue = _refs(_queue(ref_client, "?overdue=yes"))
    assert overdue == [refs["most_overdue"], refs["overdue_urgent"], refs["overdue_normal"]]


def test_service_filter_and_the_services_offered(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    carers = _referral(ref_settings)
    mentoring = _referral(ref_settings, service="mentoring")
    html = _queue(ref_client, "?service=mentoring")
    assert _refs(html) == [mentoring]
    assert _selected(html, "service") == "mentoring"
    assert "1 referral matches" in html
    assert set(_refs(_queue(ref_client))) == {carers, mentoring}
    assert set(_refs(_queue(ref_client, "?service="))) == {carers, mentoring}
    html = _queue(ref_client, "?service=supported-accommodation")
    assert _refs(html) == [] and "No referrals match" in html


def test_status_filter_defaults_to_open_referrals(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    by_status = {
        status: _referral(ref_settings, status=status)
        for status in (
            "received",
            "contacted",
            "assessed",
            "accepted",
            "waiting",
            "active",
            "refused",
            "signposted",
            "closed",
        )
    }
    html = _queue(ref_client)
    finished = {"refused", "signposted", "closed"}
    assert set(_refs(html)) == {r for s, r in by_status.items() if s not in finished}
    assert _selected(html, "status") == ""
    html = _queue(ref_client, "?status=all")
    assert set(_refs(html)) == set(by_status.values())
    assert _selected(html, "status") == "all"
    for status, ref in by_status.items():
        html = _queue(ref_client, f"?status={status}")
        assert _refs(html) == [ref], status
        assert _selected(html, "status") == status


def test_priority_filter(ref_settings: Settings, ref_client: PageClient, worker: int) -> None:
    made = {p: _referral(ref_settings, priority=p) for p in ("urgent", "high", "normal")}
    for priority, ref in made.items():
        html = _queue(ref_client, f"?priority={priority}")
        assert _refs(html) == [ref]
        assert _selected(html, "priority") == priority


def test_assigned_filter_me_nobody_and_an_email(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    colleague = _staff_id(ref_settings, "colleague@example.org")
    mine = _referral(ref_settings, assigned_to=worker)
    theirs = _referral(ref_settings, assigned_to=colleague)
    nobodys = _referral(ref_settings)
    html = _queue(ref_client, "?assigned=me")
    assert _refs(html) == [mine] and _selected(html, "assigned") == "me"
    assert _refs(_queue(ref_client, "?assigned=none")) == [nobodys]
    html = _queue(ref_client, "?assigned=colleague%40example.org")
    assert _refs(html) == [theirs]
    assert _selected(html, "assigned") == "colleague@example.org"
    # Email addresses are not case sensitive.
    assert _refs(_queue(ref_client, "?assigned=Colleague%40Example.org")) == [theirs]
    assert _refs(_queue(ref_client, "?assigned=worker%40example.org")) == [mine]


def test_overdue_filter(ref_settings: Settings, ref_client: PageClient, worker: int) -> None:
    today = _today()
    late = _referral(ref_settings, respond_by=today - timedelta(days=3))
    _referral(ref_settings, respond_by=today)  # due today is not yet overdue
    _referral(
        ref_settings,
        respond_by=today - timedelta(days=3),
        status="contacted",
        first_contact_at=utcnow(),
    )
    html = _queue(ref_client, "?overdue=yes")
    assert _refs(html) == [late]
    assert re.search(r'name="overdue" type="checkbox" value="yes" checked', html)


def test_filters_combine(ref_settings: Settings, ref_client: PageClient, worker: int) -> None:
    today = _today()
    past = today - timedelta(days=5)
    wanted = _referral(
        ref_settings, service="mentoring", priority="urgent", assigned_to=worker, respond_by=past
    )
    # Each differs from it in one way only.
    _referral(ref_settings, priority="urgent", assigned_to=worker, respond_by=past)
    _referral(ref_settings, service="mentoring", assigned_to=worker, respond_by=past)
    _referral(ref_settings, service="mentoring", priority="urgent", respond_by=past)
    _referral(ref_settings, service="mentoring", priority="urgent", assigned_to=worker)
    _referral(
        ref_settings,
        service="mentoring",
        priority="urgent",
        assigned_to=worker,
        respond_by=past,
        status="closed",
    )
    query = "?service=mentoring&status=received&priority=urgent&assigned=me&overdue=yes"
    html = _queue(ref_client, query)
    assert _refs(html) == [wanted]
    assert _selected(html, "service") == "mentoring"
    assert _selected(html, "status") == "received"
    assert _selected(html, "priority") == "urgent"
    assert _selected(html, "assigned") == "me"


def test_paged_fifty_at_a_time_in_order(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    today = _today()
    refs = _copies(ref_settings, 120)
    # Spread the dates so the order is known: the i-th is due i days from now.
    for i, ref in enumerate(refs):
        _set(ref_settings, ref, respond_by=today + timedelta(days=i + 1))
    first = _queue(ref_client)
    assert "120 referrals match" in first and "Showing 1 to 50" in first
    assert 'class="govuk-pagination' in first
    pages = [_refs(first)] + [_refs(_queue(ref_client, f"?page={n}")) for n in (2, 3)]
    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 20]
    assert [r for page in pages for r in page] == refs
    third = _queue(ref_client, "?page=3")
    assert "Showing 101 to 120" in third
    assert 'href="/staff/referrals?page=2" rel="prev"' in third
    assert 'rel="next"' not in third
    # Past the end: the last page.
    assert _refs(_queue(ref_client, "?page=99")) == pages[2]
    # The page links keep the filters.
    filtered = _queue(ref_client, "?priority=normal&status=all")
    assert 'href="/staff/referrals?status=all&amp;priority=normal&amp;page=2"' in filtered


def test_a_member_with_services_sees_only_theirs(
    ref_settings: Settings, ref_client: PageClient
) -> None:
    carers = _referral(ref_settings)
    mentoring = _referral(ref_settings, service="mentoring")
    add_staff(ref_settings, "carers-team@example.org", services=("carers",))
    sign_in(ref_client, "carers-team@example.org")
    html = _queue(ref_client)
    assert _refs(html) == [carers] and mentoring not in html
    assert 'value="mentoring"' not in html and "Mentoring" not in html
    assert 'value="carers"' in html
    assert _refs(_queue(ref_client, "?status=all&overdue=&assigned=none")) == [carers]
    response = ref_client.get("/staff/referrals?service=mentoring")
    assert response.status_code == 403
    assert mentoring not in response.text
    refused = [
        e
        for e in staff_store.recent_audit(make_engine(ref_settings.database_url), limit=50)
        if e["action"] == "access.refused"
    ]
    assert refused and refused[0]["subject_type"] == "service"
    assert refused[0]["subject_id"] == "mentoring"
    assert refused[0]["actor"].startswith("staff:")
    # An admin sees every service.
    add_staff(ref_settings, "admin@example.org", role="admin")
    sign_in(ref_client, "admin@example.org")
    assert set(_refs(_queue(ref_client))) == {carers, mentoring}


BAD = [
    ("service=nowhere", "service", "Choose a service from the list"),
    ("status=lost", "status", "Choose a status from the list"),
    ("status=Closed", "status", "Choose a status from the list"),
    ("priority=panic", "priority", "Choose a priority from the list: urgent, high or normal"),
    ("assigned=someone%40example.org", "assigned", "Choose who the referrals are assigned to"),
    ("assigned=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "assigned", "Choose who the referrals"),
    ("overdue=maybe", "overdue", "Tick the box to show only overdue referrals"),
    ("page=two", "page", "The page number must be a whole number, like 2"),
    ("page=0", "page", "The page number must be a whole number"),
    ("page=-1", "page", "The page number must be a whole number"),
    ("page=99999999999999999999", "page", "The page number must be a whole number"),
    ("page=%D9%A3", "page", "The page number must be a whole number"),  # Arabic-Indic 3
    ("status=closed&status=active", "status", "Choose only one status"),
    ("service=" + "x" * 5000, "service", "Choose a service from the list"),
    ("priority=%E2%9C%A8urgent%F0%9F%92%A5", "priority", "Choose a priority from the list"),
    ("status=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "status", "Choose a status from the list"),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD)
def test_bad_filter_values_are_a_400_with_a_message(
    ref_settings: Settings,
    ref_client: PageClient,
    worker: int,
    query: str,
    field: str,
    message: str,
) -> None:
    ref = _referral(ref_settings, priority="urgent")
    # The other filters stay as chosen in the form.
    keep = "" if field == "priority" else "&priority=urgent"
    html = _queue(ref_client, f"?{query}{keep}", status=400)
    [error] = errors_of(html)
    assert error.startswith(message)
    assert f'href="#{field}"' in html and f'id="{field}' in html
    assert "<title>Error: " in html
    assert "<script>alert" not in html
    assert ref not in html  # no list under a filter that could not be read
    if keep:
        assert _selected(html, "priority") == "urgent"


def test_the_same_value_twice_is_not_an_error(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    ref = _referral(ref_settings, priority="high")
    assert _refs(_queue(ref_client, "?priority=high&priority=high&page=1&page=1")) == [ref]


def test_an_unknown_service_is_400_not_403_for_a_member_with_services(
    ref_settings: Settings, ref_client: PageClient
) -> None:
    add_staff(ref_settings, "carers-team@example.org", services=("carers",))
    sign_in(ref_client, "carers-team@example.org")
    html = _queue(ref_client, "?service=nowhere", status=400)
    assert errors_of(html) == ["Choose a service from the list"]


def test_queue_needs_sign_in(ref_client: PageClient) -> None:
    response = ref_client.get("/staff/referrals?status=all", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/sign-in")


def test_the_next_check_due_shows_on_each_referral(
    ref_settings: Settings, ref_client: PageClient, worker: int
) -> None:
    from pafinder.referrals.checks import referral_checks

    today = _today()
    with_checks = _referral(ref_settings, status="active", first_contact_at=utcnow())
    without = _referral(ref_settings)
    engine = make_engine(ref_settings.database_url)
    with engine.begin() as conn:
        rid = conn.execute(
            select(store.referrals.c.id).where(store.referrals.c.ref == with_checks)
        ).scalar_one()
        for check_id, label, due_on, done in (
            ("done", "Done already", today - timedelta(days=9), utcnow()),
            ("early_help", "Early help check", today - timedelta(days=2), None),
            ("follow_up", "Follow-up", today + timedelta(days=90), None),
        ):
            conn.execute(
                referral_checks.insert().values(
                    referral_id=rid,
                    check_id=check_id,
                    label=label,
                    due_on=due_on,
                    created_at=utcnow(),
                    done_at=done,
                )
            )
    html = _queue(ref_client)
    cards = dict(zip(_refs(html), re.split(r'<li class="app-queue__item">', html)[1:], strict=True))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cards[with_checks]))
    due = today - timedelta(days=2)
    assert f"Next check Early help check, due {due.day} {due:%B %Y} (overdue)" in text
    assert "Done already" not in text
    assert "Next check None due" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cards[without]))
