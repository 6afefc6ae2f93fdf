"""PA registration is limited per connection on sending only (never on viewing), generously, and
a refusal keeps every answer and says what to do."""

from __future__ import annotations

from typing import Any

from pafinder.register.journey_routes import REGISTER_RATE_ADDRESS
from tests.conftest import PageClient
from tests.register.lifecycle_helpers import BASE, backdate_drafts, fill_all, rows, send
from tests.register.lifecycle_helpers import valid_answers as answers
from tests.register.test_journey import portal

__all__ = ["portal"]  # the fixture, imported so pytest finds it


def test_registrations_are_limited_per_connection_and_keep_the_answers(portal: Any) -> None:
    settings, client, _inbox = portal
    limiter = client.app.state.limiter
    while limiter.hit(REGISTER_RATE_ADDRESS, "pa-register-ip", "testclient"):
        pass  # a busy library computer: its hour's registrations are used up
    fill_all(client, answers("amara@example.org"))
    backdate_drafts(settings)
    refused = send(client)
    assert refused.status_code == 429
    assert "Lots of registrations have been sent from your internet connection" in refused.text
    assert "Your answers are saved" in refused.text and "amara@example.org" in refused.text
    assert rows(settings) == []
    # Looking is never limited, and the answers are still there.
    page = client.get(f"{BASE}/check-answers")
    assert page.status_code == 200 and "amara@example.org" in page.text
    # Someone on another connection is not affected.
    with PageClient(client.app, base_url="http://127.0.0.1", client=("192.0.2.5", 1)) as other:
        fill_all(other, answers("other@example.org"))
        backdate_drafts(settings)
        assert send(other).status_code == 303
    assert [r["email"] for r in rows(settings)] == ["other@example.org"]
