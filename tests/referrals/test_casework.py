"""Case work on the record page (issue 9, point 2; CONTRACT.md "Staff back office"): status
changes with their reasons, notes, assignee and priority, each recorded with who and when in the
timeline and the audit log, refused with a 400 or a 409 without recording anything, and the
export's case-work columns."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pafinder import crypto
from pafinder.db import make_engine, utcnow
from pafinder.referrals import store
from pafinder.referrals.casework import referral_changes
from pafinder.referrals.labels import NEXT_STATUSES, STATUS_LABELS
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date
from tests.conftest import PageClient, add_staff, sign_in
from tests.referrals.helpers import errors_of, hidden, make_referral
from tests.referrals.test_staff_and_export import _export

# What each status needs besides itself (CONTRACT: the reasons it requires).
NEEDS: dict[str, dict[str, str]] = {
    "refused": {"refusal_reason": "declined"},
    "waiting": {"delay_reason": "no_care_available"},
    "signposted": {"signposted_to": "Derby Carers Centre"},
}


def _referral(settings: Settings, respond_by: date | None = None, **overrides: Any) -> str:
    return make_referral(settings, respond_by, **overrides)


def _changes(settings: Settings, ref: str) -> list[Any]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        row = conn.execute(select(store.referrals.c.id).where(store.referrals.c.ref == ref)).one()
        query = (
            select(referral_changes)
            .where(referral_changes.c.referral_id == row.id)
            .order_by(referral_changes.c.id)
        )
        return list(conn.execute(query))


CASE_ACTIONS = {"referral.status", "referral.note", "referral.assign", "referral.priority"}


def _audit(settings: Settings, ref: str) -> list[dict[str, Any]]:
    """The audit rows of case work on ``ref`` (not its views or its arrival)."""
    entries = staff_store.recent_audit(make_engine(settings.database_url), limit=1000)
    return [e for e in entries if e["subject_id"] == ref and e["action"] in CASE_ACTIONS]


class Case:
    """A signed-in member working one record: the page's token and version, and its forms."""

    def __init__(self, client: PageClient, ref: str) -> None:
        self.client, self.ref = client, ref
        self.reload()

    def reload(self) -> str:
        html = self.client.get(f"/staff/referrals/{self.ref}").text
        self.token = hidden(html, "csrftoken")
        self.version = int(hidden(html, "version"))
        return html

    def post(self, form: str, **data: str) -> Any:
        response = self.client.post(
            f"/staff/referrals/{self.ref}/{form}",
            data={"csrftoken": self.token, "version": str(self.version), **data},
            follow_redirects=False,
        )
        if response.status_code == 303:
            assert response.headers["location"] == f"/staff/referrals/{self.ref}"
            self.version += 1
        return response

    def move(self, status: str, **data: str) -> None:
        response = self.post("status", status=status, **{**NEEDS.get(status, {}), **data})
        assert response.status_code == 303, (status, errors_of(response.text))


@pytest.fixture
def staff_id(ref_settings: Settings, ref_client: PageClient) -> int:
    add_staff(ref_settings, "worker@example.org")
    sign_in(ref_client, "worker@example.org")
    member = staff_store.get_by_email(make_engine(ref_settings.database_url), "worker@example.org")
    assert member is not None
    return member.id


