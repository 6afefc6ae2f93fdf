"""SQLAlchemy Core engine and the shared metadata every feature's tables are declared on.

SQLite is the default: WAL so readers never wait for the writer, foreign keys on, and
synchronous FULL so a referral acknowledged with a 303 survives a power cut or SIGKILL.
Writes take the lock up front (BEGIN IMMEDIATE) so two writers never deadlock on upgrade.
The same code runs on PostgreSQL by setting PAFINDER_DATABASE_URL.
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy.pool import NullPool

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    """Times are stored in UTC (naive in SQLite, so comparisons stay simple)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def private_dir(path: Path) -> None:
    """A folder of personal data (the data dir, the dev outbox) is made owner-only (0700). One
    that exists is left as it is: it may be a shared parent such as /tmp, not ours to change."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it first
            path.mkdir(mode=0o700)
            path.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened


def private_file(path: Path) -> None:
    """Create the SQLite file owner-only (0600) before SQLite opens it: SQLite gives its -wal
    and -shm files the database file's permissions, so they are private too.

    Only when it is missing: closing any descriptor of a file drops every POSIX lock this
    process holds on it, those of its open SQLite connections included (SQLite's "How To
    Corrupt" 2.2). Opening and closing it on every engine lost an acknowledged referral under
    load (make loadtest). chmod takes no descriptor, so it is safe at any time."""
    private_dir(path.parent)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # O_EXCL: never reopen one another made
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    with contextlib.suppress(PermissionError):
        path.chmod(0o600)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            private_file(Path(path))
        # NullPool: a file-backed SQLite connection is cheap, and one per unit of work avoids
        # sharing a connection across uvicorn's threads.
        engine = create_engine(
            url, poolclass=NullPool, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _configure_sqlite(engine)
        return engine
    url = _with_driver(url)
    # One pooled engine per URL for the life of the process: callers ask for an engine per unit
    # of work, and an engine per call would leave its pool's connections open until garbage
    # collection. dispose_engine (app shutdown, a test dropping its database) closes them.
    with _engines_lock:
        cached = _engines.get(url)
        if cached is None:
            cached = _engines[url] = create_engine(url, pool_pre_ping=True)
        return cached


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _with_driver(url: str) -> str:
    """A bare postgresql:// URL means psycopg 3, the driver the package installs (SQLAlchemy's
    default for it, psycopg2, is not installed)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def has_engine(url: str) -> bool:
    """Whether this process holds a pooled engine for ``url`` (always False for SQLite)."""
    with _engines_lock:
        return _with_driver(url) in _engines


def dispose_engine(url: str) -> None:
    """Close every pooled connection to ``url`` (a no-op for SQLite, which pools nothing)."""
    url = _with_driver(url)
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (see _on_begin) instead of the driver's implicit one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A connection marked read-only (see read_only) begins deferred: it never takes the
        # write lock, so a poller reading every second never makes a writer wait.
        deferred = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


READ_ONLY = "pafinder_read_only"


def read_only(engine: Engine) -> Connection:
    """A connection for reads only: on SQLite its transaction is deferred (no write lock); on
    PostgreSQL it is an ordinary connection. Writing through it on SQLite may fail with
    "database is locked" instead of waiting, which is why it is for reads only."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Apply every pending Alembic revision."""
    command.upgrade(alembic_config(engine), "heads")


def ping(engine: Engine) -> bool:
    try:
        with read_only(engine) as conn:  # a health check must not queue behind a writer
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
