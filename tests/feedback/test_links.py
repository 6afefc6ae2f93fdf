"""The form is linked from the service pages, the referral confirmation page and the booking
emails; and the tables match their migration."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pafinder.app import create_app
from pafinder.db import make_engine, metadata
from pafinder.feedback import store
from pafinder.settings import Settings
from tests.conftest import PageClient, body_text
from tests.events.conftest import add_event, events_settings, london_today
from tests.events.test_booking import book, outbox_messages
from tests.referrals.helpers import answers_for, service, submit


def test_the_built_service_page_links_to_its_form(settings: Settings) -> None:
    page = (settings.site_dir / "services" / "peer-support" / "index.html").read_text()
    assert 'href="/feedback/peer-support"' in page


def test_the_referral_confirmation_links_to_the_form(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    sent = submit(fb_client, "carers", answers_for(service(fb_settings, "carers")))
    assert sent.status_code == 303, sent.text
    page = fb_client.get(sent.headers["location"]).text
    assert 'href="/feedback/carers"' in page


def test_the_booking_emails_link_to_the_form_and_to_nothing_of_the_booking(
    tmp_path: Path,
) -> None:
    settings = events_settings(tmp_path)
    first = london_today() + timedelta(days=4)
    event_id = add_event(settings, capacity=1, start_date=first, service="mentoring")
    key = f"{event_id}-{first:%Y%m%d}"
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert book(client, key, name="Ann Example", email="ann@example.com").status_code == 303
    [confirmation] = outbox_messages(settings)
    body = body_text(confirmation)
    assert f"{settings.base_url}/feedback/mentoring\n" in body


def test_the_feedback_tables_match_their_migration(fb_settings: Settings) -> None:
    tables = {store.feedback_responses, store.feedback_answers, store.feedback_form_keys}
    assert {t.name for t in tables} <= set(metadata.tables)
    engine = make_engine(fb_settings.database_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diffs if "feedback_" in repr(d)]
    assert ours == []
