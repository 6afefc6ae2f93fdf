"""The PA register's day counters for the quarterly return: a search counts once (page 1 of the
HTML page only), a contact counts with its message (double submits once), days are London days,
a new day's row survives two writers, and the totals and listing figures add up over a range."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text, update

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, metadata, utcnow
from pafinder.register import activity
from pafinder.register.activity import activity_totals, listing_figures, register_activity
from pafinder.register.commands import import_file
from pafinder.register.tables import pas
from pafinder.settings import Settings
from pafinder.workdays import london_date
from tests.conftest import REAL_CONTENT, Inbox, PageClient, make_settings, prepare
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
# More than one page of results (20 a page), all published, so page 2 exists.
ROWS = [dict(r, status="published") for r in pa_rows.make_rows(CONTENT, 25, seed=11)]


@pytest.fixture
def smtp_portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient]]:
    url, _inbox = smtp
    settings = make_settings(tmp_path, REAL_CONTENT, smtp_url=url)
    prepare(settings)
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", ROWS))
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, client


def engine_of(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def today(settings: Settings) -> dict[str, int]:
    day = london_date(utcnow())
    return activity_totals(engine_of(settings), day, day)


def test_the_table_matches_its_migration(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    prepare(settings)
    engine = engine_of(settings)
    columns = {c["name"]: c for c in inspect(engine).get_columns("register_activity")}
    assert set(columns) == {"day", "kind", "count"}
    assert inspect(engine).get_pk_constraint("register_activity")["constrained_columns"] == [
        "day",
        "kind",
    ]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if "register_activity" in repr(d)]
    assert not ours, ours


def test_a_search_counts_once_on_page_one_of_the_html_page_only(smtp_portal: Any) -> None:
    settings, client = smtp_portal
    assert today(settings) == {"searches": 0, "contacts": 0}
    assert client.get("/find-a-pa").status_code == 200  # no filters
    assert today(settings)["searches"] == 1
    assert client.get("/find-a-pa", params={"area": "crewe", "q": "cook"}).status_code == 200
    assert today(settings)["searches"] == 2
    # Nothing found is still a search made.
    assert client.get("/find-a-pa", params={"q": "zzzzqqqq"}).status_code == 200
    assert today(settings)["searches"] == 3

    page_two = client.get("/find-a-pa", params={"page": "2"})
    assert page_two.status_code == 200 and 'aria-current="page"' in page_two.text
    assert client.get("/api/pas").status_code == 200
    assert client.get("/api/pas", params={"area": "crewe"}).status_code == 200
    assert client.get("/find-a-pa", params={"area": "atlantis", "dbs": "gold"}).status_code == 400
    assert client.get("/api/pas", params={"dbs": "gold"}).status_code == 400
    assert today(settings)["searches"] == 3


def test_a_failing_counter_never_fails_the_search_page(
    smtp_portal: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings, client = smtp_portal

    def broken(*_args: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(activity, "count", broken)
    with caplog.at_level(logging.ERROR, logger="pafinder.register.activity"):
        response = client.get("/find-a-pa", params={"q": "cook"})
    assert response.status_code == 200 and "personal assistant" in response.text
    assert "could not count a PA register search" in caplog.text
    assert "cook" not in caplog.text  # the search words never reach the log
    assert today(settings)["searches"] == 0


def send(client: PageClient, ref: str, message: str) -> Any:
    token = client.csrf(f"/find-a-pa/{ref}/contact")
    data = {"name": "Sam Employer", "email": "sam@example.com", "phone": "", "message": message}
    return client.post(
        f"/find-a-pa/{ref}/contact", data={**data, "csrftoken": token}, follow_redirects=False
    )


def test_a_contact_counts_with_its_message_and_a_double_submit_once(smtp_portal: Any) -> None:
    settings, client = smtp_portal
    with engine_of(settings).connect() as conn:
        first, second = conn.execute(select(pas.c.ref).order_by(pas.c.id).limit(2)).scalars()
    assert send(client, first, "Are you free on Tuesdays?").status_code == 303
    assert send(client, first, "Are you free on Tuesdays?").status_code == 303  # double submit
    assert today(settings)["contacts"] == 1
    assert send(client, second, "Could you help with shopping?").status_code == 303
    # A refused message (an error re-shown) records nothing and counts nothing.
    assert send(client, second, "").status_code == 400
    with engine_of(settings).connect() as conn:
        recorded = conn.execute(text("SELECT count(*) FROM pa_contacts")).scalar_one()
    assert recorded == 2 and today(settings)["contacts"] == 2
    # The counter outlives the messages' 90-day purge: it holds no personal data.
    with engine_of(settings).begin() as conn:
        conn.execute(text("DELETE FROM pa_contacts"))
    assert today(settings)["contacts"] == 2


def test_counts_fall_on_the_london_day(settings: Settings) -> None:
    engine = engine_of(settings)
    with engine.begin() as conn:
        activity.count(conn, "search", datetime(2026, 7, 1, 23, 30))  # 00:30 BST on 2 July
        activity.count(conn, "search", datetime(2026, 6, 30, 22, 59))  # 23:59 BST on 30 June
        activity.count(conn, "contact", datetime(2026, 12, 1, 23, 30))  # GMT: still 1 December
        activity.count(conn, "contact", datetime(2026, 3, 29, 0, 30))  # clocks go forward at 01:00
    assert activity_totals(engine, date(2026, 7, 2), date(2026, 7, 2))["searches"] == 1
    assert activity_totals(engine, date(2026, 7, 1), date(2026, 7, 1))["searches"] == 0
    assert activity_totals(engine, date(2026, 6, 30), date(2026, 6, 30))["searches"] == 1
    assert activity_totals(engine, date(2026, 12, 1), date(2026, 12, 1))["contacts"] == 1
    assert activity_totals(engine, date(2026, 3, 29), date(2026, 3, 29))["contacts"] == 1
    with engine.connect() as conn:
        days = set(conn.execute(select(register_activity.c.day)).scalars())
    assert days == {date(2026, 7, 2), date(2026, 6, 30), date(2026, 12, 1), date(2026, 3, 29)}


def test_two_connections_counting_on_a_new_day_give_two(settings: Settings) -> None:
    engine = engine_of(settings)
    when = datetime(2026, 11, 5, 10, 0)
    with engine.begin() as one:
        activity.count(one, "search", when)
    with engine.begin() as two:
        activity.count(two, "search", when)
    assert activity_totals(engine, date(2026, 11, 5), date(2026, 11, 5))["searches"] == 2


def test_losing_the_race_to_insert_adds_to_the_winners_row_and_keeps_the_transaction(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other writer inserted the day's row after our UPDATE found none: our INSERT fails on
    the primary key inside its savepoint, and the caller's own writes still commit."""
    engine = engine_of(settings)
    day = date(2026, 11, 6)
    with engine.begin() as winner:
        winner.execute(register_activity.insert().values(day=day, kind="contact", count=1))
    real = activity._add_one
    calls: list[int] = []

    def first_misses(conn: Any, on: date, kind: Any) -> bool:
        calls.append(1)
        return False if len(calls) == 1 else real(conn, on, kind)

    monkeypatch.setattr(activity, "_add_one", first_misses)
    with engine.begin() as conn:
        conn.execute(
            register_activity.insert().values(day=date(2026, 1, 1), kind="search", count=7)
        )
        activity.count(conn, "contact", datetime(2026, 11, 6, 12, 0))
    assert len(calls) == 2
    assert activity_totals(engine, day, day)["contacts"] == 2
    assert activity_totals(engine, date(2026, 1, 1), date(2026, 1, 1))["searches"] == 7


