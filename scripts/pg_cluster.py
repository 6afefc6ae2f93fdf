"""Run a command against a throwaway PostgreSQL cluster.

    python scripts/pg_cluster.py -- python -m pytest ...

Starts Debian's PostgreSQL (`make test` installs the package when missing) in a temporary folder
on a free loopback port, gives the command its URL as PAFINDER_TEST_DATABASE, then stops the
server and removes the folder, also when the command fails or the run is interrupted. Exits with
the command's exit code.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

BIN_GLOB = "/usr/lib/postgresql/*/bin"
# Speed over durability: the cluster lives for one test run.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=300"
)


def postgres_bin() -> Path:
    found = sorted(Path("/").glob(BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name))
    if not found:
        raise SystemExit(
            "PostgreSQL is not installed: run `make test-postgres`, or "
            "`apt-get update && apt-get install -y postgresql`"
        )
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(command: Sequence[str]) -> int:
    """Run a PostgreSQL program; initdb and postgres refuse root, so as Debian's `postgres` user
    then. Returns its exit code."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL)  # noqa: S603 - ours
    return done.returncode


@contextmanager
def cluster() -> Iterator[str]:
    """A running cluster for the length of the block; yields its SQLAlchemy URL."""
    bindir = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="pafinder-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, log = folder / "data", folder / "server.log"
    pg_ctl = str(bindir / "pg_ctl")
    started = False
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        if _as_owner([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"]):
            raise SystemExit("initdb failed")
        for _attempt in range(3):  # another process may take the free port before we do
            port = free_port()
            options = f"-p {port} -k {folder} {SERVER_OPTIONS}"
            start = [pg_ctl, "start", "-w", "-t", "60", "-D", str(data), "-l", str(log)]
            if _as_owner([*start, "-o", options]) == 0:
                started = True
                break
        if not started:
            raise SystemExit(f"PostgreSQL did not start:\n{log.read_text(errors='replace')}")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            stop = [pg_ctl, "stop", "-w", "-t", "60", "-m", "fast", "-D", str(data)]
            _as_owner(stop)
        shutil.rmtree(folder, ignore_errors=True)


def _stop_on_term(_signum: int, _frame: FrameType | None) -> None:
    # A CI timeout sends SIGTERM: unwind through the finally blocks so the server stops too.
    raise SystemExit(128 + signal.SIGTERM)


def main(argv: Sequence[str]) -> int:
    command = list(argv[1:] if argv[:1] == ["--"] else argv)
    if not command:
        print(__doc__)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_term)
    began = time.monotonic()
    with cluster() as url:
        env = {**os.environ, "PAFINDER_TEST_DATABASE": url}
        code = subprocess.run(command, env=env, check=False).returncode  # noqa: S603
    print(f"PostgreSQL run: {time.monotonic() - began:.0f} s, exit code {code}", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
