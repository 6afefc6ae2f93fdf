"""The PA text index and the bitmap cache: only searchable listings are indexed, and a change to
one PA (paused, withdrawn, erased) shows everywhere at once after `refresh_pa`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from whoosh.query import Term

from pafinder import search as whoosh_store
from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.register import index, search
from pafinder.register.commands import import_file
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.register import pa_rows

ROWS = pa_rows.make_rows(load_content(REAL_CONTENT), 40, seed=13)
PUBLISHED = [r for r in ROWS if r["status"] == "published"]


@pytest.fixture
def portal(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    import_file(settings, pa_rows.write_csv(tmp_path / "pas.csv", ROWS))
    return settings


def indexed_ids(settings: Settings) -> set[int]:
    ix = whoosh_store.open_index(settings.index_dir, index.PAS)
    assert ix is not None
    with ix.searcher() as searcher:
        column = searcher.reader().column_reader("pa_id")
        return {int(column[d]) for d in searcher.reader().all_doc_ids()}


def ids_by_email(settings: Settings) -> dict[str, tuple[int, str]]:
    with make_engine(settings.database_url).connect() as conn:
        rows = conn.execute(text("SELECT email, id, ref FROM pas")).all()
    return {str(e): (int(i), str(r)) for e, i, r in rows}


def test_only_searchable_listings_are_indexed(portal: Settings) -> None:
    ids = ids_by_email(portal)
    assert indexed_ids(portal) == {ids[r["email"]][0] for r in PUBLISHED}
    progress: list[tuple[int, int]] = []
    done = index.rebuild_pa_index(
        make_engine(portal.database_url), portal, lambda d, t: progress.append((d, t))
    )
    assert done == len(PUBLISHED) and progress[0] == (0, done) and progress[-1] == (done, done)
    generations = [p.name for p in portal.index_dir.glob("pas-*")]
    assert len(generations) == 1  # the old generation was swapped out and removed


def test_refresh_removes_and_restores_a_listing_at_once(portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    ids = ids_by_email(portal)
    row = PUBLISHED[0]
    pa_id, ref = ids[row["email"]]
    word = row["about"].split()[0]  # RowN: unique to this listing

    def visible(client: Any) -> dict[str, bool]:
        api = client.get("/api/pas", params={"per_page": 100}).json()
        area = pa_rows.split(row["areas"])[0]
        return {
            "list": ref in [r["ref"] for r in api["results"]],
            "q": bool(client.get("/api/pas", params={"q": word}).json()["total"]),
            "one": client.get(f"/api/pas/{ref}").status_code == 200,
            "page": client.get(f"/find-a-pa/{ref}").status_code == 200,
            "facet": api["facets"]["area"].get(area, 0)
            == sum(area in pa_rows.split(r["areas"]) for r in PUBLISHED),
            "index": pa_id in indexed_ids(portal),
        }

    with PageClient(create_app(portal), base_url="http://127.0.0.1") as client:
        assert all(visible(client).values())
        for change, undo in [
            # TRUE/FALSE: PostgreSQL takes no 1/0 for a boolean (SQLite has both since 3.23).
            (
                "UPDATE pas SET paused = TRUE WHERE id = :i",
                "UPDATE pas SET paused = FALSE WHERE id = :i",
            ),
            (
                "UPDATE pas SET status = 'withdrawn' WHERE id = :i",
                "UPDATE pas SET status = 'published' WHERE id = :i",
            ),
        ]:
            with engine.begin() as conn:
                conn.execute(text(change), {"i": pa_id})
            index.refresh_pa(engine, portal, pa_id)
            assert not any(v for k, v in visible(client).items() if k != "facet"), change
            with engine.begin() as conn:
                conn.execute(text(undo), {"i": pa_id})
            index.refresh_pa(engine, portal, pa_id)
            assert all(visible(client).values()), undo
        # Erased: the row is gone altogether.
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM pas WHERE id = :i"), {"i": pa_id})
        index.refresh_pa(engine, portal, pa_id)
        assert not any(v for k, v in visible(client).items() if k != "facet")


def test_snapshot_is_reused_until_data_changes(portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    first = search.CACHE.snapshot(engine, portal)
    assert search.CACHE.snapshot(engine, portal) is first
    pa_id = ids_by_email(portal)[PUBLISHED[1]["email"]][0]
    index.refresh_pa(engine, portal, pa_id)
    assert search.CACHE.snapshot(engine, portal) is not first


def test_stale_rows_in_the_text_index_never_show(portal: Settings) -> None:
    """Even if a change skipped refresh_pa, results come only from the database's searchable set."""
    engine = make_engine(portal.database_url)
    row = PUBLISHED[2]
    pa_id, ref = ids_by_email(portal)[row["email"]]
    with engine.begin() as conn:
        conn.execute(text("UPDATE pas SET status = 'withdrawn' WHERE id = :i"), {"i": pa_id})
    index.bump_version(portal)  # caches dropped, but the Whoosh document is still there
    ix = whoosh_store.open_index(portal.index_dir, index.PAS)
    assert ix is not None
    with ix.searcher() as s:
        assert s.search(Term("pa", str(pa_id))).scored_length() == 1
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as client:
        body = client.get("/api/pas", params={"q": row["about"].split()[0]}).json()
        assert body["total"] == 0 and body["results"] == []
        assert client.get(f"/api/pas/{ref}").status_code == 404
