"""The PA text index (Whoosh): only what free-text search needs (skills, qualification and task
labels, experience, about-me), stemmed. Filters and facets never touch Whoosh (see search.py).

- `rebuild_pa_index` writes every searchable listing into a new generation and swaps it in, so a
  crash leaves the old index whole (the reindexer of `pafinder reindex`).
- `refresh_pa` is called after every committed change to one PA: it logs the change in the
  database (pafinder.nodes.store) and applies every change this index has not seen yet, its own
  included: each PA re-indexed if still searchable, deleted otherwise. The applied mark (the
  change log's sequence number, in `pas.version` beside the index) is the data version the
  bitmaps are keyed on, so a withdrawn, paused or erased PA disappears from search at once, on
  this node now and on the others at their next sync (pafinder.nodes.sync).

One writer at a time (`ix.writer(timeout=...)`); never AsyncWriter, which can lose writes at exit.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh.analysis import StemmingAnalyzer
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, TEXT, Schema

from pafinder import search as whoosh_store
from pafinder.content import load_taxonomy
from pafinder.nodes import store as shared
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


def _write_applied(settings: Settings, seq: int, salt: str = "") -> None:
    """Record that this index reflects every PA change up to ``seq`` (atomically: readers key
    their bitmaps on it). Called with the sync lock held."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.index_dir / f"{VERSION_FILE}.{os.getpid()}.tmp"
    tmp.write_text(f"{seq}.{salt}" if salt else str(seq))
    os.replace(tmp, settings.index_dir / VERSION_FILE)


def bump_version(settings: Settings) -> None:
    """Make every process here drop its cached bitmaps without changing the applied mark (after
    editing listings behind the store's back, as tests and one-off repairs do)."""
    with _sync_lock(settings):
        _write_applied(settings, applied(settings.index_dir), os.urandom(4).hex())


def data_version(index_dir: Path) -> str:
    try:
        return (index_dir / VERSION_FILE).read_text()
    except FileNotFoundError:
        return ""


def applied(index_dir: Path) -> int:
    """The last PA change this index reflects ("12", or "12.9f3a" after bump_version)."""
    seq = data_version(index_dir).partition(".")[0]
    return int(seq) if seq.isdigit() else 0


@contextmanager
def _sync_lock(settings: Settings) -> Iterator[None]:
    """One catch-up or rebuild of this index at a time (threads and processes sharing it)."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / "pas.sync.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild_pa_index(
    engine: Engine, settings: Settings, progress: Callable[[int, int], Any] | None = None
) -> int:
    """Rebuild the PA index from the database; returns the number of listings indexed."""
    with _sync_lock(settings):
        return _rebuild(engine, settings, progress)


def _rebuild(
    engine: Engine, settings: Settings, progress: Callable[[int, int], Any] | None = None
) -> int:
    # Read before the rows: a change logged while they are read is applied again afterwards.
    mark = shared.last_pa_change(engine)
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
    _write_applied(settings, mark)
    if progress:
        progress(done, max(total, done))
    return done


def refresh_pa(engine: Engine, settings: Settings, pa_id: int) -> None:
    """After a committed change to one PA: log it for every node, and apply it here at once."""
    shared.record_pa_change(engine, pa_id)
    sync_pa_index(engine, settings)


def sync_pa_index(engine: Engine, settings: Settings) -> int:
    """Apply the PA changes this index has not seen (from any node); returns how many PAs."""
    with _sync_lock(settings):
        seen = applied(settings.index_dir)
        changes = shared.pa_changes_since(engine, seen)
        if not changes.complete:  # too far behind: the log no longer goes back that far
            return _rebuild(engine, settings)
        if not changes.pa_ids:
            return 0
        ix = whoosh_store.open_index(settings.index_dir, PAS)
        if ix is not None:
            labels = Labels(settings)
            writer = ix.writer(timeout=WRITER_TIMEOUT)
            try:
                for pa_id in changes.pa_ids:
                    writer.delete_by_term("pa", str(pa_id))
                    row = store.get_pa_row(engine, pa_id)
                    if row is not None and store.is_searchable(row):
                        writer.add_document(**document(row, labels))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
        # Even without a text index the filters and facets come from the database: the new
        # mark makes every process here drop its cached bitmaps.
        _write_applied(settings, changes.last)
        return len(changes.pa_ids)
