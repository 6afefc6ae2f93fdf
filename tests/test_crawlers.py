"""What search engines are told (issue 11, point 9): a PA's profile is never indexed (header and
meta tag), robots.txt keeps crawlers off the profiles but not off the search page, and the
sitemap lists the pages where journeys start and no person's page."""

from __future__ import annotations

import urllib.robotparser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.register.commands import import_file
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.register import pa_rows

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[PageClient, str]]:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    row = dict(pa_rows.make_rows(load_content(REAL_CONTENT), 1, seed=4)[0], status="published")
    import_file(settings, pa_rows.write_csv(tmp_path / "pa.csv", [row]))
    with make_engine(settings.database_url).connect() as conn:
        ref = str(conn.execute(text("SELECT ref FROM pas")).scalar_one())
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield client, ref


def test_a_profile_says_noindex_in_its_header_and_its_head(portal: Any) -> None:
    client, ref = portal
    response = client.get(f"/find-a-pa/{ref}")
    assert response.status_code == 200
    assert response.headers["x-robots-tag"] == "noindex"
    head = response.text.split("</head>", 1)[0]
    assert '<meta name="robots" content="noindex">' in head
    # The search page is where people start: it stays indexable.
    search = client.get("/find-a-pa")
    assert "x-robots-tag" not in search.headers
    assert 'name="robots"' not in search.text


def test_robots_txt_keeps_crawlers_off_profiles_only(portal: Any) -> None:
    client, ref = portal
    response = client.get("/robots.txt")
    assert response.status_code == 200
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(response.text.splitlines())
    assert not robots.can_fetch("*", f"{BASE}/find-a-pa/{ref}")
    assert not robots.can_fetch("*", f"{BASE}/find-a-pa/{ref}/contact")
    assert not robots.can_fetch("*", f"{BASE}/staff/referrals")
    for page in ("/find-a-pa", "/find-a-pa?area=crewe", "/events", "/", "/search"):
        assert robots.can_fetch("*", BASE + page), page
    assert f"Sitemap: {BASE}/sitemap.xml" in response.text


def test_the_sitemap_lists_entry_pages_and_no_personal_page(portal: Any) -> None:
    client, ref = portal
    sitemap = client.get("/sitemap.xml").text
    content = load_content(REAL_CONTENT)
    starts = ["/find-a-pa", "/search", "/become-a-pa/register", "/events", "/"]
    starts += [f"/refer/{s.slug}" for s in content.services if s.raw.get("referral")]
    assert len(starts) > 6
    for url in starts:
        assert f"<loc>{BASE}{url}</loc>" in sitemap, url
        # Every listed entry page answers (none is a 404 waiting for a crawler).
        assert client.get(url).status_code == 200, url
    assert ref not in sitemap and "/staff" not in sitemap
    assert sitemap.count(f"<loc>{BASE}/events/</loc>") == 0  # /events once, not twice
