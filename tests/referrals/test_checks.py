"""Checks on referrals (issue 9, point 3; CONTRACT "Checks and digests"): the service YAML's
``checks:`` become tasks due ``after_days`` calendar days after a referral first reaches their
status, shown on the record; staff mark them done (with a note; a repeating check asks when the
next is due) or reschedule them (a date and a reason), each with a timeline and an audit row,
and bad input, a second send and another service's record change nothing."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from pafinder import crypto
from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.referrals import checks, store
from pafinder.referrals.casework import referral_changes
from pafinder.referrals.checks import referral_checks
from pafinder.referrals.models import CheckConfig, ReferralChecksError, check_content
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date
from tests.conftest import REAL_CONTENT, PageClient, add_staff, sign_in
from tests.referrals.helpers import (
    answers_for,
    errors_of,
    hidden,
    make_referral,
    portal,
    service,
    submit,
)
from tests.referrals.test_casework import Case

DPS = "direct-payment-support"
PEER = "peer-support-recovery"


@pytest.fixture
def staff_id(ref_settings: Settings, ref_client: PageClient) -> int:
    add_staff(ref_settings, "worker@example.org")
    sign_in(ref_client, "worker@example.org")
    member = staff_store.get_by_email(make_engine(ref_settings.database_url), "worker@example.org")
    assert member is not None
    return member.id


def _today() -> date:
    return london_date(utcnow())


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _rows(settings: Settings, ref: str) -> list[Any]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        query = (
            select(referral_checks)
            .join(store.referrals, store.referrals.c.id == referral_checks.c.referral_id)
            .where(store.referrals.c.ref == ref)
            .order_by(referral_checks.c.id)
        )
        return list(conn.execute(query))


def _check_changes(settings: Settings, ref: str) -> list[Any]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        query = (
            select(referral_changes)
            .join(store.referrals, store.referrals.c.id == referral_changes.c.referral_id)
            .where(store.referrals.c.ref == ref, referral_changes.c.what == "check")
            .order_by(referral_changes.c.id)
        )
        return list(conn.execute(query))


def _audit(settings: Settings, ref: str, prefix: str = "referral.check") -> list[dict[str, Any]]:
    entries = staff_store.recent_audit(make_engine(settings.database_url), limit=1000)
    return [e for e in entries if e["subject_id"] == ref and e["action"].startswith(prefix)]


def _active(client: PageClient, settings: Settings, slug: str = DPS) -> tuple[str, Case]:
    ref = make_referral(settings, slug=slug)
    case = Case(client, ref)
    case.move("contacted")
    case.move("active")
    return ref, case


def _post(client: PageClient, ref: str, check: int, form: str, **data: str) -> Any:
    token = hidden(client.get(f"/staff/referrals/{ref}").text, "csrftoken")
    return client.post(
        f"/staff/referrals/{ref}/checks/{check}/{form}",
        data={"csrftoken": token, **data},
        follow_redirects=False,
    )


def _due_fields(day: date) -> dict[str, str]:
    return {"due-day": str(day.day), "due-month": str(day.month), "due-year": str(day.year)}


def test_checks_are_scheduled_when_support_first_starts_and_not_again(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = make_referral(ref_settings, slug=DPS)
    case = Case(ref_client, ref)
    page = case.reload()
    assert "No checks yet" in page
    for status in ("contacted", "assessed", "accepted", "waiting"):
        case.move(status)
        assert _rows(ref_settings, ref) == []  # both checks start from `active`
    case.move("active")
    today = _today()
    rows = _rows(ref_settings, ref)
    assert [(r.check_id, r.label, r.due_on, r.done_at) for r in rows] == [
        ("early_help", "Early help check", today + timedelta(days=28), None),
        ("follow_up", "Follow-up check", today + timedelta(days=122), None),
    ]
    # Back to the waiting list and into support again: nothing new, nothing moved.
    case.move("waiting", delay_reason="no_care_available")
    case.move("active")
    assert [(r.id, r.due_on) for r in _rows(ref_settings, ref)] == [(r.id, r.due_on) for r in rows]
    # The queue's "next check due" is the earliest open one.
    engine = make_engine(ref_settings.database_url)
    with engine.connect() as conn:
        referral_id = conn.execute(
            select(store.referrals.c.id).where(store.referrals.c.ref == ref)
        ).scalar_one()
    assert checks.next_due(engine, [referral_id, 999999]) == {
        referral_id: checks.CheckDue("Early help check", today + timedelta(days=28))
    }
    # The record shows each check, its due date in words and its state.
    page = case.reload()
    assert 'id="checks"' in page
    assert "Early help check" in page and "Follow-up check" in page
    assert _long(today + timedelta(days=28)) in page
    assert _long(today + timedelta(days=122)) in page
    assert "Not due yet" in page


def test_schedule_from_received_and_accepted_and_only_once(ref_settings: Settings) -> None:
    ref = make_referral(ref_settings)
    engine = make_engine(ref_settings.database_url)
    configured = [
        CheckConfig.model_validate(
            {"id": "first", "label": "First", "after_days": 0, "from": "received"}
        ),
        CheckConfig.model_validate(
            {"id": "offer", "label": "Offer", "after_days": 7, "from": "accepted"}
        ),
    ]
    start = date(2027, 3, 1)
    with engine.begin() as conn:
        referral_id = conn.execute(
            select(store.referrals.c.id).where(store.referrals.c.ref == ref)
        ).scalar_one()
        assert checks.schedule(conn, referral_id, "received", configured, start) == 1
        assert checks.schedule(conn, referral_id, "contacted", configured, start) == 0
        assert checks.schedule(conn, referral_id, "accepted", configured, start) == 1
        assert checks.schedule(conn, referral_id, "accepted", configured, start) == 0
    assert [(r.check_id, r.due_on) for r in _rows(ref_settings, ref)] == [
        ("first", start),
        ("offer", date(2027, 3, 8)),
    ]


def test_marking_done_records_once_with_the_note_escaped(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref, _case = _active(ref_client, ref_settings)
    early = _rows(ref_settings, ref)[0]
    note = "<script>alert('x')</script> Rang Ada, all fine"
    response = _post(ref_client, ref, early.id, "done", note=note)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/referrals/{ref}#checks"
    saved = _rows(ref_settings, ref)[0]
    assert saved.id == early.id and saved.done_at is not None
    engine = make_engine(ref_settings.database_url)  # the note is stored encrypted
    assert (saved.done_by, crypto.decrypt(engine, saved.note)) == (staff_id, note)
    page = ref_client.get(f"/staff/referrals/{ref}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    assert "by worker@example.org" in page
    assert f"/checks/{early.id}/done" not in page  # no form for a check that is done
    [change] = _check_changes(ref_settings, ref)
    assert (change.staff_id, change.from_value, change.to_value) == (staff_id, "early_help", "done")
    assert "Early help check done." in crypto.decrypt(engine, change.note)
    [entry] = _audit(ref_settings, ref)
    assert entry["action"] == "referral.check_done" and entry["actor"] == f"staff:{staff_id}"
    assert json.loads(entry["detail"]) == {"check": "early_help", "note_length": len(note)}
    # Sent again (a double click, or a second tab): nothing more is recorded.
    again = _post(ref_client, ref, early.id, "done", note="Second time")
    assert again.status_code == 303
    assert crypto.decrypt(engine, _rows(ref_settings, ref)[0].note) == note
    assert len(_check_changes(ref_settings, ref)) == 1 and len(_audit(ref_settings, ref)) == 1


def test_rescheduling_moves_the_date_with_a_reason_once(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref, _case = _active(ref_client, ref_settings)
    early = _rows(ref_settings, ref)[0]
    new_day = _today() + timedelta(days=40)
    reason = "The person is in hospital until next month"
    data = {**_due_fields(new_day), "reason": reason}
    response = _post(ref_client, ref, early.id, "reschedule", **data)
    assert response.status_code == 303
    saved = _rows(ref_settings, ref)[0]
    assert saved.id == early.id
    engine = make_engine(ref_settings.database_url)  # the reason is stored encrypted
    assert (
        saved.due_on,
        saved.rescheduled_from,
        crypto.decrypt(engine, saved.reschedule_reason),
    ) == (
        new_day,
        early.due_on,
        reason,
    )
    assert saved.rescheduled_by == staff_id and saved.done_at is None
    page = ref_client.get(f"/staff/referrals/{ref}").text
    assert f"From {_long(early.due_on)} by worker@example.org, because: {reason}" in page
    [entry] = _audit(ref_settings, ref)
    assert json.loads(entry["detail"]) == {
        "check": "early_help",
        "from": early.due_on.isoformat(),
        "to": new_day.isoformat(),
        "reason_length": len(reason),
    }
    [change] = _check_changes(ref_settings, ref)
    assert change.to_value == "rescheduled" and reason in crypto.decrypt(engine, change.note)
    # The same form sent twice: recorded once.
    assert _post(ref_client, ref, early.id, "reschedule", **data).status_code == 303
    assert len(_audit(ref_settings, ref)) == 1 and len(_check_changes(ref_settings, ref)) == 1
    # Today is allowed.
    today = {**_due_fields(_today()), "reason": "Can do it today after all"}
    assert _post(ref_client, ref, early.id, "reschedule", **today).status_code == 303
    assert _rows(ref_settings, ref)[0].due_on == _today()


@pytest.mark.parametrize(
    ("form", "data", "field", "message"),
    [
        ("done", {"note": "x" * 5001}, "note", "The note must be 5,000 characters or fewer"),
        ("reschedule", {"reason": "Away"}, "due", "Enter the new due date"),
        (
            "reschedule",
            {"due-day": "31", "due-month": "2", "due-year": "2030", "reason": "Away"},
            "due",
            "The new due date must be a real date",
        ),
        (
            "reschedule",
            {"due-day": "1", "due-month": "", "due-year": "2030", "reason": "Away"},
            "due",
            "The new due date must include a month",
        ),
        (
            "reschedule",
            {"due-day": "1", "due-month": "1", "due-year": "2020", "reason": "Away"},
            "due",
            "The new due date must be today or in the future",
        ),
        (
            "reschedule",
            {"due-day": "1", "due-month": "1", "due-year": "2030"},
            "reason",
            "Enter why the check is being moved",
        ),
        (
            "reschedule",
            {"due-day": "1", "due-month": "1", "due-year": "2030", "reason": "y" * 1001},
            "reason",
            "Why the check is being moved must be 1,000 characters or fewer",
        ),
    ],
)
def test_bad_input_is_a_400_with_the_record_and_nothing_recorded(
    ref_settings: Settings,
    ref_client: PageClient,
    staff_id: int,
    form: str,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    ref, _case = _active(ref_client, ref_settings)
    before = _rows(ref_settings, ref)
    early = before[0]
    response = _post(ref_client, ref, early.id, form, **data)
    assert response.status_code == 400
    assert errors_of(response.text) == [message]
    assert f'<a href="#check-{early.id}-{field}">' in response.text
    assert "<title>Error: Referral" in response.text
    assert '<details class="govuk-details" open>' in response.text
    if "reason" in data and len(data["reason"]) < 100:
        assert data["reason"] in response.text  # what was typed is kept
    assert _rows(ref_settings, ref) == before
    assert _audit(ref_settings, ref) == [] and _check_changes(ref_settings, ref) == []


def test_a_stale_csrf_token_is_refused_and_records_nothing(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref, _case = _active(ref_client, ref_settings)
    early = _rows(ref_settings, ref)[0]
    response = ref_client.post(
        f"/staff/referrals/{ref}/checks/{early.id}/done",
        data={"csrftoken": "not-a-token", "note": "Done"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _rows(ref_settings, ref)[0].done_at is None
    assert _audit(ref_settings, ref) == []


def test_another_services_record_is_refused_before_the_check_is_looked_up(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref, _case = _active(ref_client, ref_settings)
    early = _rows(ref_settings, ref)[0]
    add_staff(ref_settings, "carers@example.org", services=("carers",))
    sign_in(ref_client, "carers@example.org")
    token = ref_client.csrf("/staff/")
    for check_id in (str(early.id), "999999", "not-a-number"):
        for form, data in (("done", {"note": "x"}), ("reschedule", {"reason": "x"})):
            response = ref_client.post(
                f"/staff/referrals/{ref}/checks/{check_id}/{form}",
                data={"csrftoken": token, **data, **_due_fields(_today())},
                follow_redirects=False,
            )
            assert response.status_code == 403, (check_id, form)
    refused = _audit(ref_settings, ref, "access.refused")
    assert len(refused) == 6
    assert _rows(ref_settings, ref)[0] == early
    # An unknown reference, or an unknown check on a record the member may open: 404.
    own = make_referral(ref_settings)
    for path in (f"R-NONE-XXXX/checks/{early.id}", f"{own}/checks/{early.id}", f"{own}/checks/x"):
        response = ref_client.post(
            f"/staff/referrals/{path}/done",
            data={"csrftoken": token, "note": "x"},
            follow_redirects=False,
        )
        assert response.status_code == 404, path


def test_a_recovery_plan_review_repeats_at_the_interval_staff_set(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref, _case = _active(ref_client, ref_settings, slug=PEER)
    [first] = _rows(ref_settings, ref)
    assert (first.check_id, first.seq) == ("recovery_plan_review", 1)
    assert first.due_on == _today() + timedelta(days=84)
    page = ref_client.get(f"/staff/referrals/{ref}").text
    assert 'name="next_weeks"' in page and 'value="12"' in page  # 84 days, suggested
    for bad in ("0", "53", "six"):
        response = _post(ref_client, ref, first.id, "done", next_weeks=bad)
        assert response.status_code == 400
        assert errors_of(response.text) == [
            "Weeks until the next recovery plan review must be a number from 1 to 52"
        ]
    assert _rows(ref_settings, ref) == [first]
    assert _post(ref_client, ref, first.id, "done", next_weeks="6").status_code == 303
    done, second = _rows(ref_settings, ref)
    assert done.id == first.id and done.done_at is not None
    assert (second.seq, second.due_on, second.done_at) == (2, _today() + timedelta(weeks=6), None)
    [entry] = _audit(ref_settings, ref)
    assert json.loads(entry["detail"])["next_due"] == second.due_on.isoformat()
    page = ref_client.get(f"/staff/referrals/{ref}").text
    assert "Recovery plan review (2)" in page
    # Left empty: no more reviews.
    assert _post(ref_client, ref, second.id, "done", next_weeks="").status_code == 303
    assert [r.done_at is not None for r in _rows(ref_settings, ref)] == [True, True]


def test_a_service_without_checks_says_so(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref, case = _active(ref_client, ref_settings, slug="carers")
    assert _rows(ref_settings, ref) == []
    assert "This service has no checks." in case.reload()


@pytest.mark.parametrize(
    ("checks_yaml", "where"),
    [
        ({"id": "x", "label": "X", "after_days": 3, "from": "closed"}, "checks.0.from"),
        ({"id": "x", "label": "X", "after_days": -1, "from": "active"}, "checks.0.after_days"),
        ({"id": "Bad Id", "label": "X", "after_days": 1, "from": "active"}, "checks.0.id"),
        (
            {"id": "x", "label": "X", "after_days": 1, "from": "active", "every": 2},
            "checks.0.every",
        ),
        ({"label": "X", "after_days": 1, "from": "active"}, "checks.0.id"),
    ],
)
def test_bad_checks_in_a_service_file_fail_the_build(
    ref_settings: Settings, checks_yaml: dict[str, Any], where: str
) -> None:
    content = load_content(ref_settings.content_dir)
    broken = [
        dataclasses.replace(s, raw={**s.raw, "checks": [checks_yaml]}) if s.slug == DPS else s
        for s in content.services
    ]
    with pytest.raises(ReferralChecksError) as raised:
        check_content(dataclasses.replace(content, services=broken))
    assert f"direct-payment-support.yaml: {where}" in str(raised.value)
    duplicated = [
        dataclasses.replace(s, raw={**s.raw, "checks": s.raw["checks"] * 2}) if s.slug == DPS else s
        for s in content.services
    ]
    with pytest.raises(ReferralChecksError, match="check ids must be unique"):
        check_content(dataclasses.replace(content, services=duplicated))
    check_content(content)  # the real content is fine


def test_the_table_matches_its_migration(ref_settings: Settings) -> None:
    engine = make_engine(ref_settings.database_url)
    found = inspect(engine)
    columns = {c["name"]: c for c in found.get_columns("referral_checks")}
    assert set(columns) == {c.name for c in referral_checks.columns}
    for column in referral_checks.columns:
        assert columns[column.name]["nullable"] == column.nullable, column.name
    indexes = {i["name"]: i["column_names"] for i in found.get_indexes("referral_checks")}
    for index in referral_checks.indexes:
        assert indexes[index.name] == [c.name for c in index.columns]
    uniques = {tuple(u["column_names"]) for u in found.get_unique_constraints("referral_checks")}
    assert ("referral_id", "check_id", "seq") in uniques


def test_a_check_from_received_is_scheduled_with_the_referral_itself(tmp_path: Path) -> None:
    """A service whose check starts at `received`: the referral form's own transaction gives the
    new referral its check (a copy of the real content with one such check added)."""
    content = tmp_path / "content"
    shutil.copytree(REAL_CONTENT, content)
    carers = content / "services" / "carers.yaml"
    carers.write_text(
        "checks:\n  - id: first_call\n    label: First call\n    after_days: 2\n"
        "    from: received\n" + carers.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    settings = portal(tmp_path / "portal", content)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        response = submit(client, "carers", answers_for(service(settings, "carers")))
        assert response.status_code == 303, errors_of(response.text)
    engine = make_engine(settings.database_url)
    (only,) = store.list_referrals(engine)
    rows = _rows(settings, only.ref)
    assert [(r.check_id, r.due_on) for r in rows] == [
        ("first_call", london_date(only.received_at) + timedelta(days=2))
    ]
