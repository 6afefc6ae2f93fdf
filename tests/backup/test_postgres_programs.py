"""The PostgreSQL side's plumbing, on any database: the password reaches pg_dump and
pg_restore only through PGPASSWORD, never their command line (which `ps` shows to every user),
and the programs are the server's version (or the oldest newer one installed)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from pafinder.backup import postgres

URL = "postgresql+psycopg://pafinder:s3cr%40t-pw@db.internal:5433/portal?sslmode=require"


def test_credentials_go_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "someone-elses")
    calls: list[dict[str, Any]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append({"command": command, **kwargs})
        return subprocess.CompletedProcess(command, 0, b"", b"")

    class FakePopen:
        def __init__(self, command: list[str], **kwargs: Any) -> None:
            calls.append({"command": command, **kwargs})
            self.stdout, self.returncode = None, 0

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(postgres.subprocess, "run", fake_run)
    monkeypatch.setattr(postgres.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(postgres, "_restore_program", lambda engine, name="pg_restore": name)
    monkeypatch.setattr(postgres, "_drops", lambda engine: ['DROP TABLE IF EXISTS "t" CASCADE;'])
    postgres.restore(None, URL, Path("/backups/1/database.pgdump"))  # type: ignore[arg-type]
    reader, writer = calls
    assert reader["command"][0] == "pg_restore" and writer["command"][0] == "psql"
    for call in calls:
        assert not any("s3cr" in part or "pafinder" in part for part in call["command"])
    assert "--dbname=portal" in writer["command"] and "--single-transaction" in writer["command"]
    assert reader["env"] == writer["env"]
    env = writer["env"]
    assert env["PGPASSWORD"] == "s3cr@t-pw"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("db.internal", "5433", "pafinder")
    assert env["PGDATABASE"] == "portal" and env["PGSSLMODE"] == "require"


def test_no_password_means_none_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "someone-elses")
    env = postgres.environment("postgresql+psycopg://postgres@127.0.0.1:5432/portal")
    assert "PGPASSWORD" not in env


def test_the_programs_match_the_server(tmp_path: Path) -> None:
    for version in ("13", "15", "17"):
        program = tmp_path / version / "bin" / "pg_dump"
        program.parent.mkdir(parents=True)
        program.touch()
    assert postgres.program("pg_dump", 15, tmp_path) == str(tmp_path / "15/bin/pg_dump")
    assert postgres.program("pg_dump", 16, tmp_path) == str(tmp_path / "17/bin/pg_dump")
