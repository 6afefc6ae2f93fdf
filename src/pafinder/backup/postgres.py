"""PostgreSQL: pg_dump (custom format) and pg_restore, run as the server's own version.

Credentials go to the programs through their PG* environment variables, the password through
PGPASSWORD, so nothing secret is on a command line (which `ps` shows every user). The row counts
for the manifest are read in the very snapshot pg_dump copies (pg_export_snapshot + --snapshot),
so they agree with the dump even while the portal writes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, make_url, text

from pafinder.backup.manifest import BackupError
from pafinder.backup.sqlite import quoted

BIN_ROOT = Path("/usr/lib/postgresql")
TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_-]+=*")


def environment(url: str) -> dict[str, str]:
    """The PG* variables that name the database, user and password of ``url``."""
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": parsed.host or str(parsed.query.get("host", "") or ""),
        "PGPORT": str(parsed.port or parsed.query.get("port", "") or ""),
        "PGUSER": parsed.username or "",
        "PGPASSWORD": parsed.password or "",
        "PGDATABASE": parsed.database or "",
        "PGSSLMODE": str(parsed.query.get("sslmode", "") or ""),
    }
    env.update({k: v for k, v in values.items() if v})
    return env


def server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def program(name: str, major: int, root: Path = BIN_ROOT) -> str:
    """The pg_dump or pg_restore for a server of version ``major``: Debian's of that version,
    else the oldest newer one installed (they read older servers), else the one on PATH."""
    installed = sorted(
        (int(p.parent.parent.name), p)
        for p in root.glob(f"*/bin/{name}")
        if p.parent.parent.name.isdigit()
    )
    for version, path in installed:
        if version >= major:
            return str(path)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} for PostgreSQL {major} is not installed (apt-get install postgresql-client)"
        )
    return found


def _run(command: list[str], url: str, what: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(  # noqa: S603 - our own arguments, no shell
        command, env=environment(url), capture_output=True, check=False
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(message[-3:]) or done.returncode}")
    return done


def tables(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
            "ORDER BY table_name"
        )
    )
    return [str(r[0]) for r in rows]


def _count(conn: Connection, table: str) -> int:
    # The name is from information_schema, quoted: never from input.
    return int(conn.execute(text(f"SELECT count(*) FROM {quoted(table)}")).scalar_one())  # noqa: S608


def state(conn: Connection) -> tuple[dict[str, int], list[str]]:
    names = tables(conn)
    counts = {n: _count(conn, n) for n in names}
    revisions = (
        sorted(
            str(r) for r in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )
        if "alembic_version" in counts
        else []
    )
    return counts, revisions


@contextmanager
def _snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            yield conn, snapshot


def dump(engine: Engine, url: str, target: Path) -> tuple[dict[str, int], list[str]]:
    """pg_dump the database into ``target``; the manifest's counts and revisions, read in the
    snapshot the dump copies."""
    with _snapshot(engine) as (conn, snapshot):
        counts, revisions = state(conn)
        pg_dump = program("pg_dump", server_major(conn))
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            url,
            "pg_dump",
        )
    return counts, revisions


def has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        counts, _ = state(conn)
    return any(n for name, n in counts.items() if name != "alembic_version")


def _restore_program(engine: Engine, name: str = "pg_restore") -> str:
    with engine.connect() as conn:
        return program(name, server_major(conn))


def tokens(
    engine: Engine, url: str, dump_file: Path, names: list[str], limit: int = 20
) -> list[str]:
    """Up to ``limit`` encrypted values from the dump's data for tables ``names`` (read with
    pg_restore to standard output: the database is not touched)."""
    selected = [f"--table={n}" for n in names]
    done = _run(
        [_restore_program(engine), "--data-only", *selected, "--file=-", str(dump_file)],
        url,
        "pg_restore (reading the backup)",
    )
    return TOKEN.findall(done.stdout.decode("utf-8", "replace"))[:limit]


def restore(engine: Engine, url: str, dump_file: Path) -> None:
    """Make the database the dump, in one transaction: a failure leaves it as it was.

    pg_restore writes the dump as SQL and psql runs it inside one transaction that first drops
    every table the database has. (pg_restore --clean alone drops only the dump's own tables,
    so a newer release's tables, already made by `pafinder migrate`, would stay, block dropping
    the tables they refer to, and make the migrations that follow fail.) Owners and grants are
    the target's own (--no-owner, --no-privileges), so a backup restores onto another server's
    roles."""
    drops = _drops(engine)
    database = make_url(url).database or ""
    env = environment(url)
    psql = [_restore_program(engine, "psql"), "--no-psqlrc", "--quiet", "--no-password"]
    psql += ["--single-transaction", "--set=ON_ERROR_STOP=1", f"--dbname={database}"]
    if drops:
        psql.append("--command=" + " ".join(drops))
    # pg_restore's complaints go to a file: a pipe nobody reads could fill and stall it.
    with tempfile.TemporaryFile() as read_errors:
        reader = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            [_restore_program(engine), "--no-owner", "--no-privileges", "--file=-", str(dump_file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=read_errors,
        )
        writer = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [*psql, "--file=-"],
            env=env,
            stdin=reader.stdout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if reader.stdout is not None:
            reader.stdout.close()
        reader.wait()
        read_errors.seek(0)
        complaints = read_errors.read()
    # psql first: when it stops on an error, pg_restore fails too, only for want of a reader.
    for code, errors, what in (
        (writer.returncode, writer.stderr, "psql"),
        (reader.returncode, complaints, "pg_restore"),
    ):
        if code != 0:
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            raise BackupError(f"{what} failed, nothing was changed: {' / '.join(lines[-3:])}")


def _drops(engine: Engine) -> list[str]:
    """SQL that drops every table and sequence in the database's schema."""
    with engine.connect() as conn:
        drops = [f"DROP TABLE IF EXISTS {quoted(t)} CASCADE;" for t in tables(conn)]
        drops += [f"DROP SEQUENCE IF EXISTS {quoted(q)} CASCADE;" for q in _sequences(conn)]
    return drops


def _sequences(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()"
        )
    )
    return [str(r[0]) for r in rows]
