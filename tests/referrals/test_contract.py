"""The referral contract as another system sees it (CONTRACT.md, "Referral forms"): GET the
form for its CSRF token, POST only the common fields in one request, follow the 303."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pafinder.workdays import add_working_days
from tests.conftest import PageClient

COMMON = {
    "referrer_type": "self",
    "first_name": "Zoë",
    "last_name": "O'Connor-Nguyễn",
    "date_of_birth": "1980-05-17",
    "email": "zoe@example.org",
    "phone": "07700 900123",
    "postcode": "DE1 2AB",
    "preferred_contact": "email",
    "reason": "I would like to talk to someone who understands.",
    "consent": "yes",
}
# Services anyone can refer themselves to; mentoring and supported accommodation take
# professional referrals only (tested in test_forms.py).
SELF_REFERRAL = ["peer-support-recovery", "carers", "direct-payment-support"]


@pytest.mark.parametrize("slug", SELF_REFERRAL)
def test_common_fields_alone_make_a_valid_self_referral(ref_client: PageClient, slug: str) -> None:
    token = ref_client.csrf(f"/refer/{slug}")
    days = {
        s["slug"]: s["respond_within_working_days"] for s in ref_client.get("/api/services").json()
    }
    received = datetime.now(ZoneInfo("Europe/London")).date()

    response = ref_client.post(
        f"/refer/{slug}", data={**COMMON, "csrftoken": token}, follow_redirects=False
    )

    assert response.status_code == 303, response.text[:2000]
    page = ref_client.get(response.headers["location"])
    assert page.status_code == 200
    assert re.search(r'<strong id="reference">[A-Z0-9-]+</strong>', page.text)
    respond_by = re.search(r'<time id="respond-by" datetime="(\d{4}-\d{2}-\d{2})"', page.text)
    assert respond_by is not None
    assert date.fromisoformat(respond_by.group(1)) == add_working_days(received, days[slug])


def test_missing_common_fields_give_400_with_the_form_refilled(ref_client: PageClient) -> None:
    token = ref_client.csrf("/refer/carers")
    data = {**COMMON, "csrftoken": token, "first_name": "", "consent": ""}
    response = ref_client.post("/refer/carers", data=data)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#first_name"' in response.text
    assert "O&#39;Connor-Nguyễn" in response.text or "O'Connor-Nguyễn" in response.text
