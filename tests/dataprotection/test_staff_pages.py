"""/staff/data-protection (issue 12, point 9): admin only, every search audited, the person's
details only in POST bodies, errors as a GOV.UK error summary with a 400, erasure behind a
confirmation page and done once however often the confirmation is sent."""

from __future__ import annotations

import json
from pathlib import Path

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.staff import store as staff_store
from tests.conftest import PageClient, add_staff, sign_in
from tests.dataprotection.seed import ADA, GRACE, seed_person, staff
from tests.register.lifecycle_helpers import pa_settings

BASE = "/staff/data-protection"


def test_admins_find_download_and_erase_a_person(tmp_path: Path) -> None:
    settings = pa_settings(tmp_path)
    worker = staff(settings)
    ada = seed_person(settings, ADA, worker)
    seed_person(settings, GRACE, worker)
    add_staff(settings, "admin@example.org", role="admin")
    engine = make_engine(settings.database_url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        # A member who is not an administrator is refused.
        assert sign_in(client, "caseworker@example.org").status_code == 303
        assert client.get(BASE).status_code == 403
        client.cookies.clear()
        assert sign_in(client, "admin@example.org").status_code == 303
        token = client.csrf(BASE)

        bad = client.post(BASE, data={"csrftoken": token, "email": "<script>x", "phone": "🙂"})
        assert bad.status_code == 400
        assert "govuk-error-summary" in bad.text and "&lt;script&gt;x" in bad.text
        assert 'href="#email"' in bad.text and 'href="#phone"' in bad.text

        found = client.post(BASE, data={"csrftoken": token, "email": ADA.email.upper()})
        assert found.status_code == 200
        assert "Records held about this person" in found.text
        assert ADA.words[0] in found.text and ada["referral"] in found.text
        assert GRACE.email not in found.text
        assert (
            found.headers["cache-control"].startswith("no-store")
            or "private" in found.headers["cache-control"]
        )

        download = client.post(f"{BASE}/download", data={"csrftoken": token, "email": ADA.email})
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/json")
        assert json.loads(download.text)["referrals"][0]["ref"] == ada["referral"]

        ask = client.post(f"{BASE}/erase", data={"csrftoken": token, "email": ADA.email})
        assert ask.status_code == 200 and "Are you sure" in ask.text
        assert "Referrals about them" in ask.text
        assert client.post(BASE, data={"csrftoken": token, "email": ADA.email}).status_code == 200

        data = {"csrftoken": token, "email": ADA.email, "confirm": "yes"}
        for _ in range(2):  # a double submit erases once
            done = client.post(f"{BASE}/erase", data=data, follow_redirects=False)
            assert done.status_code == 303 and done.headers["location"] == f"{BASE}?done=erased"
        assert "records are erased" in client.get(f"{BASE}?done=erased").text
        after = client.post(f"{BASE}/download", data={"csrftoken": token, "email": ADA.email})
        assert json.loads(after.text)["referrals"] == []
        # Without a token: refused.
        no_token = client.post(f"{BASE}/erase", data={"email": GRACE.email, "confirm": "yes"})
        assert no_token.status_code == 403

    entries = staff_store.recent_audit(engine, 100)
    assert [e["action"] for e in entries].count("person.erased") == 1
    views = [e for e in entries if e["action"] == "person.subject_access"]
    assert len(views) >= 3 and all(e["actor"].startswith("staff:") for e in views)
    for entry in entries:
        assert ADA.email not in entry["detail"].lower() and ADA.last not in entry["detail"]
    # The person's details never went into a URL.
    assert all(ADA.email not in str(e["subject_id"]) for e in entries)
