"""Referrals are limited per connection on sending only, generously (60 an hour: a hospital or a
library shares one address), and a refused referral is never lost: the form comes back with every
answer, the draft keeps them, and a resend of one already recorded still gets its confirmation."""

from __future__ import annotations

from sqlalchemy import select

from pafinder.db import make_engine
from pafinder.referrals import store
from pafinder.referrals.form_routes import REFERRAL_RATE_ADDRESS
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.referrals.helpers import REF, answers_for, errors_of, hidden, service, submit

SLUG = "peer-support-recovery"
BUSY = "a lot of referrals have been sent from your internet connection"


def hit(client: PageClient) -> bool:
    return bool(client.app.state.limiter.hit(REFERRAL_RATE_ADDRESS, "referral-ip", "testclient"))


def use_up(client: PageClient) -> None:
    """Spend what is left of this connection's hour of referrals."""
    while hit(client):
        pass


def test_sixty_an_hour_then_the_form_comes_back_with_every_answer(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    data = answers_for(service(ref_settings, SLUG))
    assert REFERRAL_RATE_ADDRESS == "60/hour"
    assert all(hit(ref_client) for _ in range(59))
    assert submit(ref_client, SLUG, data).status_code == 303  # the 60th in the hour
    refused = submit(ref_client, SLUG, {**data, "first_name": "Grace"})
    assert refused.status_code == 429
    assert BUSY in refused.text and "Your answers are saved" in refused.text
    assert "phone us on" in refused.text
    assert any(BUSY in e for e in errors_of(refused.text))
    assert 'value="Grace"' in refused.text and 'value="10"' in refused.text
    engine = make_engine(ref_settings.database_url)
    assert store.count(engine) == 1
    # The draft kept the answers: coming back to the form later finds them.
    assert 'value="Grace"' in ref_client.get(f"/refer/{SLUG}/person").text
    # Another connection (another ward, another library) is not affected.
    with PageClient(ref_client.app, base_url="http://127.0.0.1", client=("192.0.2.9", 1)) as other:
        assert submit(other, SLUG, data).status_code == 303
    assert store.count(engine) == 2


def test_check_your_answers_is_not_limited_and_sending_from_it_keeps_the_draft(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    data = answers_for(service(ref_settings, SLUG))
    use_up(ref_client)
    assert submit(ref_client, SLUG, {**data, "action": "check"}).status_code == 303
    check = ref_client.get(f"/refer/{SLUG}/check")
    assert check.status_code == 200 and "Ada Lovelace" in check.text
    sent = ref_client.post(
        f"/refer/{SLUG}/check",
        data={"csrftoken": hidden(check.text, "csrftoken")},
        follow_redirects=False,
    )
    assert sent.status_code == 429 and BUSY in sent.text and 'value="Ada"' in sent.text
    assert store.count(make_engine(ref_settings.database_url)) == 0
    # An hour later (the counts forgotten) the same draft sends.
    ref_client.app.state.limiter.reset()
    check = ref_client.get(f"/refer/{SLUG}/check")
    again = ref_client.post(
        f"/refer/{SLUG}/check",
        data={"csrftoken": hidden(check.text, "csrftoken")},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert store.count(make_engine(ref_settings.database_url)) == 1


def test_a_resend_of_a_recorded_referral_is_never_refused(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    data = answers_for(service(ref_settings, SLUG))
    form_key = hidden(ref_client.get(f"/refer/{SLUG}").text, "form_key")
    first = submit(ref_client, SLUG, {**data, "form_key": form_key})
    assert first.status_code == 303
    use_up(ref_client)
    again = submit(ref_client, SLUG, {**data, "form_key": form_key})
    assert again.status_code == 303
    # The same referral's confirmation (the link is signed afresh, so compare the reference).
    shown = [REF.search(ref_client.get(r.headers["location"]).text) for r in (first, again)]
    assert shown[0] and shown[1] and shown[0].group(1) == shown[1].group(1)
    engine = make_engine(ref_settings.database_url)
    with engine.connect() as conn:
        assert len(conn.execute(select(store.referrals.c.ref)).all()) == 1
