"""The format_requests table as migration 0021 makes it matches the Table in formats/store.py."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from pafinder.db import make_engine, metadata
from pafinder.formats.store import format_requests
from tests.formats.helpers import portal


def test_the_table_matches_its_migration(tmp_path: Path) -> None:
    engine = make_engine(portal(tmp_path).database_url)
    found = inspect(engine)
    table = format_requests
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
    assert {("ref",), ("form_key",)} <= uniques | unique_indexes
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # SQLite reflects unnamed unique constraints without a name, so alembic cannot pair them:
    # they are checked above instead.
    ours = [d for d in diff if "format_requests" in repr(d) and "UniqueConstraint" not in repr(d)]
    assert not ours, ours
