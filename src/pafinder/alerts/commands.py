"""`pafinder send-alerts` (daily; leased in pafinder.nodes.jobs so one node runs it at a time)."""

from __future__ import annotations

import click

from pafinder.alerts.digest import send_alerts as run
from pafinder.content import load_content
from pafinder.db import make_engine, migrate
from pafinder.settings import Settings


@click.command("send-alerts")
def send_alerts() -> None:
    """Email PAs the new job adverts that match their alerts and employers the new PA listings
    that match their saved searches (at most 20 each, once), and delete expired sign-ups and
    saved searches."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    content = load_content(settings.content_dir)
    report = run(engine, settings, content)
    click.echo(
        f"Job alerts: {report.digests['jobs']} emails for {report.alerts['jobs']} alerts "
        f"({report.new_items['jobs']} new adverts). Saved searches: {report.digests['pas']} "
        f"emails for {report.alerts['pas']} searches ({report.new_items['pas']} new listings)."
    )
    purged = report.purged
    click.echo(
        f"Deleted {purged.get('unconfirmed_jobs', 0) + purged.get('unconfirmed_pas', 0)} "
        f"unconfirmed sign-ups and {purged.get('expired_searches', 0)} expired saved searches."
    )
    if report.skipped:
        click.echo(f"{report.skipped} saved searches could not be run (no longer valid).")


commands = [send_alerts]
