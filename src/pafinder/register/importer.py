"""The PA import CSV (CONTRACT.md): read and validate every row first, then write all of them in
one transaction, so a bad row anywhere means nothing is written.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first listing row 2.
Errors read `row R, column C: reason`, C being the column's name.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Engine

from pafinder.content import Content
from pafinder.db import utcnow
from pafinder.register import store
from pafinder.register.models import IMPORT_COLUMNS, IMPORT_STATUSES, ImportRow
from pafinder.register.tables import DBS_LEVELS

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
LIST_TAXONOMIES = {
    "areas": "areas",
    "languages": "languages",
    "tasks": "tasks",
    "client_groups": "client_groups",
    "age_groups": "age_groups",
    "availability": "availability",
    "qualifications": "qualifications",
}
MAX_TEXT = {"first_name": 100, "last_name": 100, "about": 5000}


class ImportRowError(ValueError):
    """`row R, column C: reason`."""

    def __init__(self, row: int, column: str, reason: str) -> None:
        super().__init__(f"row {row}, column {column}: {reason}")


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(column, reason)
        self.column = column
        self.reason = reason


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRowError(1, "-", f"the file is not UTF-8 ({exc.reason})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportRowError(1, "-", "the file is empty: it needs a header row")
    header = [h.strip() for h in header]
    for name in IMPORT_COLUMNS:
        if name not in header:
            raise ImportRowError(1, name, "this column is missing from the header row")
    for name in header:
        if name not in IMPORT_COLUMNS:
            raise ImportRowError(1, name or "(blank)", "unknown column")
    if len(set(header)) != len(header):
        duplicate = next(h for h in header if header.count(h) > 1)
        raise ImportRowError(1, duplicate, "this column appears twice")
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line (spreadsheets often leave one at the end)
        if len(cells) != len(header):
            raise ImportRowError(number, "-", f"expected {len(header)} values, found {len(cells)}")
        yield number, {name: value.strip() for name, value in zip(header, cells, strict=True)}


def _yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("yes", "no", ""):
        raise ValueError("use yes or no")
    return lowered == "yes"


def _row(cells: dict[str, str], content: Content, today: date) -> dict[str, Any]:
    """One row's values; raises _Bad(column, reason)."""
    out: dict[str, Any] = {}

    def fail(column: str, reason: str) -> _Bad:
        return _Bad(column, reason)

    for name in ("first_name", "last_name"):
        value = cells[name]
        if not value:
            raise fail(name, "is empty")
        if len(value) > MAX_TEXT[name]:
            raise fail(name, f"is longer than {MAX_TEXT[name]} characters")
        out[name] = value
    try:
        out["email"] = validate_email(cells["email"], check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise fail("email", f"not an email address ({exc})") from exc
    phone = cells["phone"]
    if phone and not PHONE.match(phone):
        raise fail("phone", "not a phone number")
    out["phone"] = phone
    postcode = cells["postcode"].upper()
    if postcode and not POSTCODE.match(postcode):
        raise fail("postcode", "not a UK postcode")
    out["postcode"] = postcode
    for column, taxonomy in LIST_TAXONOMIES.items():
        known = content.labels(taxonomy)
        slugs = [s.strip() for s in cells[column].split(";") if s.strip()]
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise fail(column, f"unknown {taxonomy} slug '{unknown[0][:40]}'")
        out[column] = list(dict.fromkeys(slugs))
    gender = cells["gender"]
    if gender and gender not in content.labels("genders"):
        raise fail("gender", f"unknown genders slug '{gender[:40]}'")
    out["gender"] = gender
    dbs = cells["dbs"] or "none"
    if dbs not in DBS_LEVELS:
        raise fail("dbs", f"use one of {', '.join(DBS_LEVELS)}")
    out["dbs"] = dbs
    certificate = cells["dbs_certificate_date"]
    out["dbs_certificate_date"] = None
    if certificate:
        try:
            out["dbs_certificate_date"] = date.fromisoformat(certificate)
        except ValueError as exc:
            raise fail("dbs_certificate_date", "use a date like 2026-03-31") from exc
        if out["dbs_certificate_date"] > today:
            raise fail("dbs_certificate_date", "is in the future")
    for column in ("dbs_update_service", "dbs_checked", "driving", "smoker"):
        try:
            out[column] = _yes_no(cells[column])
        except ValueError as exc:
            raise fail(column, str(exc)) from exc
    years = cells["experience_years"] or "0"
    if not re.fullmatch(r"[0-9]{1,2}", years):
        raise fail("experience_years", "use a whole number of years from 0 to 99")
    out["experience_years"] = int(years)
    if len(cells["about"]) > MAX_TEXT["about"]:
        raise fail("about", f"is longer than {MAX_TEXT['about']} characters")
    out["about"] = cells["about"]
    if cells["status"] not in IMPORT_STATUSES:
        raise fail("status", f"use one of {', '.join(IMPORT_STATUSES)}")
    out["status"] = cells["status"]
    return out


def read_import(path: Path, content: Content) -> list[ImportRow]:
    """Every row, validated; raises ImportRowError at the first bad one."""
    today = utcnow().date()
    rows = []
    for number, cells in _rows(path):
        try:
            rows.append(ImportRow(**_row(cells, content, today)))
        except _Bad as exc:
            raise ImportRowError(number, exc.column, exc.reason) from exc
    return rows


def write_import(engine: Engine, rows: list[ImportRow]) -> int:
    """Insert every row in one transaction (nothing is written if any insert fails)."""
    now = utcnow()
    with engine.begin() as conn:
        taken = store.existing_refs(conn)
        records = []
        rng = random.SystemRandom()
        for row in rows:
            ref = store.new_ref(rng)
            while ref in taken:
                ref = store.new_ref(rng)
            taken.add(ref)
            record = row.model_dump()
            for column in (
                "areas",
                "languages",
                "tasks",
                "client_groups",
                "age_groups",
                "availability",
            ):
                record[column] = json.dumps(record[column])
            record["qualifications"] = json.dumps(
                [{"slug": s, "date": None, "expires": None} for s in row.qualifications]
            )
            published = row.status == "published"
            record.update(
                ref=ref,
                paused=False,
                created_at=now,
                updated_at=now,
                email_verified_at=now,
                published_at=now if published else None,
                confirmed_at=now if published else None,
                dbs_checked_at=now if row.dbs_checked else None,
                dbs_check_method="certificate" if row.dbs_checked else None,
            )
            records.append(record)
        return store.insert_pas(conn, records)
