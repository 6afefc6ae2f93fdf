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


def test_making_an_engine_never_drops_the_locks_this_process_holds_on_the_file(
    tmp_path: Path,
) -> None:
    """SQLite's locks are POSIX locks, and closing any descriptor of the file drops all of this
    process's locks on it. make_engine once opened and closed the file every time, which under
    load let another worker write over a transaction in flight (make loadtest lost an
    acknowledged referral). Here a lock is held the way SQLite holds one, an engine is made,
    and another process must still find the file locked."""
    import fcntl
    import subprocess
    import sys

    path = tmp_path / "locks.db"
    url = f"sqlite:///{path}"
    make_engine(url)  # creates the file
    with path.open("r+b") as held:
        fcntl.lockf(held, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
        make_engine(url)
        make_engine(url)
        probe = (
            "import fcntl, sys\n"
            f"f = open({str(path)!r}, 'r+b')\n"
            "try:\n"
            "    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)\n"
            "except OSError:\n"
            "    sys.exit(3)\n"
        )
        other = subprocess.run([sys.executable, "-c", probe], check=False)
        assert other.returncode == 3, "the lock was dropped by making an engine"
