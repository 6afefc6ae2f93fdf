"""`pafinder export referrals [--service SLUG] [--format csv]`: every referral record to stdout.

CSV columns (stable; new columns are only ever added at the end):
ref, service, status, received_at (ISO 8601 UTC, ending Z), respond_by (YYYY-MM-DD),
referrer_type, urgency, first_name, last_name, date_of_birth, email, phone, postcode, address,
preferred_contact, reason, consent (yes|override), consent_override_reason,
safeguarding_override (yes|no), referrer_name, referrer_role, referrer_organisation,
referrer_email, referrer_phone, referrer_relationship, flags (;-separated), answers (JSON),
then the case work (issue 9; `status` was already there): priority (urgent|high|normal),
assigned_to (the assignee's email), first_contact_at (ISO 8601 UTC, ending Z), first_contact_on_time
(yes|no, empty before first contact: on or before respond_by, in Europe/London), refusal_reason,
delay_reason (the reason given the last time it was refused or put on the waiting list).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import click

from pafinder.db import make_engine
from pafinder.db import migrate as run_migrations
from pafinder.referrals import casework, digest, store
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date

COLUMNS = (
    "ref",
    "service",
    "status",
    "received_at",
    "respond_by",
    "referrer_type",
    "urgency",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "postcode",
    "address",
    "preferred_contact",
    "reason",
    "consent",
    "consent_override_reason",
    "safeguarding_override",
    "referrer_name",
    "referrer_role",
    "referrer_organisation",
    "referrer_email",
    "referrer_phone",
    "referrer_relationship",
    "flags",
    "answers",
    "priority",
    "assigned_to",
    "first_contact_at",
    "first_contact_on_time",
    "refusal_reason",
    "delay_reason",
)
# Columns worked out in row_of rather than read straight off the record.
DERIVED = ("flags", "answers", "assigned_to", "first_contact_at", "first_contact_on_time")
# A cell starting with one of these is run as a formula by spreadsheet programs; a leading
# apostrophe keeps it text. Phone numbers such as +44 7700 900982 are left alone.
FORMULA_START = ("=", "@", "\t", "\r")


def _cell(value: str) -> str:
    if value.startswith(FORMULA_START) or (
        value[:1] in ("+", "-") and not value[1:2].isdigit() and value[1:2] != " "
    ):
        return "'" + value
    return value


def _on_time(r: store.Referral) -> str:
    if r.first_contact_at is None:
        return ""
    return "yes" if london_date(r.first_contact_at) <= r.respond_by else "no"


def row_of(r: store.Referral, emails: Mapping[int, str] | None = None) -> dict[str, str]:
    """One CSV row; ``emails`` ({staff id: email}) names the assignee."""
    assignee = "" if r.assigned_to is None else (emails or {}).get(r.assigned_to, "")
    first_contact = r.first_contact_at.isoformat() + "Z" if r.first_contact_at else ""
    values: dict[str, Any] = {
        **{c: getattr(r, c) for c in COLUMNS if c not in DERIVED},
        "received_at": r.received_at.isoformat() + "Z",
        "respond_by": r.respond_by.isoformat(),
        "date_of_birth": r.date_of_birth.isoformat(),
        "safeguarding_override": "yes" if r.safeguarding_override else "no",
        "flags": ";".join(r.flags),
        "answers": json.dumps(r.answers, ensure_ascii=False, sort_keys=True),
        "assigned_to": assignee,
        "first_contact_at": first_contact,
        "first_contact_on_time": _on_time(r),
    }
    return {k: _cell(str(v)) for k, v in values.items()}


def write_csv(out: TextIO, rows: list[store.Referral], emails: Mapping[int, str]) -> None:
    """The export's CSV (header row, CRLF line ends) for the command and the staff download."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for referral in rows:
        writer.writerow(row_of(referral, emails))


@click.group("export")
def export() -> None:
    """Export records as CSV to standard output."""


@export.command("referrals")
@click.option("--service", "service", default=None, help="Only this service's referrals (slug).")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
def export_referrals(service: str | None, fmt: str) -> None:
    """Every referral record, oldest first, as CSV with a header row."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    rows = store.list_referrals(engine, service)
    write_csv(sys.stdout, rows, casework.staff_emails(engine))
    sys.stdout.flush()
    # Personal data left the system: record who asked (no personal data in the detail).
    with engine.begin() as conn:
        staff_store.record(
            conn,
            "cli",
            "referrals.exported",
            "referral",
            service or "*",
            {"rows": len(rows), "format": fmt},
        )


commands: list[click.Command] = [export, digest.send_digest]
