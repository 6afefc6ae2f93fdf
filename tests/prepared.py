"""Prepared portals, made once and copied: what `pafinder build` leaves (a migrated database,
site/ and the pages index) is the same for every fresh portal with the same content and settings,
and making it took two to three seconds of every test that needs a portal (most of the suite's
time). The first portal of each kind is prepared for real into a snapshot; later ones are copies.

Only an untouched portal is copied: a SQLite file that does not exist yet, or a PostgreSQL
database nobody in this process has opened an engine on. Anything seeded before `prepare` is
prepared for real. The copy is checked byte for byte against a real build in
tests/test_prepared.py.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from tempfile import mkdtemp

from sqlalchemy import make_url

from pafinder import db
from pafinder.settings import Settings
from tests import databases

_snapshots: dict[str, Settings] = {}
_PLACEHOLDER = Path("/prepared")


def _content_fingerprint(content_dir: Path) -> str:
    """Every content file's path, size and modification time: a test that edits content gets a
    portal of its own."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(content_dir):
        dirs.sort()
        for name in sorted(files):
            stat = (Path(root) / name).stat()
            digest.update(f"{root}/{name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _key(settings: Settings) -> str:
    # Everything but where this portal's files live, and where it sends mail and keeps rate
    # counts (a test's own SMTP server is on a port of its own), says what its build holds.
    general = dataclasses.replace(
        settings,
        smtp_url=None,
        redis_url=None,
        data_dir=_PLACEHOLDER,
        site_dir=_PLACEHOLDER,
        index_dir=_PLACEHOLDER,
        database_url=make_url(settings.database_url).get_backend_name(),
    )
    return f"{general!r}|{_content_fingerprint(settings.content_dir)}"


def _sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "")


def _untouched(settings: Settings) -> bool:
    if settings.site_dir.exists() or settings.index_dir.exists():
        return False
    path = _sqlite_path(settings)
    if path is not None:
        return str(path) not in ("", ":memory:") and not path.exists()
    url = settings.database_url
    return databases.is_fresh_portal(url) and not db.has_engine(url)


def _snapshot(settings: Settings, prepare: Callable[[Settings], None]) -> Settings:
    base = Path(mkdtemp(prefix="pafinder-prepared-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    where = dataclasses.replace(
        settings,
        data_dir=base / "var",
        site_dir=base / "site",
        index_dir=base / "search_index",
        database_url=(
            f"sqlite:///{base / 'var' / 'pafinder.db'}"
            if _sqlite_path(settings) is not None
            else databases.snapshot_database()
        ),
    )
    prepare(where)
    db.dispose_engine(where.database_url)
    if (path := _sqlite_path(where)) is not None:
        # Everything into the main file, so copying that one file copies the whole database.
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return where


def prepare_copy(settings: Settings, prepare: Callable[[Settings], None]) -> None:
    """Prepare ``settings``'s portal as ``prepare`` would, from a snapshot when it is untouched."""
    if not _untouched(settings):
        prepare(settings)
        return
    key = _key(settings)
    snapshot = _snapshots.get(key)
    if snapshot is None:
        snapshot = _snapshots[key] = _snapshot(settings, prepare)
    shutil.copytree(snapshot.site_dir, settings.site_dir)
    shutil.copytree(snapshot.index_dir, settings.index_dir)
    path = _sqlite_path(settings)
    if path is not None:
        db.private_file(path)  # owner-only, in an owner-only folder, as the app makes it
        shutil.copyfile(_sqlite_path(snapshot) or "", path)
    else:
        databases.refill(settings.database_url, snapshot.database_url)
