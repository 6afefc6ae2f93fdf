"""Access per service (issue 9, point 5; CONTRACT "Staff back office"): a staff member whose
account carries services cannot open, change or export another service's referrals (403 and an
`access.refused` audit row each time, nothing changed); accounts without services and admins
can; a referral is only assigned to someone who may open it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from pafinder.db import make_engine
from pafinder.referrals import store
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from tests.conftest import PageClient, add_staff, sign_in
from tests.referrals.helpers import hidden, make_referral

CASE_FORMS = {
    "status": {"status": "contacted"},
    "notes": {"note": "Rang them"},
    "assign": {"assignee": "carers@example.org"},
    "priority": {"priority": "urgent"},
}


def _refusals(settings: Settings) -> list[dict[str, Any]]:
    entries = staff_store.recent_audit(make_engine(settings.database_url), limit=1000)
    return [e for e in entries if e["action"] == "access.refused"]


@pytest.fixture
def refs(ref_settings: Settings) -> dict[str, str]:
    add_staff(ref_settings, "carers@example.org", services=("carers",))
    add_staff(ref_settings, "everyone@example.org")
    add_staff(ref_settings, "admin@example.org", role="admin", services=("mentoring",))
    return {
        "carers": make_referral(ref_settings),
        "mentoring": make_referral(ref_settings, slug="mentoring"),
    }


def test_a_member_is_refused_every_request_for_another_services_referral(
    ref_settings: Settings, ref_client: PageClient, refs: dict[str, str]
) -> None:
    sign_in(ref_client, "carers@example.org")
    own = ref_client.get(f"/staff/referrals/{refs['carers']}")
    assert own.status_code == 200
    token = hidden(own.text, "csrftoken")

    other = refs["mentoring"]
    page = ref_client.get(f"/staff/referrals/{other}")
    assert page.status_code == 403
    assert "a service you do not work on" in page.text
    assert other not in page.text.replace(f"/staff/referrals/{other}", "")
    for form, data in CASE_FORMS.items():
        response = ref_client.post(
            f"/staff/referrals/{other}/{form}",
            data={"csrftoken": token, "version": "1", **data},
            follow_redirects=False,
        )
        assert response.status_code == 403, form

    mentoring = store.get(make_engine(ref_settings.database_url), other)
    assert mentoring is not None
    assert (mentoring.status, mentoring.priority, mentoring.version) == ("received", "normal", 1)
    refused = _refusals(ref_settings)
    assert len(refused) == 1 + len(CASE_FORMS)
    assert {e["subject_id"] for e in refused} == {other}
    member = staff_store.get_by_email(make_engine(ref_settings.database_url), "carers@example.org")
    assert member is not None and {e["actor"] for e in refused} == {f"staff:{member.id}"}


@pytest.mark.parametrize("email", ["everyone@example.org", "admin@example.org"])
def test_accounts_without_services_and_admins_open_every_service(
    ref_settings: Settings, ref_client: PageClient, refs: dict[str, str], email: str
) -> None:
    sign_in(ref_client, email)
    for ref in refs.values():
        assert ref_client.get(f"/staff/referrals/{ref}").status_code == 200
    assert _refusals(ref_settings) == []


def test_only_people_who_may_open_a_referral_can_be_assigned_it(
    ref_settings: Settings, ref_client: PageClient, refs: dict[str, str]
) -> None:
    sign_in(ref_client, "everyone@example.org")
    page = ref_client.get(f"/staff/referrals/{refs['mentoring']}").text
    assert 'value="everyone@example.org"' in page and 'value="admin@example.org"' in page
    assert 'value="carers@example.org"' not in page
    response = ref_client.post(
        f"/staff/referrals/{refs['mentoring']}/assign",
        data={
            "csrftoken": hidden(page, "csrftoken"),
            "version": hidden(page, "version"),
            "assignee": "carers@example.org",
        },
        follow_redirects=False,
    )
    assert response.status_code == 400
    mentoring = store.get(make_engine(ref_settings.database_url), refs["mentoring"])
    assert mentoring is not None and mentoring.assigned_to is None


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_staff_export_holds_only_the_readers_services(
    ref_settings: Settings, ref_client: PageClient, refs: dict[str, str]
) -> None:
    sign_in(ref_client, "carers@example.org")
    rows = _csv(ref_client.get("/staff/exports/referrals.csv"))
    assert [r["ref"] for r in rows] == [refs["carers"]]
    assert [r["ref"] for r in _csv(ref_client.get("/staff/exports/referrals.csv?service=carers"))]
    refused = ref_client.get("/staff/exports/referrals.csv?service=mentoring")
    assert refused.status_code == 403
    assert refs["mentoring"] not in refused.text
    assert [e["subject_id"] for e in _refusals(ref_settings)] == ["mentoring"]
    assert ref_client.get("/staff/exports/referrals.csv?service=nope").status_code == 404

    engine = make_engine(ref_settings.database_url)
    exports = [
        e for e in staff_store.recent_audit(engine, 1000) if e["action"] == "referrals.exported"
    ]
    assert len(exports) == 2


def test_the_staff_export_for_everyone_holds_every_service(
    ref_client: PageClient, refs: dict[str, str]
) -> None:
    sign_in(ref_client, "admin@example.org")
    rows = _csv(ref_client.get("/staff/exports/referrals.csv"))
    assert sorted(r["ref"] for r in rows) == sorted(refs.values())
    assert {r["service"] for r in rows} == {"carers", "mentoring"}
