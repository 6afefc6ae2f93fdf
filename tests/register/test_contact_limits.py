"""Contact-a-PA limits: one sender cannot use up a PA's messages for everyone else; the PA's own
ceiling is reached only by a flood; each refusal says plainly what to do and keeps the message."""

from __future__ import annotations

from typing import Any

from pafinder.app import create_app
from pafinder.register.contact import PER_PA
from tests.conftest import PageClient
from tests.register.test_contact import contacts, portal, send

__all__ = ["portal"]  # the fixture, imported so pytest finds it


def _client(portal: Any, address: str) -> PageClient:
    _settings, client, _ref, _inbox = portal
    # Same app (same limiter) as the portal's client, but from another address.
    return PageClient(client.app, base_url="http://127.0.0.1", client=(address, 50000))


def test_one_sender_cannot_use_up_a_pas_messages(portal: Any) -> None:
    settings, _client0, ref, inbox = portal
    with _client(portal, "192.0.2.10") as pushy:
        for i in range(10):
            assert send(pushy, ref, message=f"Message {i}").status_code == 303
        refused = send(pushy, ref, message="Please answer me")
        assert refused.status_code == 429
        assert "too many messages to this PA today" in refused.text
        assert "Wait for them to reply" in refused.text and "Please answer me" in refused.text
        # A new email from the same address is still the same sender.
        again = send(pushy, ref, email="another@example.com", message="Still me")
        assert again.status_code == 429
    # ...and so is the same email from another address.
    with _client(portal, "192.0.2.11") as moved:
        assert send(moved, ref, message="Me again").status_code == 429
    # Everyone else can still write to this PA.
    with _client(portal, "192.0.2.12") as other:
        assert send(other, ref, email="kim@example.com", message="Hi").status_code == 303
    inbox.wait_for(11)
    assert contacts(settings) == 11


def test_the_pa_ceiling_stops_only_a_flood_and_says_what_to_do(portal: Any) -> None:
    settings, client, ref, _inbox = portal
    limiter = client.app.state.limiter
    while limiter.hit(PER_PA, "pa-contact-pa", ref):  # a flood from many senders
        pass
    response = send(client, ref, message="Are you free on Mondays?")
    assert response.status_code == 429
    assert "This PA has had too many messages today" in response.text
    assert "contact a different PA" in response.text
    assert "Are you free on Mondays?" in response.text
    assert contacts(settings) == 0


def test_a_sender_refused_does_not_use_up_the_pa_ceiling(portal: Any) -> None:
    _settings, client, ref, _inbox = portal
    for i in range(10):
        assert send(client, ref, message=f"Message {i}").status_code == 303
    for i in range(5):
        assert send(client, ref, message=f"Refused {i}").status_code == 429
    # 10 of the PA's 50 used: the 5 refused did not count.
    limiter = client.app.state.limiter
    assert sum(limiter.hit(PER_PA, "pa-contact-pa", ref) for _ in range(50)) == 40


def test_limits_hold_across_two_workers(portal: Any) -> None:
    settings, client, ref, _inbox = portal
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as second:
        for i in range(5):
            assert send(client, ref, message=f"First {i}").status_code == 303
            assert send(second, ref, message=f"Second {i}").status_code == 303
        assert send(client, ref, message="One too many").status_code == 429
        assert send(second, ref, message="One too many").status_code == 429
