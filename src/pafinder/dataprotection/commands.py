"""`pafinder subject-access`, `pafinder erase`, `pafinder purge` and `pafinder rotate-data-key`
(CONTRACT.md "Data protection"). The command line is the operator's: it sees everything, and
each run is audited without personal data."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from pafinder.dataprotection import service
from pafinder.db import make_engine, migrate
from pafinder.formats import privacy as format_requests
from pafinder.referrals import privacy as referrals
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.subject import Subject


def _subject(email: str, phone: str, name: str, dob: str) -> Subject:
    if bool(name) != bool(dob):
        raise click.UsageError("--name and --dob go together")
    first, _, last = name.strip().partition(" ")
    if name and not last.strip():
        raise click.UsageError("--name needs a first and a last name")
    try:
        born = date.fromisoformat(dob) if dob else None
    except ValueError:
        raise click.UsageError("--dob must be YYYY-MM-DD") from None
    if not email.strip():
        raise click.UsageError("--email must not be empty")
    return Subject(email.strip(), phone.strip(), first.strip(), last.strip(), born)


@click.command("subject-access")
@click.option("--email", required=True, help="The person's email address.")
@click.option("--phone", default="", help="Their phone number too (any UK form).")
@click.option("--name", default="", help='Their full name ("First Last"), with --dob.')
@click.option("--dob", default="", help="Their date of birth, YYYY-MM-DD, with --name.")
def subject_access(email: str, phone: str, name: str, dob: str) -> None:
    """Print every record held about a person, in every table, as JSON."""
    subject = _subject(email, phone, name, dob)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    found = service.subject_access(engine, subject)
    json.dump(found, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
    with engine.begin() as conn:
        counts = {k: len(v) for k, v in found.items() if isinstance(v, list)}
        staff_store.record(conn, "cli", "person.subject_access", "person", "-", counts)


@click.command("erase")
@click.option("--email", required=True, help="The person's email address.")
@click.option("--phone", default="", help="Their phone number too.")
@click.option("--yes", "confirmed", is_flag=True, help="Really erase (without it: say what).")
def erase(email: str, phone: str, confirmed: bool) -> None:
    """Delete or anonymise every record of a person (needs --yes)."""
    subject = _subject(email, phone, "", "")
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    if not confirmed:
        counts = service.preview(engine, subject)
        click.echo("Nothing erased: add --yes to erase. This would delete or anonymise:", err=True)
        for kind, number in counts.items():
            click.echo(f"  {kind}: {number}", err=True)
        sys.exit(1)
    counts = service.erase(engine, settings, subject, "cli")
    click.echo("Erased. Records deleted or anonymised:")
    for kind, number in counts.items():
        click.echo(f"  {kind}: {number}")


@click.command("purge")
def purge() -> None:
    """Delete what is past its retention period (run daily)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    done = service.purge(engine, settings)
    click.echo(
        f"Deleted {done.referrals} closed referrals older than "
        f"{settings.retain_closed_referrals_days} days since their last change."
    )
    click.echo(
        f"Deleted {done.bookings} event bookings for dates over "
        f"{settings.retain_bookings_days} days ago."
    )
    click.echo(
        f"Deleted {done.pa_messages} messages to PAs and {done.emails} queued emails older than "
        f"{settings.retain_messages_days} days."
    )
    click.echo(
        f"Deleted {done.feedback} feedback responses older than "
        f"{settings.retain_feedback_days} days."
    )
    click.echo(
        f"Deleted {done.jobs} job adverts closed over 90 days ago or never confirmed by email."
    )
    click.echo(f"Deleted {done.format_requests} requests for other formats done over 90 days ago.")


@click.command("rotate-data-key")
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def rotate_data_key(batch: int) -> None:
    """Re-encrypt every encrypted value with the first PAFINDER_DATA_KEY (safe to run again)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    done = {**referrals.rotate(engine, max(1, batch)), **format_requests.rotate(engine)}
    with engine.begin() as conn:
        staff_store.record(conn, "cli", "data.key_rotated", "data_key", "-", done)
    for table, number in done.items():
        click.echo(f"Re-encrypted {number} rows of {table}.")


commands: list[click.Command] = [subject_access, erase, purge, rotate_data_key]
