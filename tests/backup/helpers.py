"""For the backup tests: a portal with a row in every table (the data protection seed, plus a
generated row of awkward values in each table, so a table the seed misses is covered too), and
every table of a database read back in a fixed order to compare."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from pafinder import outbox
from pafinder.db import make_engine, metadata
from pafinder.features import all_features
from pafinder.settings import Settings
from tests.dataprotection.seed import (
    ADA,
    BOB,
    GRACE,
    seed_message,
    seed_person,
    seed_referrer,
    staff,
)
from tests.register.lifecycle_helpers import pa_settings

AWKWARD = "Zoë “quoted” 'single' \\ back\tslash <script>alert(1)</script> 🙂 ﷽ "


def every_table() -> MetaData:
    """pafinder.db.metadata with every module's tables on it."""
    import pafinder.app  # noqa: F401 - the app imports every table's module

    all_features()
    return metadata


def seeded_portal(base: Path, key: bytes) -> Settings:
    """People in every table through the features' own code, the mail already sent written as
    .eml files, then a full and a sparse generated row in every table."""
    settings = pa_settings(base, data_key=key.decode())
    every_table()
    worker = staff(settings)
    seed_person(settings, ADA, worker)
    seed_person(settings, GRACE, worker)
    seed_referrer(settings, ADA, BOB)
    seed_message(settings, ADA, BOB)
    engine = make_engine(settings.database_url)
    assert outbox.deliver(engine, settings).sent > 0  # no SMTP: .eml files in the data dir
    fill(engine)
    return settings


def fill(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in every_table().sorted_tables:
            for sparse in (False, True):
                conn.execute(table.insert().values(**_row(conn, table, sparse)))


def _row(conn: Any, table: Table, sparse: bool) -> dict[str, Any]:
    token = secrets.token_hex(4)
    row: dict[str, Any] = {}
    for column in table.columns:
        if column is table.autoincrement_column:
            continue  # the database numbers it, as in real use
        if column.foreign_keys:
            [fk] = column.foreign_keys
            row[column.name] = conn.execute(select(fk.column).limit(1)).scalar_one()
        elif sparse and column.nullable:
            row[column.name] = None
        else:
            row[column.name] = _value(column, token, int(sparse))
    return row


def _value(column: Column[Any], token: str, n: int) -> Any:
    # n tells the two rows apart where a unique constraint spans numbers or dates.
    kind = column.type
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return 7 + n
    if isinstance(kind, DateTime):
        return datetime(2026, 3, 29, 1, 30, 15 + n)  # the hour the clocks go forward in London
    if isinstance(kind, Date):
        return date(2024, 2, 28 + n)  # and a leap day
    if isinstance(kind, LargeBinary):
        return bytes(range(256))
    if isinstance(kind, Text):
        return (token + " " + AWKWARD * 40 + "\nend").strip()
    if isinstance(kind, String):
        return (token + " " + AWKWARD)[: kind.length or 200]
    raise AssertionError(f"no test value for {column.table.name}.{column.name} ({kind})")


def read_all(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table in the database (alembic_version included), every row, in key order."""
    found = MetaData()
    found.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, table in found.tables.items():
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out
