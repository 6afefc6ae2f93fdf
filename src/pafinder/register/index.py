"""The PA text index (Whoosh): only what free-text search needs (skills, qualification and task
labels, experience, about-me), stemmed. Filters and facets never touch Whoosh (see search.py).

- `rebuild_pa_index` writes every searchable listing into a new generation and swaps it in, so a
  crash leaves the old index whole (the reindexer of `pafinder reindex`).
- `refresh_pa` is called after every committed change to one PA: it re-indexes the PA if still
  searchable and deletes it otherwise, then bumps the data version so every process drops its
  cached bitmaps and a withdrawn, paused or erased PA disappears from search at once.

One writer at a time (`ix.writer(timeout=...)`); never AsyncWriter, which can lose writes at exit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh.analysis import StemmingAnalyzer
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, TEXT, Schema

from pafinder import search as whoosh_store
from pafinder.content import load_taxonomy
from pafinder.register import store
from pafinder.settings import Settings

PAS = "pas"
VERSION_FILE = "pas.version"
WRITER_TIMEOUT = 30.0
# Documents buffered before the writer flushes a segment; larger is faster, within memory.
WRITER_LIMIT_MB = 96


def pa_schema() -> Schema:
    stem = StemmingAnalyzer()
    return Schema(
        pa=ID(unique=True),  # str(id): the term to delete or replace one PA by
        # docnum -> PA id as a column only: a NUMERIC field would add 16 range terms per document
        pa_id=COLUMN(NumericColumn("q")),
        skills=TEXT(analyzer=stem, field_boost=1.5),  # task and qualification labels
        experience=TEXT(analyzer=stem),
        about=TEXT(analyzer=stem),
    )


TEXT_FIELDS = ("skills", "experience", "about")


class Labels:
    """Task and qualification labels from the content taxonomies (just those two files)."""

    def __init__(self, settings: Settings) -> None:
        self.tasks = self._load(settings.content_dir / "taxonomies" / "tasks.yaml")
        self.qualifications = self._load(
            settings.content_dir / "taxonomies" / "qualifications.yaml"
        )

    @staticmethod
    def _load(path: Path) -> dict[str, str]:
        return {t.slug: t.label for t in load_taxonomy(path)} if path.exists() else {}


def document(row: store.RowLike, labels: Labels) -> dict[str, Any]:
    tasks = [labels.tasks.get(s, s) for s in json.loads(row["tasks"])]
    quals = [
        labels.qualifications.get(s, s) for s in store.qualification_slugs(row["qualifications"])
    ]
    return {
        "pa": str(row["id"]),
        "pa_id": int(row["id"]),
        "skills": " . ".join([*tasks, *quals]),
        "experience": row["experience"] or "",
        "about": row["about"] or "",
    }


def bump_version(settings: Settings) -> None:
    """Tell every process (each keeps its own bitmaps) that PA data changed."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.index_dir / f"{VERSION_FILE}.{os.getpid()}.tmp"
    tmp.write_text(str(os.urandom(8).hex()))
    os.replace(tmp, settings.index_dir / VERSION_FILE)


def data_version(index_dir: Path) -> str:
    try:
        return (index_dir / VERSION_FILE).read_text()
    except FileNotFoundError:
        return ""


def rebuild_pa_index(
    engine: Engine, settings: Settings, progress: Callable[[int, int], Any] | None = None
) -> int:
    """Rebuild the PA index from the database; returns the number of listings indexed."""
    labels = Labels(settings)
    total = store.count_searchable(engine)
    generation, ix = whoosh_store.new_generation(settings.index_dir, PAS, pa_schema())
    done = 0
    if progress:
        progress(0, total)
    writer = ix.writer(limitmb=WRITER_LIMIT_MB, timeout=WRITER_TIMEOUT)
    try:
        for row in store.index_rows(engine):
            writer.add_document(**document(row, labels))
            done += 1
            if progress and done % 1000 == 0:
                progress(done, total)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    whoosh_store.swap_in(settings.index_dir, PAS, generation)
    bump_version(settings)
    if progress:
        progress(done, max(total, done))
    return done


def refresh_pa(engine: Engine, settings: Settings, pa_id: int) -> None:
    """After a committed change to one PA: re-index it if searchable, else remove it at once."""
    row = store.get_pa_row(engine, pa_id)
    ix = whoosh_store.open_index(settings.index_dir, PAS)
    if ix is not None:
        writer = ix.writer(timeout=WRITER_TIMEOUT)
        try:
            writer.delete_by_term("pa", str(pa_id))
            if row is not None and store.is_searchable(row):
                writer.add_document(**document(row, Labels(settings)))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    # Even without a text index the filters and facets come from the database: drop caches.
    bump_version(settings)