def test_every_transition_is_recorded_with_who_when_from_and_to(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    started = utcnow()
    # Out of received, to each status: first contact is stamped by that first change.
    for target in NEXT_STATUSES:
        ref = _referral(ref_settings)
        Case(ref_client, ref).move(target)
        [change] = _changes(ref_settings, ref)
        assert (change.what, change.from_value, change.to_value) == ("status", "received", target)
        assert change.staff_id == staff_id and started <= change.at <= utcnow()
        saved = store.get(make_engine(ref_settings.database_url), ref)
        assert saved is not None and saved.status == target
        assert saved.first_contact_at == change.at
    # Then every other status to every status but received, there and back.
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    expected = []
    current = "received"
    for source in NEXT_STATUSES:
        case.move(source)
        expected.append((current, source))
        for target in NEXT_STATUSES:
            if target != source:
                case.move(target)
                case.move(source)
                expected += [(source, target), (target, source)]
        current = source
    changes = _changes(ref_settings, ref)
    assert [(c.from_value, c.to_value) for c in changes] == expected
    assert {c.staff_id for c in changes} == {staff_id}
    saved = store.get(make_engine(ref_settings.database_url), ref)
    assert saved is not None and saved.first_contact_at == changes[0].at  # only the first
    assert saved.version == 1 + len(changes)
    # The timeline names the member and uses the plain labels.
    page = case.reload()
    assert "By worker@example.org on " in page
    assert "From Received to Contacted" in page
    assert "From On the waiting list to Receiving support" in page
    assert ">waiting<" not in page and "needs_cannot_be_met<" not in page


def _nothing_recorded(settings: Settings, ref: str, version: int = 1) -> None:
    assert _changes(settings, ref) == []
    assert _audit(settings, ref) == []
    saved = store.get(make_engine(settings.database_url), ref)
    assert saved is not None
    assert (saved.status, saved.version, saved.first_contact_at) == ("received", version, None)


def _field_error(html: str, field: str) -> str:
    """The error message shown with a field (GOV.UK: inside its form group, above the input)."""
    match = re.search(
        rf'<p id="{field}-error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>\s*([^<]+)</p>',
        html,
    )
    assert match, f"no error shown with {field}"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "received"}, "status", "A referral cannot go back to received."),
        ({"status": ""}, "status", "Select the new status"),
        ({"status": "lost"}, "status", "Select the new status"),
        ({"status": "refused"}, "refusal_reason", "Select the reason for refusing"),
        (
            {"status": "refused", "refusal_reason": "too_busy"},
            "refusal_reason",
            "Select the reason for refusing",
        ),
        ({"status": "waiting"}, "delay_reason", "Select the reason for the wait"),
        (
            {"status": "waiting", "delay_reason": "declined"},
            "delay_reason",
            "Select the reason for the wait",
        ),
        ({"status": "signposted"}, "signposted_to", "Enter where the person was signposted to"),
        (
            {"status": "signposted", "signposted_to": "x" * 501},
            "signposted_to",
            "Where the person was signposted to must be 500 characters or fewer",
        ),
        (
            {"status": "contacted", "note": "n" * 5001},
            "status_note",
            "The note must be 5,000 characters or fewer",
        ),
    ],
)
def test_a_status_change_with_a_mistake_records_nothing(
    ref_settings: Settings,
    ref_client: PageClient,
    staff_id: int,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    typed = {"note": "Rang twice, no answer", **data}
    response = case.post("status", **typed)
    assert response.status_code == 400
    html = response.text
    assert [m[: len(message)] for m in errors_of(html)] == [message]
    assert _field_error(html, field).startswith(message)
    assert f'href="#{field}"' in html
    assert "<title>Error: " in html
    # Everything typed is kept: the note, the other fields, the radio chosen.
    note = typed["note"]
    assert f">{note}</textarea>" in html
    if data.get("status") in STATUS_LABELS and data["status"] != "received":
        assert re.search(rf'name="status" type="radio" value="{data["status"]}" checked', html)
    _nothing_recorded(ref_settings, ref)


def test_signposted_to_is_optional_when_refusing_and_kept(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    case.move("refused", refusal_reason="unmanageable_risk", signposted_to="")
    case.move("signposted", signposted_to="Age UK Derby")
    case.move("refused", refusal_reason="not_eligible", signposted_to="Derby Carers Centre")
    changes = _changes(ref_settings, ref)
    assert [(c.reason, c.signposted_to) for c in changes] == [
        ("unmanageable_risk", ""),
        ("", "Age UK Derby"),
        ("not_eligible", "Derby Carers Centre"),
    ]
    saved = store.get(make_engine(ref_settings.database_url), ref)
    assert saved is not None
    assert (saved.refusal_reason, saved.signposted_to) == ("not_eligible", "Derby Carers Centre")
    page = case.reload()
    assert "Reason: Not eligible for this service" in page
    assert "Signposted to: Derby Carers Centre" in page


def test_a_stale_form_is_a_409_and_records_nothing(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = _referral(ref_settings)
    mine = Case(ref_client, ref)
    theirs = Case(ref_client, ref)  # a second window, opened at the same version
    mine.move("contacted")
    for form, data in (
        ("status", {"status": "refused", "refusal_reason": "declined"}),
        ("notes", {"note": "Too late"}),
        ("assign", {"assignee": "worker@example.org"}),
        ("priority", {"priority": "urgent"}),
    ):
        response = theirs.post(form, **data)
        assert response.status_code == 409, form
        assert errors_of(response.text) == [
            "This referral was changed by someone else while you were looking at it. "
            "Check the latest details, then make your change again"
        ]
        assert "Now: Contacted." in response.text  # the latest details are shown
    assert [c.to_value for c in _changes(ref_settings, ref)] == ["contacted"]
    assert len(_audit(ref_settings, ref)) == 1
    saved = store.get(make_engine(ref_settings.database_url), ref)
    assert saved is not None
    assert (saved.status, saved.priority, saved.assigned_to) == ("contacted", "normal", None)
    # A form without a version (the CONTRACT's fields only, as another system sends them) is
    # applied to the referral as it is now.
    response = ref_client.post(
        f"/staff/referrals/{ref}/notes",
        data={"csrftoken": mine.token, "note": "No version"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert [c.what for c in _changes(ref_settings, ref)] == ["status", "note"]


def test_a_double_submit_records_once(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    data = {"csrftoken": case.token, "version": "1", "note": "Called, left a message"}
    first = ref_client.post(f"/staff/referrals/{ref}/notes", data=data, follow_redirects=False)
    second = ref_client.post(f"/staff/referrals/{ref}/notes", data=data, follow_redirects=False)
    assert (first.status_code, second.status_code) == (303, 409)
    status = {"csrftoken": case.token, "version": "2", "status": "contacted"}
    first = ref_client.post(f"/staff/referrals/{ref}/status", data=status, follow_redirects=False)
    second = ref_client.post(f"/staff/referrals/{ref}/status", data=status, follow_redirects=False)
    assert (first.status_code, second.status_code) == (303, 409)
    assert [c.what for c in _changes(ref_settings, ref)] == ["note", "status"]


def test_notes_limits_and_escaping(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    for note, message in (("", "Enter a note"), ("n" * 5001, "The note must be 5,000")):
        response = case.post("notes", note=note)
        assert response.status_code == 400
        assert errors_of(response.text)[0].startswith(message)
        assert _field_error(response.text, "note").startswith(message)
    _nothing_recorded(ref_settings, ref)
    script = "<script>alert(1)</script>\nSecond line"
    assert case.post("notes", note=script).status_code == 303
    assert case.post("notes", note="m" * 5000).status_code == 303
    page = case.reload()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Note added" in page and "m" * 5000 in page
    notes = _changes(ref_settings, ref)
    # Stored encrypted (pafinder.crypto); read back through the key.
    engine = make_engine(ref_settings.database_url)
    assert [crypto.decrypt(engine, n.note) for n in notes] == [script, "m" * 5000]
    saved = store.get(make_engine(ref_settings.database_url), ref)
    assert saved is not None and saved.status == "received" and saved.first_contact_at is None


def test_assign_and_priority(ref_settings: Settings, ref_client: PageClient, staff_id: int) -> None:
    add_staff(ref_settings, "colleague@example.org")
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    page = case.reload()
    assert '<option value="colleague@example.org">colleague@example.org</option>' in page
    assert '<option value="" selected>Nobody</option>' in page
    assert 'name="assignee" value="worker@example.org"' in page  # the "Assign to me" form
    for data, field, message in (
        ({"assignee": "stranger@example.org"}, "assignee", "Select who to assign"),
        ({"priority": "whenever"}, "priority", "Select a priority"),
        ({"priority": ""}, "priority", "Select a priority"),
    ):
        response = case.post("assign" if field == "assignee" else "priority", **data)
        assert response.status_code == 400
        assert errors_of(response.text)[0].startswith(message)
        assert _field_error(response.text, field).startswith(message)
    _nothing_recorded(ref_settings, ref)
    assert case.post("assign", assignee="Colleague@example.org").status_code == 303
    assert case.post("assign", assignee="worker@example.org").status_code == 303  # to me
    assert case.post("priority", priority="urgent").status_code == 303
    assert case.post("assign", assignee="").status_code == 303  # nobody
    engine = make_engine(ref_settings.database_url)
    colleague = staff_store.get_by_email(engine, "colleague@example.org")
    assert colleague is not None
    changes = [(c.what, c.from_value, c.to_value) for c in _changes(ref_settings, ref)]
    assert changes == [
        ("assign", "", str(colleague.id)),
        ("assign", str(colleague.id), str(staff_id)),
        ("priority", "normal", "urgent"),
        ("assign", str(staff_id), ""),
    ]
    page = case.reload()
    assert "From Nobody to colleague@example.org" in page
    assert "From colleague@example.org to worker@example.org" in page
    assert "From Normal to Urgent" in page
    assert "From worker@example.org to Nobody" in page
    saved = store.get(engine, ref)
    assert saved is not None and (saved.priority, saved.assigned_to) == ("urgent", None)
    # A disabled account cannot be given work.
    staff_store.disable(engine, "colleague@example.org")
    assert 'value="colleague@example.org"' not in case.reload()
    assert case.post("assign", assignee="colleague@example.org").status_code == 400


def test_every_change_is_in_the_audit_log_without_personal_details(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    case.move("refused", refusal_reason="declined", signposted_to="Ada's GP", note="Ada said no")
    case.post("notes", note="Ada Lovelace rang back")
    case.post("assign", assignee="worker@example.org")
    case.post("priority", priority="high")
    entries = sorted(_audit(ref_settings, ref), key=lambda e: e["id"])
    assert [e["action"] for e in entries] == [
        "referral.status",
        "referral.note",
        "referral.assign",
        "referral.priority",
    ]
    assert {e["actor"] for e in entries} == {f"staff:{staff_id}"}
    assert json.loads(entries[0]["detail"]) == {
        "from": "received",
        "to": "refused",
        "reason": "declined",
        "note_length": 11,
    }
    assert "Ada" not in json.dumps([e["detail"] for e in entries])
    # Same transaction: one audit row per timeline row.
    assert len(entries) == len(_changes(ref_settings, ref))


def test_unknown_referral_is_a_404(ref_client: PageClient, staff_id: int) -> None:
    token = ref_client.csrf("/staff/")
    for form in ("status", "notes", "assign", "priority"):
        response = ref_client.post(
            f"/staff/referrals/R-NONE-XXXX/{form}",
            data={"csrftoken": token, "version": "1", "status": "contacted"},
            follow_redirects=False,
        )
        assert response.status_code == 404


def test_export_columns_match_what_was_recorded(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    on_time = _referral(ref_settings)
    late = _referral(ref_settings, respond_by=london_date(utcnow()) - timedelta(days=1))
    untouched = _referral(ref_settings)
    case = Case(ref_client, on_time)
    case.move("waiting", delay_reason="language_barrier")
    case.post("assign", assignee="worker@example.org")
    case.post("priority", priority="urgent")
    late_case = Case(ref_client, late)
    late_case.move("refused", refusal_reason="needs_cannot_be_met")
    rows = {r["ref"]: r for r in _export(ref_settings)}
    engine = make_engine(ref_settings.database_url)
    first = store.get(engine, on_time)
    assert first is not None and first.first_contact_at is not None
    columns = ("priority", "assigned_to", "first_contact_at", "first_contact_on_time")
    columns += ("refusal_reason", "delay_reason")
    assert tuple(rows[on_time])[-len(columns) :] == columns  # added at the end
    assert {k: rows[on_time][k] for k in columns} == {
        "priority": "urgent",
        "assigned_to": "worker@example.org",
        "first_contact_at": first.first_contact_at.isoformat() + "Z",
        "first_contact_on_time": "yes",
        "refusal_reason": "",
        "delay_reason": "language_barrier",
    }
    assert rows[on_time]["status"] == "waiting"
    assert rows[late]["status"] == "refused"
    assert rows[late]["first_contact_on_time"] == "no"
    assert rows[late]["refusal_reason"] == "needs_cannot_be_met"
    assert rows[late]["first_contact_at"].endswith("Z")
    assert rows[late]["assigned_to"] == "" and rows[late]["priority"] == "normal"
    assert rows[untouched]["first_contact_at"] == ""
    assert rows[untouched]["first_contact_on_time"] == ""
    assert rows[untouched]["status"] == "received"


def test_a_missing_or_wrong_csrf_token_records_nothing(
    ref_settings: Settings, ref_client: PageClient, staff_id: int
) -> None:
    ref = _referral(ref_settings)
    case = Case(ref_client, ref)
    for token in ("", "not-the-token"):
        case.token = token
        response = case.post("status", status="contacted")
        assert response.status_code == 403
    _nothing_recorded(ref_settings, ref)
