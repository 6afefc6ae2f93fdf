"""The pafinder command: staff accounts, migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from pafinder.cli import main
from pafinder.db import make_engine
from pafinder.settings import Settings
from pafinder.staff.store import get_by_email
from tests import databases


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PAFINDER_DATA_DIR", str(tmp_path / "var"))
    if url := databases.database_for(tmp_path):  # the PostgreSQL run
        monkeypatch.setenv("PAFINDER_DATABASE_URL", url)
    return Settings.from_env()


def test_staff_add_reads_the_password_from_stdin(env: Settings) -> None:
    result = CliRunner().invoke(
        main,
        ["staff", "add", "Admin@Example.org", "--role", "admin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    member = get_by_email(make_engine(env.database_url), "admin@example.org")
    assert member is not None and member.role == "admin"
    again = CliRunner().invoke(
        main,
        ["staff", "add", "admin@example.org", "--role", "staff"],
        input="a long enough password\n",
    )
    assert again.exit_code == 1 and "already exists" in again.output


def test_staff_add_refuses_a_short_password_and_a_bad_role(env: Settings) -> None:
    short = CliRunner().invoke(
        main, ["staff", "add", "a@example.org", "--role", "staff"], input="short\n"
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    bad_role = CliRunner().invoke(
        main, ["staff", "add", "a@example.org", "--role", "owner"], input="x" * 20
    )
    assert bad_role.exit_code == 2


def test_migrate_creates_the_tables_in_wal_mode(env: Settings) -> None:
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    engine = make_engine(env.database_url)
    assert {"staff", "audit_log", "form_drafts", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    if engine.dialect.name != "sqlite":
        return  # the rest is SQLite's own durability settings
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_purge_drafts_deletes_only_unfinished_forms_older_than_a_day(env: Settings) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from pafinder.db import migrate, utcnow
    from pafinder.web.drafts import form_drafts, load_draft, new_draft

    engine = make_engine(env.database_url)
    migrate(engine)
    old = new_draft(engine, "referral:carers", {"values": {"first_name": "Ada"}})
    fresh = new_draft(engine, "referral:carers", {"values": {"first_name": "Bea"}})
    with engine.begin() as conn:
        conn.execute(
            update(form_drafts)
            .where(form_drafts.c.id == old)
            .values(updated_at=utcnow() - timedelta(hours=25))
        )
    assert load_draft(engine, old, "referral:carers") is None, "expired drafts are never shown"

    result = CliRunner().invoke(main, ["purge-drafts"])

    assert result.exit_code == 0, result.output
    assert "Deleted 1 unfinished form" in result.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(form_drafts)).scalar() == 1
    assert load_draft(engine, fresh, "referral:carers") == {"values": {"first_name": "Bea"}}
