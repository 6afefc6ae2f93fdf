"""`pafinder staff add --service`, `list`, `unlock` and `reset-password` (CONTRACT "Staff back
office"), each against a real database and a real signed-in session where it matters."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from pafinder.staff import signin
from pafinder.staff import store as staff_store
from tests import databases
from tests.conftest import REAL_CONTENT, STAFF_PASSWORD, PageClient, sign_in

NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PAFINDER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PAFINDER_CONTENT_DIR", str(REAL_CONTENT))
    if url := databases.database_for(tmp_path):  # the PostgreSQL run
        monkeypatch.setenv("PAFINDER_DATABASE_URL", url)
    return Settings.from_env()


def run(*args: str, password: str = STAFF_PASSWORD) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=password + "\n")
    return result.exit_code, result.output


def test_add_with_services_repeats_and_refuses_unknown_ones(env: Settings) -> None:
    engine = make_engine(env.database_url)
    code, output = run(
        "staff", "add", "c@example.org", "--role", "staff",
        "--service", "carers", "--service", "mentoring",
    )  # fmt: skip
    assert code == 0, output
    member = staff_store.get_by_email(engine, "c@example.org")
    assert member is not None and member.services == {"carers", "mentoring"}
    assert member.may_see("carers") and not member.may_see("peer-support-recovery")

    code, output = run("staff", "add", "x@example.org", "--role", "staff", "--service", "carer")
    assert code == 1 and "No such service: carer" in output
    assert staff_store.get_by_email(engine, "x@example.org") is None

    code, output = run("staff", "add", "all@example.org", "--role", "staff")
    assert code == 0, output
    everyone = staff_store.get_by_email(engine, "all@example.org")
    assert everyone is not None and everyone.visible_services is None


def test_list_shows_role_services_and_state(env: Settings) -> None:
    run("staff", "add", "a@example.org", "--role", "admin")
    run("staff", "add", "c@example.org", "--role", "staff", "--service", "carers")
    run("staff", "add", "gone@example.org", "--role", "staff")
    run("staff", "disable", "gone@example.org")
    code, output = run("staff", "list")
    assert code == 0, output
    lines = {line.split()[1]: line for line in output.splitlines() if "@example.org" in line}
    assert "admin" in lines["a@example.org"] and "all" in lines["a@example.org"]
    assert "carers" in lines["c@example.org"] and "active" in lines["c@example.org"]
    assert "disabled" in lines["gone@example.org"]
    assert "never" in lines["c@example.org"]


def test_unlock_lifts_a_sign_in_pause(env: Settings) -> None:
    run("staff", "add", "c@example.org", "--role", "staff")
    engine = make_engine(env.database_url)
    key = signin.account_key("c@example.org")
    with engine.begin() as conn:
        for _ in range(staff_store.ACCOUNT_FAILURES):
            staff_store.note_failure(conn, key, staff_store.ACCOUNT_FAILURES, utcnow())
    assert staff_store.is_throttled(engine, key)
    _, listed = run("staff", "list")
    assert "paused" in listed

    code, output = run("staff", "unlock", "C@example.org")
    assert code == 0 and "can sign in again" in output
    assert not staff_store.is_throttled(engine, key)
    with PageClient(create_app(env), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "c@example.org").headers["location"] == "/staff/"
    assert run("staff", "unlock", "nobody@example.org")[0] == 1


def test_reset_password_ends_open_sessions_and_the_old_password(env: Settings) -> None:
    run("staff", "add", "c@example.org", "--role", "staff")
    with PageClient(create_app(env), base_url="http://127.0.0.1") as client:
        sign_in(client, "c@example.org")
        assert client.get("/staff/", follow_redirects=False).status_code == 200

        code, output = run("staff", "reset-password", "c@example.org", password=NEW_PASSWORD)
        assert code == 0, output
        # The session signed in with the old password stops working at once.
        assert client.get("/staff/", follow_redirects=False).status_code == 303
        assert sign_in(client, "c@example.org").status_code == 400
        assert sign_in(client, "c@example.org", NEW_PASSWORD).status_code == 303

    assert run("staff", "reset-password", "c@example.org", password="short")[0] == 1
    assert run("staff", "reset-password", "nobody@example.org")[0] == 1
