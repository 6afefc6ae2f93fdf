"""After a restore: what `pafinder build` and `pafinder reindex` do, so the restored portal's
site/ (published events and services) and search indexes show the restored database."""

from __future__ import annotations

from pafinder.build import build as build_site
from pafinder.build import pages_for_index
from pafinder.db import make_engine
from pafinder.features import all_features, all_publishers
from pafinder.search import rebuild_pages_index
from pafinder.settings import Settings

COMMANDS = "pafinder build && pafinder reindex"


def rebuild(settings: Settings) -> str:
    """Rebuild site/ and every search index; a line saying what was done."""
    content, files = build_site(settings, all_publishers())
    pages = rebuild_pages_index(settings.index_dir, pages_for_index(content))
    engine = make_engine(settings.database_url)
    records = 0
    for feature in all_features():
        for reindex in feature.reindexers:
            records += reindex(engine, settings, None)
    return (
        f"Rebuilt {settings.site_dir} ({len(files)} files) and the search indexes "
        f"({pages} pages, {records} records)."
    )
