"""The list of confirmed addresses as CSV, for `pafinder newsletter export` and the staff
download; each export is audited (it hands over personal data), never with an address in it."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine

from pafinder.newsletter import store
from pafinder.staff import store as staff_store

COLUMNS = ("email", "confirmed_at")
# A cell a spreadsheet would run as a formula gets a leading apostrophe (as the referrals export).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def subscribers_csv(engine: Engine, actor: str) -> str:
    """The CSV (header row, CRLF line ends, confirmed_at in UTC ending Z), audited in the same
    transaction that reads the list."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with engine.begin() as conn:
        subscribers = store.confirmed(conn)
        for subscriber in subscribers:
            assert subscriber.confirmed_at is not None
            confirmed = subscriber.confirmed_at.replace(microsecond=0).isoformat() + "Z"
            writer.writerow([_cell(subscriber.email), confirmed])
        detail = {"rows": len(subscribers), "format": "csv"}
        staff_store.record(conn, actor, "newsletter.exported", "newsletter", "list", detail)
    return out.getvalue()
