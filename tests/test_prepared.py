"""A portal copied from a prepared snapshot (tests/prepared.py) is the portal a real build makes:
the same site/ files byte for byte, the same rows in every table, the same search answers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select

from pafinder.db import make_engine, metadata
from pafinder.search import search_pages
from pafinder.settings import Settings
from tests import prepared
from tests.conftest import make_settings, prepare, prepare_for_real


def _files(site: Path) -> dict[str, bytes]:
    files = sorted(p for p in site.rglob("*") if p.is_file())
    return {str(p.relative_to(site)): p.read_bytes() for p in files}


def _rows(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(settings.database_url)
    names = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.c))]
            for table in metadata.sorted_tables
            if table.name in names
        }


def test_a_copied_portal_is_the_portal_a_real_build_makes(tmp_path: Path) -> None:
    first, copy, real = (make_settings(tmp_path / name) for name in ("first", "copy", "real"))
    prepare(first)
    assert prepared._untouched(copy)
    prepare(copy)
    prepare_for_real(real)

    assert _files(copy.site_dir) == _files(real.site_dir)
    assert len(_files(real.site_dir)) > 50
    assert _rows(copy) == _rows(real)
    for query in ("direct payments", "carers", "zzzz-nothing"):
        assert search_pages(copy.index_dir, query) == search_pages(real.index_dir, query)


def test_a_portal_seeded_before_it_is_prepared_is_prepared_for_real(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    # The SQLite file now exists, or (PostgreSQL) this process holds an engine on the database:
    # either way something may have been written before the build.
    make_engine(settings.database_url)
    assert not prepared._untouched(settings)
    prepare(settings)
    assert (settings.site_dir / "index.html").is_file()
