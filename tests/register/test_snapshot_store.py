"""Issue 16, goal 4: the PA bitmaps saved beside the index (register/snapshot_store.py). A loaded
snapshot gives the same answers as a built one; a stale, corrupt or foreign file is ignored and
rebuilt; a PA change after the save is still seen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import text

from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.register import index, search, snapshot_store
from pafinder.register.models import parse_search_params
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, make_settings
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 90, seed=21)
# Real sectors, one the table cannot know, and none: sector_of holds both kinds of gap.
POSTCODES = ["SK11 6AB", "SK10 1AA", "CW12 1AB", "CW1 2AB", "WA16 6AA", "CW99 9AB", ""]
for _i, _row in enumerate(ROWS):
    _row["postcode"] = POSTCODES[_i % len(POSTCODES)]
SEARCHES = [
    [],
    [("area", "crewe"), ("area", "macclesfield")],
    [("task", "shopping"), ("dbs", "standard")],
    [("gender", "female"), ("language", "english"), ("driving", "yes")],
    [("availability", "mon-am"), ("hours", "10"), ("own_car", "yes")],
    [("postcode", "CW1 2AB")],
    [("postcode", "SK11 6AB"), ("within", "10"), ("non_smoker", "yes")],
    [("q", "swimming")],
    [("q", "baking"), ("area", "crewe"), ("page", "2"), ("per_page", "10")],
]
FIELDS = ("key", "pa_ids", "values", "flags", "at_least", "confirmed", "by_confirmed",
          "everyone", "hours", "sectors", "sector_of", "located", "short")  # fmt: skip


@pytest.fixture
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pa_rows.imported_portal(tmp_path_factory.mktemp("snapshot"), ROWS)


def key_of(settings: Settings) -> tuple[str | None, str]:
    from pafinder import search as whoosh_store

    return (
        whoosh_store.current_generation(settings.index_dir, index.PAS),
        index.data_version(settings.index_dir),
    )


def answers(settings: Settings) -> list[Any]:
    engine = make_engine(settings.database_url)
    return [search.search(engine, settings, parse_search_params(p, CONTENT)) for p in SEARCHES]


def no_build(*args: Any) -> Any:
    raise AssertionError("built, not loaded")


def test_a_loaded_snapshot_equals_the_built_one(portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    key = key_of(portal)
    built = search.build_snapshot(engine, key)
    assert len(built.pa_ids) > 50 and built.sectors
    assert snapshot_store.save(portal, built)
    loaded = snapshot_store.load(portal, key)
    assert loaded is not None
    for name in FIELDS:
        assert getattr(loaded, name) == getattr(built, name), name
    # Every bitmap, one by one (== on the dicts above already compares them; this names one).
    for group, values in built.values.items():
        for slug, bitmap in values.items():
            assert loaded.values[group][slug] == bitmap, (group, slug)


def test_searches_give_the_same_answers_loaded_or_built(
    portal: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot_store.path(portal).unlink(missing_ok=True)
    search.CACHE.invalidate()
    built = answers(portal)  # built, and saved beside the index
    assert snapshot_store.path(portal).is_file()
    assert built[0].total > 50 and built[1].total and built[7].total
    search.CACHE.invalidate()  # as a new worker: nothing in memory
    monkeypatch.setattr(search, "build_snapshot", no_build)
    assert answers(portal) == built


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-40] + bytes(40),  # bitmaps overwritten
        lambda data: b"garbage",
        lambda data: b"",
        lambda data: data[:30] + b"\xff" * 4 + data[34:],  # the header's length
        lambda data: data.replace(b'"count":', b'"count":1', 1),  # a header that lies
    ],
)
def test_a_corrupt_file_is_ignored_and_rebuilt(portal: Settings, spoil: Any) -> None:
    expected = answers(portal)
    file = snapshot_store.path(portal)
    file.write_bytes(spoil(file.read_bytes()))
    assert snapshot_store.load(portal, key_of(portal)) is None
    search.CACHE.invalidate()
    assert answers(portal) == expected
    # Saved again, whole.
    assert snapshot_store.load(portal, key_of(portal)) is not None


def test_a_stale_or_foreign_file_is_ignored(portal: Settings) -> None:
    answers(portal)
    key = key_of(portal)
    assert snapshot_store.load(portal, key) is not None
    assert snapshot_store.load(portal, (key[0], key[1] + "x")) is None  # another data version
    assert snapshot_store.load(portal, ("other-generation", key[1])) is None
    other = dataclasses.replace(portal, database_url="sqlite:///elsewhere.db")
    assert snapshot_store.load(other, key) is None  # a copied index folder's file
    # The database is named by a digest: a URL's password never reaches the file.
    assert str(portal.database_url).encode() not in snapshot_store.path(portal).read_bytes()


def test_a_pa_change_after_the_save_is_seen(portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    before = answers(portal)[0]
    saved_key = key_of(portal)
    gone = before.ids[0]
    with engine.begin() as conn:
        conn.execute(text("UPDATE pas SET status = 'withdrawn' WHERE id = :id"), {"id": gone})
    index.refresh_pa(engine, portal, gone)  # what every committed change to a PA does
    assert key_of(portal) != saved_key
    search.CACHE.invalidate()  # a worker starting now: the saved file is for the old version
    after = answers(portal)[0]
    assert after.total == before.total - 1 and gone not in after.ids
    assert snapshot_store.load(portal, saved_key) is None  # replaced by the new version's


def test_no_index_folder_means_nothing_saved(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = make_settings(tmp_path_factory.mktemp("no-index"), REAL_CONTENT)
    engine = make_engine(settings.database_url)
    from pafinder.db import migrate

    migrate(engine)
    result = search.search(engine, settings, parse_search_params([], CONTENT))
    assert result.total == 0
    assert not snapshot_store.path(settings).exists()
