"""`/find-a-pa` and the profile page: filters with counts, the announced count, pagination, the
empty state's suggestion, no-JavaScript GET form, and the privacy of what is shown."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.register import index
from pafinder.register.commands import import_file
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.house_rules import check_page
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 120, seed=5)
PUBLISHED = [r for r in ROWS if r["status"] == "published"]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return pa_rows.imported_portal(tmp_path_factory.mktemp("find"), ROWS)


@pytest.fixture(scope="module")
def web(portal: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as c:
        yield c


def refs(settings: Settings) -> dict[str, str]:
    with make_engine(settings.database_url).connect() as conn:
        return {str(e): str(r) for e, r in conn.execute(text("SELECT email, ref FROM pas"))}


def count_text(html: str) -> str:
    match = re.search(r'role="status"[^>]*>\s*(.*?)\s*</p>', html, re.S)
    assert match
    return match.group(1)


def test_search_page_lists_every_published_pa_with_counts(web: PageClient) -> None:
    response = web.get("/find-a-pa")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert count_text(html) == f"{len(PUBLISHED)} personal assistants found"
    assert 'class="app-filter-layout__filter"' in html and "Apply filters" in html
    assert '<form action="/find-a-pa" method="get"' in html
    # Each option shows how many listings have it.
    crewe = sum("crewe" in pa_rows.split(r["areas"]) for r in PUBLISHED)
    assert f"Crewe ({crewe})" in html
    welsh = sum("welsh" in pa_rows.split(r["languages"]) for r in PUBLISHED)
    assert f"Welsh ({welsh})" in html
    assert html.count('class="app-pa-result"') == 20
    assert 'aria-label="Search results pages"' in html  # GOV.UK pagination


def test_filters_and_pages_match_the_independent_filter(web: PageClient) -> None:
    params = [("area", "crewe"), ("area", "macclesfield"), ("driving", "yes")]
    expected = [r for r in PUBLISHED if pa_rows.matches(r, params)]
    html = web.get("/find-a-pa", params=params).text
    n = len(expected)
    assert count_text(html) == (
        f"{n} personal assistants found" if n != 1 else "1 personal assistant found"
    )
    assert 'value="crewe" checked' in html
    # The form keeps the choices, and pagination links keep the filters.
    html = web.get("/find-a-pa", params=[*params, ("per_page", "5"), ("page", "2")]).text
    assert "page=3" in html and "area=crewe" in html and "per_page=5" in html
    assert html.count('class="app-pa-result"') == min(5, max(0, n - 5))


def test_empty_state_names_the_filter_to_relax(web: PageClient) -> None:
    # Find a language nobody with a given task speaks, so the result is empty.
    html = web.get(
        "/find-a-pa",
        params={
            "q": "gardening",
            "language": "tigrinya",
            "task": "pet-care",
            "availability": "sun-night",
        },
    ).text
    assert count_text(html) == "0 personal assistants found"
    assert "No personal assistants match all your filters" in html
    suggestions = re.findall(
        r'<li><a class="govuk-link" href="([^"]+)">Remove (.*?)</a> to see (\d+)', html
    )
    assert suggestions, html
    href, _label, count = suggestions[0]
    followed = web.get(href.replace("&amp;", "&")).text
    assert count_text(followed).startswith(f"{count} personal assistant")


def test_bad_parameters_show_an_error_summary(web: PageClient) -> None:
    response = web.get("/find-a-pa", params={"area": "atlantis", "dbs": "gold"})
    assert response.status_code == 400
    assert "There is a problem" in response.text and 'href="#area"' in response.text
    assert 'href="#dbs"' in response.text
    assert "<title>Error: " in response.text


def test_profile_shows_public_view_and_dbs_line(web: PageClient, portal: Settings) -> None:
    by_email = refs(portal)
    engine = make_engine(portal.database_url)
    checked = next(r for r in PUBLISHED if r["dbs_checked"] == "yes" and r["dbs"] != "none")
    declared = next(r for r in PUBLISHED if r["dbs_checked"] == "no" and r["dbs"] != "none")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE pas SET dbs_checked_at = '2026-11-03 10:00:00' WHERE email = :e"),
            {"e": checked["email"]},
        )
    html = web.get(f"/find-a-pa/{by_email[checked['email']]}").text
    assert "Checked by staff on 3 November 2026" in html
    assert (
        f'<h1 class="govuk-heading-xl">{checked["first_name"]} {checked["last_name"][0]}.</h1>'
        in html
    )
    response = web.get(f"/find-a-pa/{by_email[declared['email']]}")
    assert "Declared by the PA, not yet checked" in response.text
    assert response.headers["cache-control"] == "no-store"
    for row in (checked, declared):
        page = web.get(f"/find-a-pa/{by_email[row['email']]}").text
        assert row["email"] not in page and row["phone"] not in page
        assert row["postcode"] not in page and row["last_name"] not in page


def test_profile_flags_old_certificate_and_expired_training(
    web: PageClient, portal: Settings
) -> None:
    row = PUBLISHED[3]
    engine = make_engine(portal.database_url)
    old = (utcnow() - timedelta(days=4 * 365)).date().isoformat()
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE pas SET dbs = 'enhanced', dbs_certificate_date = :d, "
                "dbs_update_service = :u, qualifications = :q WHERE email = :e"
            ),
            {
                "d": old,
                "u": False,  # a bound boolean: PostgreSQL will not take 0 for one
                "e": row["email"],
                "q": '[{"slug": "food-hygiene", "date": "2020-01-10", "expires": "2023-01-10"}]',
            },
        )
    html = web.get(f"/find-a-pa/{refs(portal)[row['email']]}").text
    assert "more than 3 years old and is not on the DBS Update Service" in html
    assert "training has passed its expiry date: Food hygiene" in html
    assert "Expired 10 January 2023" in html


def test_unpublished_listings_have_no_page(web: PageClient, portal: Settings) -> None:
    by_email = refs(portal)
    for row in ROWS:
        if row["status"] != "published":
            response = web.get(f"/find-a-pa/{by_email[row['email']]}")
            assert response.status_code == 404
            assert web.get(f"/find-a-pa/{by_email[row['email']]}/contact").status_code == 404
    everything = "".join(web.get("/find-a-pa", params={"page": p}).text for p in range(1, 7))
    for row in ROWS:
        if row["status"] != "published":
            assert f"/find-a-pa/{by_email[row['email']]}" not in everything
        assert row["email"] not in everything and row["postcode"] not in everything
    for last in pa_rows.LAST:
        assert last not in everything


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    row = dict(
        ROWS[0],
        status="published",
        first_name="<script>alert(1)</script>",
        about="<img src=x onerror=alert(1)> مرحبا 👋",
    )
    import_file(settings, pa_rows.write_csv(tmp_path / "x.csv", [row]))
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as c:
        html = c.get("/find-a-pa").text
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
        assert "<img src=x" not in html and "مرحبا 👋" in html
        check_page(html)
        ref = refs(settings)[row["email"]]
        profile = c.get(f"/find-a-pa/{ref}").text
        assert "<img src=x" not in profile


def test_expired_listing_leaves_pages_without_a_write(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    row = dict(ROWS[0], status="published")
    import_file(settings, pa_rows.write_csv(tmp_path / "x.csv", [row]))
    engine = make_engine(settings.database_url)
    ref = refs(settings)[row["email"]]
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as c:
        assert c.get(f"/find-a-pa/{ref}").status_code == 200
        with engine.begin() as conn:  # confirmed 120 days ago, less six seconds
            conn.execute(
                text("UPDATE pas SET confirmed_at = :c"),
                {"c": utcnow() - timedelta(days=120) + timedelta(seconds=6)},
            )
        index.bump_version(settings)
        assert count_text(c.get("/find-a-pa").text) == "1 personal assistant found"
        assert c.get(f"/find-a-pa/{ref}").status_code == 200
        time.sleep(7)  # time passes; nothing is written
        assert count_text(c.get("/find-a-pa").text) == "0 personal assistants found"
        assert c.get(f"/find-a-pa/{ref}").status_code == 404
        assert c.get("/api/pas").json()["total"] == 0
        assert c.get(f"/api/pas/{ref}").status_code == 404


def test_a_page_past_the_end_links_back_to_the_first(web: PageClient) -> None:
    html = web.get("/find-a-pa", params={"page": 99, "area": "crewe"}).text
    assert "There are no more results after page" in html
    assert 'href="/find-a-pa?area=crewe"' in html
    assert "No personal assistants match" not in html
