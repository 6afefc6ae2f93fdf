"""The alerts' tables as migration 0020 makes them match the Tables in alerts/tables.py."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from pafinder.alerts.tables import job_alerts, saved_searches
from pafinder.db import make_engine, metadata
from tests.conftest import make_settings, prepare


def test_the_tables_match_their_migration(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    prepare(settings)
    engine = make_engine(settings.database_url)
    found = inspect(engine)
    for table in (job_alerts, saved_searches):
        columns = {c["name"]: c for c in found.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, column.name
        indexes = {i["name"]: i["column_names"] for i in found.get_indexes(table.name)}
        for index in table.indexes:
            assert indexes[index.name] == [c.name for c in index.columns]
        uniques = {tuple(u["column_names"]) for u in found.get_unique_constraints(table.name)}
        unique_indexes = {
            tuple(i["column_names"]) for i in found.get_indexes(table.name) if i["unique"]
        }
        assert ("fingerprint",) in uniques | unique_indexes
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # SQLite reflects unnamed unique constraints without a name: checked above instead.
    names = ("job_alerts", "saved_searches")
    ours = [
        d for d in diff if any(n in repr(d) for n in names) and "UniqueConstraint" not in repr(d)
    ]
    assert not ours, ours
