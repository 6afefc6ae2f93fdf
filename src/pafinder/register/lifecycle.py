"""`pafinder pa-freshness` (run daily, e.g. from cron): keeps the register current.

- Every published PA last confirmed 90+ days ago, and not reminded since, is emailed a one-click
  'still available' link (signed, 30 days).
- Listings not confirmed for 120 days leave search until the PA confirms (their index entry is
  refreshed, which removes them; running it daily makes that happen the day they pass 120).
- PAs whose DBS certificate is over 3 years old and not on the Update Service, or whose training
  has expired or expires within 30 days, are reminded at most once every 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import click
from sqlalchemy import Engine

from pafinder.content import load_content
from pafinder.db import make_engine, migrate, utcnow
from pafinder.register import index, lifecycle_mail, lifecycle_store
from pafinder.settings import Settings


@dataclass(frozen=True)
class FreshnessReport:
    reminded: int
    out_of_search: int
    expiry_reminded: int


def renewal_items(listing: dict[str, object], labels: dict[str, str], today: date) -> list[str]:
    """Plain sentences for the expiry reminder, empty when nothing needs renewing."""
    items: list[str] = []
    if any(f.startswith("DBS certificate") for f in lifecycle_store.flags(listing, today)):
        items.append(
            "Your DBS certificate is over 3 years old and not on the Update Service. Many "
            "employers ask for a recent one."
        )
    for q in lifecycle_store.expiring_training(listing, today):
        label = labels.get(q["slug"], q["slug"])
        expires = date.fromisoformat(q["expires"])
        when = "expired" if expires < today else "expires"
        items.append(f"{label} {when} on {expires.day} {expires:%B %Y}.")
    return items


def run_freshness(
    engine: Engine, settings: Settings, now: datetime | None = None
) -> FreshnessReport:
    now = now or utcnow()
    today = now.date()
    reminded = expiry = 0
    for listing in lifecycle_store.due_for_reminder(engine, now):
        # Queued in the outbox, which retries if the mail server is down: so mark it sent.
        lifecycle_mail.send_still_available(
            settings, listing["email"], listing["first_name"], listing["ref"]
        )
        lifecycle_store.mark_reminded(engine, listing["ref"])
        reminded += 1
    stale = lifecycle_store.stale_ids(engine, now)
    for pa_id in stale:
        index.refresh_pa(engine, settings, pa_id)
    labels = load_content(settings.content_dir).labels("qualifications")
    for listing in lifecycle_store.expiry_candidates(engine, now):
        items = renewal_items(listing, labels, today)
        if not items:
            continue
        lifecycle_mail.send_expiry_reminder(
            settings, listing["email"], listing["first_name"], items
        )
        lifecycle_store.mark_reminded(engine, listing["ref"], "pa.expiry_reminder_sent")
        expiry += 1
    return FreshnessReport(reminded, len(stale), expiry)


@click.command("pa-freshness")
def pa_freshness() -> None:
    """Email 'still available' and renewal reminders; take stale listings out of search.

    Run it daily (for example from cron)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    report = run_freshness(engine, settings)
    click.echo(
        f"Sent {report.reminded} 'still available' reminders and {report.expiry_reminded} "
        f"renewal reminders; {report.out_of_search} listings are out of search until confirmed."
    )


commands: list[click.Command] = [pa_freshness]
