"""Several nodes against one database (issue 12, point 2): each node has its own index and
site/ folders, and the database says what they must reflect. Node A makes a change through the
ordinary code path; node B, running its own app with the sync thread, shows it. The suite runs
this on SQLite (polling) and on PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import func, select

from pafinder.app import create_app
from pafinder.cli import main
from pafinder.db import make_engine, metadata, utcnow
from pafinder.events import publish
from pafinder.nodes import jobs
from pafinder.nodes import store as shared
from pafinder.register import index, lifecycle_store
from pafinder.settings import Settings
from tests import databases
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.events.conftest import add_event
from tests.register.lifecycle_helpers import published_listing

TABLES = ("pa_changes", "generations", "job_leases")


def node(base: Path, database_url: str | None = None, **more: str) -> Settings:
    """One node: its own index, site and data folders; the database given (or a new one)."""
    env = {"database_url": database_url, **more} if database_url else more
    settings = make_settings(base, REAL_CONTENT, **env)
    prepare(settings)
    index.rebuild_pa_index(make_engine(settings.database_url), settings)  # as `reindex` does
    return settings


@pytest.fixture
def two_nodes(tmp_path: Path) -> tuple[Settings, Settings]:
    a = node(tmp_path / "a")
    return a, node(tmp_path / "b", a.database_url)


def eventually(check: Callable[[], bool], within: float = 10.0) -> bool:
    """True as soon as ``check`` holds (the other node's thread does the work), False if it
    has not within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def found(client: PageClient, ref: str) -> bool:
    refs = {r["ref"] for r in client.get("/api/pas").json()["results"]}
    return ref in refs


def test_the_tables_match_their_migration(tmp_path: Path) -> None:
    settings = node(tmp_path)
    with make_engine(settings.database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if any(t in repr(d) for t in TABLES)]
    assert not ours, ours


def test_a_pa_approved_on_one_node_is_found_on_the_other(
    two_nodes: tuple[Settings, Settings],
) -> None:
    a, b = two_nodes
    with PageClient(create_app(b), base_url="http://127.0.0.1") as client_b:
        assert client_b.get("/api/pas").json()["total"] == 0
        ref = published_listing(a)  # approved through node A's store and index
        assert eventually(lambda: found(client_b, ref)), "node B never saw the approval"
        # Text search on B finds it too: B's own Whoosh index was brought up to date.
        assert eventually(lambda: client_b.get("/api/pas?q=caring").json()["total"] == 1)
        lifecycle_store.withdraw(make_engine(a.database_url), a, ref)
        assert eventually(lambda: not found(client_b, ref)), "node B still lists a withdrawn PA"
        assert index.applied(a.index_dir) >= 2
        assert eventually(lambda: index.applied(b.index_dir) == index.applied(a.index_dir))


@pytest.mark.skipif(not databases.SERVER_URL, reason="the PostgreSQL run only")
def test_on_postgresql_a_notify_wakes_the_other_node_long_before_its_next_poll(
    tmp_path: Path,
) -> None:
    """Node B polls once a minute here: seeing the change within seconds means LISTEN woke it."""
    a = node(tmp_path / "a")
    b = node(tmp_path / "b", a.database_url, sync_seconds="60")
    with PageClient(create_app(b), base_url="http://127.0.0.1") as client_b:
        assert client_b.get("/api/pas").json()["total"] == 0
        ref = published_listing(a)
        assert eventually(lambda: found(client_b, ref), within=20), "no NOTIFY reached node B"


def test_catching_up_applies_each_change_once_in_order(
    two_nodes: tuple[Settings, Settings],
) -> None:
    """Without B's thread: B's sync applies what A logged, then has nothing left to do."""
    a, b = two_nodes
    engine = make_engine(a.database_url)
    ref = published_listing(a)
    assert index.sync_pa_index(engine, b) == 1
    assert index.sync_pa_index(engine, b) == 0
    assert index.applied(b.index_dir) == shared.last_pa_change(engine)
    with PageClient(create_app(b), base_url="http://127.0.0.1") as client_b:
        assert found(client_b, ref)


def test_a_node_behind_a_purged_log_or_ahead_of_a_restored_one_rebuilds(
    two_nodes: tuple[Settings, Settings],
) -> None:
    a, b = two_nodes
    engine = make_engine(a.database_url)
    first = published_listing(a, email="one@example.org")
    published_listing(a, email="two@example.org")
    assert shared.purge_pa_changes(engine, keep=1) >= 1  # B has seen none of the purged rows
    assert not shared.pa_changes_since(engine, index.applied(b.index_dir)).complete
    assert index.sync_pa_index(engine, b) == 2  # a full rebuild: both listings indexed
    assert index.applied(b.index_dir) == shared.last_pa_change(engine)
    # A restore to before these changes: B's mark is now ahead of the log.
    with engine.begin() as conn:
        conn.execute(shared.pa_changes.delete())
    assert not shared.pa_changes_since(engine, index.applied(b.index_dir)).complete
    assert index.sync_pa_index(engine, b) == 2
    assert index.applied(b.index_dir) == 0
    with PageClient(create_app(b), base_url="http://127.0.0.1") as client_b:
        assert found(client_b, first)


def test_an_event_published_on_one_node_appears_in_the_other_nodes_site(
    two_nodes: tuple[Settings, Settings],
) -> None:
    a, b = two_nodes
    page = b.site_dir / "events" / "index.html"
    assert "Thursday walking group" not in page.read_text()
    with PageClient(create_app(b), base_url="http://127.0.0.1"):
        add_event(a, title="Thursday walking group")
        from pafinder.content import load_content

        publish.publish(make_engine(a.database_url), a, load_content(a.content_dir))
        assert eventually(lambda: "Thursday walking group" in page.read_text())
    assert shared.generation(make_engine(a.database_url), shared.EVENTS) == 1


def test_catching_up_the_events_pages_renders_only_when_behind(
    two_nodes: tuple[Settings, Settings],
) -> None:
    from pafinder.content import load_content

    a, b = two_nodes
    engine = make_engine(a.database_url)
    content = load_content(b.content_dir)
    assert not publish.catch_up(engine, b, content)  # nothing published anywhere yet
    publish.publish(engine, a, load_content(a.content_dir))
    assert not publish.catch_up(engine, a, content), "the publisher is already up to date"
    assert publish.catch_up(engine, b, content)
    assert not publish.catch_up(engine, b, content)


# --- Scheduled commands on every node at once -------------------------------------------------


def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name, value in {
        "DATA_DIR": str(settings.data_dir),
        "SECRET_KEY": str(settings.secret_key),
        "DATABASE_URL": settings.database_url,
        "CONTENT_DIR": str(settings.content_dir),
        "SITE_DIR": str(settings.site_dir),
        "INDEX_DIR": str(settings.index_dir),
    }.items():
        monkeypatch.setenv(f"PAFINDER_{name}", value)


def test_a_scheduled_command_does_nothing_while_another_node_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = node(tmp_path)
    cli_env(monkeypatch, settings)
    engine = make_engine(settings.database_url)
    with jobs.lease(engine, "publish-events", jobs.DAILY_LEASE) as mine:
        assert mine
        busy = CliRunner().invoke(main, ["publish-events"])
        assert busy.exit_code == 0, busy.output
        assert "already running on" in busy.output
        assert shared.generation(engine, shared.EVENTS) == 0, "it published anyway"
    done = CliRunner().invoke(main, ["publish-events"])
    assert done.exit_code == 0, done.output
    assert "already running" not in done.output
    assert shared.generation(engine, shared.EVENTS) == 1
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(shared.job_leases)).scalar_one()
    assert left == 0, "the lease was not given back"


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(tmp_path: Path) -> None:
    settings = node(tmp_path)
    engine = make_engine(settings.database_url)
    assert jobs.take(engine, "send-mail", "node-a", timedelta(minutes=10))
    assert not jobs.take(engine, "send-mail", "node-b", timedelta(minutes=10))
    with engine.begin() as conn:  # node A died holding it, long enough ago
        conn.execute(shared.job_leases.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert jobs.take(engine, "send-mail", "node-b", timedelta(minutes=10))
    assert jobs.current_holder(engine, "send-mail") == "node-b"
    jobs.give_back(engine, "send-mail", "node-a")  # A's late give-back leaves B's lease alone
    assert jobs.current_holder(engine, "send-mail") == "node-b"


def test_many_nodes_asking_at_once_give_the_lease_to_exactly_one(tmp_path: Path) -> None:
    settings = node(tmp_path)
    engine = make_engine(settings.database_url)
    start = threading.Barrier(6)
    won: list[bool] = []

    def ask(name: str) -> None:
        start.wait()
        won.append(jobs.take(engine, "purge", name, jobs.DAILY_LEASE))

    threads = [threading.Thread(target=ask, args=(f"node-{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 5 + [True]


def test_every_scheduled_command_takes_a_lease() -> None:
    scheduled = set(jobs.SCHEDULED)
    assert {"send-mail", "pa-freshness", "send-digest", "purge", "purge-drafts"} <= scheduled
    for name in scheduled:
        callback: Any = main.commands[name].callback
        assert callback.__wrapped__ is not None, f"{name} runs without its lease"
