"""One pooled engine per PostgreSQL URL, closed on shutdown: an engine per call left its pool's
connections open until garbage collection (dozens of ResourceWarnings on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from pafinder.db import dispose_engine, make_engine
from pafinder.settings import Settings
from tests import databases
from tests.conftest import PageClient, create_app

URL = "postgresql://nobody@127.0.0.1:9/none"  # never connected to: engines connect lazily


def test_one_engine_per_postgresql_url_with_psycopg_3() -> None:
    engine = make_engine(URL)
    try:
        assert make_engine(URL) is engine
        assert make_engine(URL.replace("postgresql:", "postgresql+psycopg:")) is engine
        assert engine.dialect.driver == "psycopg"
    finally:
        dispose_engine(URL)
    assert make_engine(URL) is not engine  # disposed engines are forgotten
    dispose_engine(URL)


def test_sqlite_engines_pool_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert engine.pool.status().startswith("NullPool")


@pytest.mark.skipif(not databases.SERVER_URL, reason="the PostgreSQL run only")
def test_the_app_closes_its_connections_on_shutdown(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").status_code == 200
        assert engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
    assert engine.pool.checkedin() == 0  # type: ignore[attr-defined]
