"""Static first: every ORUK answer that is the same for every reader, written into
site/api/oruk/ by `pafinder build` (the publisher) and again whenever events publish
(pafinder.events.publish calls write_feed, on this node and, through catch_up, on the others).

Files: index.json (the root), services.json, service_at_locations.json, taxonomies.json and
taxonomy_terms.json (the first page at the default size), and services/{id}.json,
service_at_locations/{id}.json, taxonomies/{id}.json and taxonomy_terms/{id}.json.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jinja2 import Environment
from sqlalchemy import Engine
from starlette.datastructures import QueryParams

from pafinder.build import Files, publish_folder
from pafinder.content import Content
from pafinder.db import make_engine
from pafinder.oruk.feed import (
    Feed,
    feed_from_db,
    root,
    sal_summary,
    service_summary,
    taxonomy_summary,
)
from pafinder.oruk.query import page, parse
from pafinder.settings import Settings

FOLDER = "api/oruk"


def encode(data: Any) -> bytes:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False).encode()


def render_feed(feed: Feed, base_url: str) -> Files:
    first = parse(QueryParams(""), filters=False)  # page 1 at the default size
    sals = feed.service_at_locations()
    files: Files = {
        f"{FOLDER}/index.json": encode(root(base_url)),
        f"{FOLDER}/services.json": encode(page([service_summary(s) for s in feed.services], first)),
        f"{FOLDER}/service_at_locations.json": encode(page([sal_summary(s) for s in sals], first)),
        f"{FOLDER}/taxonomies.json": encode(
            page([taxonomy_summary(t) for t in feed.taxonomies], first)
        ),
        f"{FOLDER}/taxonomy_terms.json": encode(page(feed.terms, first)),
    }
    for service in feed.services:
        files[f"{FOLDER}/services/{service['id']}.json"] = encode(service)
    for sal in sals:
        files[f"{FOLDER}/service_at_locations/{sal['id']}.json"] = encode(sal)
    for found in feed.taxonomies:
        files[f"{FOLDER}/taxonomies/{found['id']}.json"] = encode(found)
    for found in feed.terms:
        files[f"{FOLDER}/taxonomy_terms/{found['id']}.json"] = encode(found)
    return files


def render_from_db(
    engine: Engine, content: Content, settings: Settings, now: datetime | None = None
) -> Files:
    return render_feed(feed_from_db(engine, content, settings.base_url, now), settings.base_url)


def publisher(content: Content, env: Environment, settings: Settings) -> Files:
    """The build publisher (`pafinder build` migrates before building)."""
    return render_from_db(make_engine(settings.database_url), content, settings)


def write_feed(
    engine: Engine, settings: Settings, content: Content, now: datetime | None = None
) -> int:
    """Re-render site/api/oruk/ from the database and remove what is no longer in the feed (a
    cancelled or finished event's records). The caller holds the events publish lock."""
    files = render_from_db(engine, content, settings, now)
    publish_folder(files, settings.site_dir, FOLDER)
    return len(files)
