"""`pafinder publish-events` (daily: past dates drop off the static pages) and
`pafinder send-reminders` (emails people booked for the next 48 hours, once)."""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from pafinder.content import load_content
from pafinder.db import make_engine, migrate
from pafinder.events import bookings, notify, store
from pafinder.events.publish import publish
from pafinder.events.recurrence import occurrence
from pafinder.events.views import now_utc
from pafinder.settings import Settings

REMINDER_WINDOW = timedelta(hours=48)


def send_reminders(settings: Settings, now: datetime | None = None) -> int:
    """Remind each booked person whose date starts within 48 hours; never twice."""
    now = now or now_utc()
    engine = make_engine(settings.database_url)
    events = {e.id: e for e in store.all_events(engine, "published")}
    sent = 0
    for booking in bookings.reminder_candidates(engine, (now - timedelta(days=62)).date()):
        event = events.get(booking.event_id)
        occ = occurrence(event, booking.occurrence_date) if event else None
        if occ is None or not (now < occ.starts <= now + REMINDER_WINDOW):
            continue
        if not booking.email:
            continue  # staff phone people without email; the attendance page lists them
        if not bookings.claim_reminder(engine, booking.id):
            continue
        notify.send_reminder(settings, booking, occ)  # queued: the outbox retries failures
        sent += 1
    return sent


@click.command("publish-events")
def publish_events() -> None:
    """Re-render the events pages, feeds and API in site/ (run daily)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    count = publish(engine, settings, load_content(settings.content_dir))
    click.echo(f"Published {count} events files into {settings.site_dir}.")


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Email a reminder to people booked for dates in the next 48 hours (once each)."""
    settings = Settings.from_env()
    migrate(make_engine(settings.database_url))
    click.echo(f"Sent {send_reminders(settings)} reminders.")


commands: list[click.Command] = [publish_events, send_reminders_command]
