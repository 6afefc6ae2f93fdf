"""Databases for the PostgreSQL run of the suite (PAFINDER_TEST_DATABASE set by
scripts/pg_cluster.py): every portal a test builds gets its own fresh database.

Fresh is fast: the migrations run once per pytest process into a template database, and each
portal is a `CREATE DATABASE ... TEMPLATE` copy of it, dropped when its test ends. Names carry
the xdist worker and the process id, so parallel workers never collide. Without the variable
every function here is a no-op and the suite runs on SQLite files.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from pafinder.db import dispose_engine, make_engine, migrate

SERVER_URL = os.environ.get("PAFINDER_TEST_DATABASE", "")
_PREFIX = f"pafinder_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
_TEMPLATE = f"{_PREFIX}_template"

_numbers = itertools.count(1)
_by_base: dict[Path, str] = {}  # a portal's base folder -> its database URL
_created: list[str] = []  # database URLs, oldest first
_snapshots: list[str] = []  # prepared-portal templates (tests.prepared), kept for the session
_template_ready = False


def _admin() -> Engine:
    # NullPool: each statement's connection is closed at once, so nothing is left connected to a
    # database that is about to be copied or dropped.
    return create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _url(name: str) -> str:
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _execute(*statements: str) -> None:
    engine = _admin()
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _ensure_template() -> None:
    global _template_ready
    if _template_ready:
        return
    _execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"', f'CREATE DATABASE "{_TEMPLATE}"')
    migrate(make_engine(_url(_TEMPLATE)))
    dispose_engine(_url(_TEMPLATE))  # a template cannot be copied while anyone is connected
    _template_ready = True


def database_for(base: Path) -> str | None:
    """The database URL for the portal rooted at ``base``: None on SQLite (the default file
    under base/var), else a fresh migrated database, the same one each time for one base."""
    if not SERVER_URL:
        return None
    base = base.resolve()
    if base not in _by_base:
        _ensure_template()
        name = f"{_PREFIX}_{next(_numbers)}"
        _execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"')
        _by_base[base] = _url(name)
        _created.append(_by_base[base])
    return _by_base[base]


def is_fresh_portal(url: str) -> bool:
    """Whether ``url`` is a portal database database_for made (and so may be refilled)."""
    return url in _created


def snapshot_database() -> str:
    """A new migrated database that lasts the session: a prepared portal is made in it once and
    then copied (``refill``) for every portal prepared the same way."""
    _ensure_template()
    name = f"{_PREFIX}_snapshot_{len(_snapshots) + 1}"
    _execute(
        f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"'
    )
    _snapshots.append(_url(name))
    return _snapshots[-1]


def refill(url: str, snapshot_url: str) -> None:
    """Make the database at ``url`` (one of database_for's, untouched) a copy of a snapshot."""
    dispose_engine(snapshot_url)  # a template cannot be copied while anyone is connected
    name, template = make_url(url).database, make_url(snapshot_url).database
    _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def created() -> int:
    return len(_created)


def drop_since(count: int) -> None:
    """Drop the databases created after the first ``count`` (those of the test that just ended),
    closing their pooled connections first."""
    doomed = _created[count:]
    del _created[count:]
    for base, url in list(_by_base.items()):
        if url in doomed:
            del _by_base[base]
    for url in doomed:
        dispose_engine(url)
        name = make_url(url).database
        # FORCE: a server thread or subprocess the test left behind must not keep it alive.
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_all() -> None:
    global _template_ready
    drop_since(0)
    for url in _snapshots:
        dispose_engine(url)
        _execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    _snapshots.clear()
    if _template_ready:
        _execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
        _template_ready = False