def test_an_unknown_kind_is_refused(settings: Settings) -> None:
    with engine_of(settings).begin() as conn, pytest.raises(ValueError):
        unknown: Any = "visit"
        activity.count(conn, unknown, utcnow())


def test_activity_totals_add_up_over_the_days_both_included(settings: Settings) -> None:
    engine = engine_of(settings)
    counts = {  # London day -> (searches, contacts)
        date(2026, 3, 31): (4, 1),  # the day before the quarter
        date(2026, 4, 1): (3, 0),
        date(2026, 5, 15): (2, 2),
        date(2026, 6, 30): (1, 1),
        date(2026, 7, 1): (9, 9),  # the day after
    }
    with engine.begin() as conn:
        for day, (searches, contacts) in counts.items():
            noon = datetime.combine(day, datetime.min.time()) + timedelta(hours=11)
            for _ in range(searches):
                activity.count(conn, "search", noon)
            for _ in range(contacts):
                activity.count(conn, "contact", noon)
    quarter = activity_totals(engine, date(2026, 4, 1), date(2026, 6, 30))
    assert quarter == {"searches": 6, "contacts": 3}
    assert activity_totals(engine, date(2025, 1, 1), date(2025, 12, 31)) == {
        "searches": 0,
        "contacts": 0,
    }


def test_listing_figures_count_active_new_and_dbs_checked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", ROWS[:8]))
    engine = engine_of(settings)
    now = utcnow()
    fresh, stale = now - timedelta(days=5), now - timedelta(days=200)
    in_q = datetime(2026, 5, 10, 9)  # in the quarter April-June 2026
    bst_edge = datetime(2026, 6, 30, 23, 30)  # 1 July in London: outside
    start_edge = datetime(2026, 3, 31, 23, 30)  # 1 April in London: inside
    before = datetime(2026, 1, 10, 9)
    listings = [  # status, paused, dbs_checked, published_at, confirmed_at
        ("published", False, True, in_q, fresh),  # active, checked, new
        ("published", False, False, start_edge, fresh),  # active, new
        ("published", False, True, before, fresh),  # active, checked
        ("published", True, True, in_q, fresh),  # paused: not active; new
        ("published", False, True, before, stale),  # out of search (not re-confirmed)
        ("withdrawn", False, True, in_q, fresh),  # withdrawn: not active; first published: new
        ("pending", False, False, None, None),  # never published
        ("published", False, False, bst_edge, fresh),  # active; published in July
    ]
    with engine.begin() as conn:
        ids = list(conn.execute(select(pas.c.id).order_by(pas.c.id)).scalars())
        for pa_id, (status, paused, checked, published, confirmed) in zip(
            ids, listings, strict=True
        ):
            conn.execute(
                update(pas)
                .where(pas.c.id == pa_id)
                .values(
                    status=status,
                    paused=paused,
                    dbs_checked=checked,
                    published_at=published,
                    confirmed_at=confirmed,
                )
            )
    figures = listing_figures(engine, date(2026, 4, 1), date(2026, 6, 30), now=now)
    assert figures == {"active": 4, "new": 4, "dbs_checked": 2}
    # "active" is what the public search shows now, by its own count.
    from pafinder.register import store

    assert figures["active"] == store.count_searchable(engine, now)
    assert listing_figures(engine, date(2026, 7, 1), date(2026, 7, 1), now=now)["new"] == 1
    assert listing_figures(engine, date(2025, 1, 1), date(2025, 1, 2), now=now)["new"] == 0
