"""SQLite: copies through the online backup API, safe while the portal reads and writes.

A backup is one step of ``Connection.backup`` (pages=-1): it reads one consistent snapshot,
and under WAL the portal's writers carry on meanwhile. A restore checks the copy in a temporary
file first, then copies it into the live file with the backup API too, in one write
transaction: a reader sees the old database or the new, never half, and SQLite keeps the -wal
and -shm files right (renaming a file over a WAL database could pair it with the old log).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from pafinder.backup.manifest import BackupError
from pafinder.db import private_file


def database_path(url: str) -> Path:
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(path)


@contextlib.contextmanager
def _open(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    # isolation_level=None: no implicit transactions; the timeout waits out a busy writer.
    # Read-only for a file in a backup folder: reading it must never change it.
    target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    try:
        conn = sqlite3.connect(target, timeout=30, isolation_level=None, uri=read_only)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None
    try:
        yield conn
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: {exc}") from None
    finally:
        conn.close()


def dump(url: str, target: Path) -> None:
    source = database_path(url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    _private(target)
    with _open(source) as src, _open(target) as dst:
        src.backup(dst, pages=-1)
        # The copy is complete on its own: no -wal beside it to lose on the way to storage.
        dst.execute("PRAGMA journal_mode=DELETE")


def _private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def state(path: Path) -> tuple[dict[str, int], list[str]]:
    """(row count per table, alembic revisions) of the database file at ``path``."""
    with _open(path) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        ]
        counts = {n: _count(conn, n) for n in names}
        revisions = (
            sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
            if "alembic_version" in counts
            else []
        )
    return counts, revisions


def quoted(name: str) -> str:
    """An SQL identifier, quoted (names come from the database's catalogue, never from input)."""
    return '"' + name.replace('"', '""') + '"'


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()[0])  # noqa: S608


def tokens(path: Path, tables: dict[str, tuple[str, ...]], limit: int = 20) -> list[str]:
    """Up to ``limit`` encrypted values (Fernet tokens) from the named columns."""
    found: list[str] = []
    with _open(path, read_only=True) as conn:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        for table, columns in tables.items():
            if table not in present:
                continue
            for column in columns:
                name, col = quoted(table), quoted(column)
                rows = conn.execute(
                    f"SELECT {col} FROM {name} WHERE {col} LIKE ? LIMIT ?",  # noqa: S608 - quoted names
                    ("gAAAAA%", limit - len(found)),
                )
                found += [str(r[0]) for r in rows]
                if len(found) >= limit:
                    return found
    return found


def has_data(url: str) -> bool:
    path = database_path(url)
    if not path.is_file():
        return False
    counts, _ = state(path)
    return any(n for name, n in counts.items() if name != "alembic_version")


def restore(dump_file: Path, url: str, expected: dict[str, int]) -> None:
    """Copy ``dump_file`` (already checked against its checksum) into the database at ``url``,
    after proving the copy opens, passes SQLite's integrity check and holds the rows the
    manifest counted. Raises BackupError before touching the database when any of that fails."""
    target = database_path(url)
    private_file(target)  # a new database file is owner-only from the start
    temporary = target.parent / f".{target.name}.restore-{secrets.token_hex(6)}"
    try:
        _private(temporary)
        shutil.copyfile(dump_file, temporary)
        with _open(temporary) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the backup's database fails SQLite's integrity check: {verdict}")
        counts, _ = state(temporary)
        if counts != expected:
            raise BackupError(
                f"the backup's database does not hold what its manifest counted: "
                f"{differences(expected, counts)}"
            )
        with _open(temporary) as src, _open(target) as dst:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=WAL")
    finally:
        for leftover in (temporary, Path(f"{temporary}-journal")):
            leftover.unlink(missing_ok=True)


def differences(expected: dict[str, int], found: dict[str, int]) -> str:
    names = sorted(set(expected) | set(found))
    return ", ".join(
        f"{n}: {expected.get(n, 'absent')} expected, {found.get(n, 'absent')} found"
        for n in names
        if expected.get(n) != found.get(n)
    )
