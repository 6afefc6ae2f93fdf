"""Searching and reading listings never take SQLite's write lock (issue 16, goal 3): no statement
of the search, API or profile paths begins IMMEDIATE, and a writer holding its lock for as long
as it likes does not hold up a search in another connection (WAL lets readers read the last
commit meanwhile)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, ping, read_only
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 60, seed=16)
READS = [
    "/api/pas",
    "/api/pas?q=gardening",
    "/api/pas?q=gardening+cooking&dbs=basic",
    "/api/pas?area=crewe&task=shopping",
    "/healthz",
]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pa_rows.imported_portal(tmp_path_factory.mktemp("read-lock"), ROWS)


@pytest.fixture(scope="module")
def web(portal: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as c:
        yield c


def some_ref(web: PageClient) -> str:
    response = web.get("/api/pas")
    assert response.status_code == 200
    return str(response.json()["results"][0]["ref"])


def reads(web: PageClient) -> list[str]:
    ref = some_ref(web)
    return [*READS, f"/api/pas/{ref}", f"/find-a-pa/{ref}"]


def test_search_and_profile_sql_never_begins_immediate(web: PageClient) -> None:
    engine = web.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.strip().upper())

    paths = reads(web)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for path in paths:
            assert web.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    if not engine.url.get_backend_name().startswith("sqlite"):
        return  # PostgreSQL has no write lock for reads to take
    assert any(s.startswith("SELECT") for s in statements)  # the listener saw the reads
    assert [s for s in statements if s.startswith("BEGIN IMMEDIATE")] == []


def test_a_held_write_lock_does_not_block_a_search(portal: Settings, web: PageClient) -> None:
    if not portal.database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    paths = reads(web)
    before = web.get("/api/pas?q=gardening").json()
    # Another connection takes the write lock and writes, and keeps its transaction open: a
    # read that began IMMEDIATE would wait for it (busy_timeout) and then fail.
    writer = sqlite3.connect(portal.database_url.split("///", 1)[1], isolation_level=None)
    try:
        writer.execute("PRAGMA busy_timeout=0")  # fail at once rather than wait for anyone
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE pas SET about = 'held' WHERE 0")
        for path in paths:
            assert web.get(path).status_code == 200, path
        assert web.get("/api/pas?q=gardening").json() == before
        engine = make_engine(portal.database_url)
        assert ping(engine)
        with read_only(engine) as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM pas").scalar_one() == len(ROWS)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
