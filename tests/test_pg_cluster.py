"""scripts/pg_cluster.py: a throwaway PostgreSQL cluster for one command, stopped and removed
afterwards even when the command fails, with the command's exit code passed through."""

from __future__ import annotations

import glob
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import os, pathlib, sys
import psycopg
url = os.environ["PAFINDER_TEST_DATABASE"].replace("+psycopg", "")
with psycopg.connect(url) as conn:
    assert conn.execute("SELECT 1").fetchone() == (1,)
print(url)
port = url.rsplit(":", 1)[1].split("/")[0]
print(next(pathlib.Path("/tmp").glob(f"pafinder-pg-*/.s.PGSQL.{port}"), ""))  # its socket
sys.exit(3)  # a failing test run
"""

pytestmark = pytest.mark.skipif(
    not glob.glob("/usr/lib/postgresql/*/bin/initdb"), reason="Debian's postgresql is installed"
)


def test_the_cluster_runs_for_the_command_and_is_gone_after_it_fails() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/pg_cluster.py", "--", sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    url, socket = done.stdout.splitlines()[:2]
    assert url.startswith("postgresql://postgres@127.0.0.1:")
    assert socket and not Path(socket).parent.exists(), "its folder is removed"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)  # stopped
