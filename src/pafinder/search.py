"""Whoosh indexes behind one small interface. The index is derived data: it can be rebuilt from
content/ and the database at any time, and a lost index loses nothing.

Each index lives in ``<index_dir>/<name>-<generation>/`` with a ``<name>.current`` file naming the
live generation. A rebuild writes a new generation beside the old and swaps the pointer with an
atomic rename, so a crash mid-rebuild leaves the old index whole and readers never see a partial
one. The generation also keys caches derived from an index (see the PA filter bitmaps).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from whoosh import highlight, index
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.qparser.syntax import AndGroup, GroupNode
from whoosh.query import Query

from pafinder.content import Page

PAGES = "pages"
# A word is a run of letters, digits or underscores: every other character only separates words.
WORD = re.compile(r"\w+")


def plain_words(text: str) -> list[str]:
    """The words in what someone typed. Whoosh's query language (`field:`, `[a TO b]`, `*`, `?`,
    `^2`, quotes, brackets) is all punctuation, so none of it survives: people search words, and
    cannot ask for every document, a range or a field we do not mean to search."""
    return WORD.findall(text)


def plain_query(
    fields: Iterable[str], schema: Schema, text: str, group: type[GroupNode] = AndGroup
) -> Query:
    """`text` as plain words, each looked for in any of `fields` (analysed by the field, so
    stemming still applies), combined by `group`. The parser has no plugins but the whitespace
    one: no fields, ranges, wildcards, boosts, phrases or operators (AND, OR and NOT are words,
    and stop words at that)."""
    parser = MultifieldParser(list(fields), schema, plugins=[], group=group)
    return parser.parse(" ".join(plain_words(text)))


def pages_schema() -> Schema:
    stem = StemmingAnalyzer()
    return Schema(
        url=ID(stored=True, unique=True),
        title=TEXT(stored=True, analyzer=stem, field_boost=3.0),
        summary=TEXT(stored=True, analyzer=stem, field_boost=2.0),
        section=ID(stored=True),
        body=TEXT(stored=True, analyzer=stem),
        # Unstemmed words, only for "did you mean": corrections must be real words, not stems.
        spelling=TEXT(analyzer=StandardAnalyzer(), spelling=True),
    )


def current_generation(index_dir: Path, name: str) -> str | None:
    pointer = index_dir / f"{name}.current"
    if not pointer.exists():
        return None
    generation = pointer.read_text().strip()
    return generation if (index_dir / generation).is_dir() else None


def open_index(index_dir: Path, name: str) -> index.Index | None:
    generation = current_generation(index_dir, name)
    if generation is None:
        return None
    return index.open_dir(str(index_dir / generation))


def new_generation(index_dir: Path, name: str, schema: Schema) -> tuple[str, index.Index]:
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = f"{name}-{time.time_ns()}"
    path = index_dir / generation
    path.mkdir()
    return generation, index.create_in(str(path), schema)


def swap_in(index_dir: Path, name: str, generation: str) -> None:
    """Point readers at the new generation (atomic rename), then remove older ones."""
    tmp = index_dir / f"{name}.current.tmp"
    tmp.write_text(generation)
    os.replace(tmp, index_dir / f"{name}.current")
    for old in index_dir.glob(f"{name}-*"):
        if old.name != generation:
            shutil.rmtree(old, ignore_errors=True)


def rebuild_pages_index(index_dir: Path, pages: Iterable[Page]) -> int:
    generation, ix = new_generation(index_dir, PAGES, pages_schema())
    count = 0
    with ix.writer(limitmb=128) as writer:
        for page in pages:
            writer.add_document(
                url=page.url,
                title=page.title,
                summary=page.summary,
                section=page.section,
                body=page.text,
                spelling=f"{page.title} {page.summary} {page.text}",
            )
            count += 1
    swap_in(index_dir, PAGES, generation)
    return count


@dataclass(frozen=True)
class PageHit:
    url: str
    title: str
    summary: str
    section: str
    excerpt: Markup


@dataclass(frozen=True)
class PageResults:
    query: str
    hits: list[PageHit]
    total: int
    suggestion: str | None
    page: int = 1  # 1-based, kept within the pages there are
    pages: int = 1


# whoosh is untyped, so its Formatter is Any to mypy.
class _MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Matched words in <mark>, everything else HTML-escaped."""

    between = " … "

    def format_token(self, text: str, token: highlight.Token, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> str:
        output: list[str] = []
        index_ = fragment.startchar
        text = fragment.text
        for t in fragment.matches:
            if t.startchar > index_:
                output.append(str(escape(text[index_ : t.startchar])))
            output.append(self.format_token(text, t, replace))
            index_ = t.endchar
        output.append(str(escape(text[index_ : fragment.endchar])))
        return "".join(output)


def search_pages(index_dir: Path, query: str, limit: int = 20, page: int = 1) -> PageResults:
    """One page of ``limit`` results; a page past the last shows the last."""
    query = query.strip()[:200]
    ix = open_index(index_dir, PAGES)
    if ix is None or not query:
        return PageResults(query=query, hits=[], total=0, suggestion=None)
    with ix.searcher() as searcher:
        parsed = plain_query(
            ["title", "summary", "body"], ix.schema, query, group=OrGroup.factory(0.9)
        )
        # Content pages number in the hundreds at most: score them all, then slice one page.
        results = searcher.search(parsed, limit=None, terms=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        results.formatter = _MarkFormatter()
        pages = max(1, -(-len(results) // limit))
        page = min(max(page, 1), pages)
        hits = []
        for hit in results[(page - 1) * limit : page * limit]:
            excerpt = hit.highlights("body", top=2) or escape(hit["summary"])
            hits.append(
                PageHit(
                    url=hit["url"],
                    title=hit["title"],
                    summary=hit["summary"],
                    section=hit["section"],
                    excerpt=Markup(excerpt),  # noqa: S704 (escaped above)
                )
            )
        suggestion = _did_you_mean(searcher, query) if not hits else None
        return PageResults(
            query=query,
            hits=hits,
            total=len(results),
            suggestion=suggestion,
            page=page,
            pages=pages,
        )


def _did_you_mean(searcher: Any, query: str) -> str | None:
    corrector = searcher.corrector("spelling")
    words = [w.lower() for w in plain_words(query)]
    # Short words and numbers are left as typed: any two letters are within reach of some word.
    corrected = [
        next(iter(corrector.suggest(w, limit=1)), w) if len(w) > 2 and w.isalpha() else w
        for w in words
    ]
    return " ".join(corrected) if corrected != words else None
