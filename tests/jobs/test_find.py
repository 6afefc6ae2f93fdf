"""`/jobs` and `/jobs/{ref}` (issue 13, point 2): open adverts only, filters with counts
(disjunctive for areas and hours), ordering, distance, paging, removable filter tags, the alert
link, the advert page in words, and a clear 404 for anything not open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.jobs.find.search import parse, search
from pafinder.jobs.public import london_today
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.jobs.factory import add_job, days_from_today


def _portal(base: Path) -> Iterator[tuple[Settings, Engine, PageClient]]:
    settings = make_settings(base, REAL_CONTENT)
    prepare(settings)
    engine = make_engine(settings.database_url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield settings, engine, client


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Settings, Engine, PageClient]]:
    yield from _portal(tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Engine, Any]]:
    """One portal with one advert, for tests that only read."""
    for settings, engine, client in _portal(tmp_path_factory.mktemp("jobs-find")):
        add_job(engine)
        yield settings, engine, client


def refs_on(html: str) -> list[str]:
    """The advert references a results page links to, in order."""
    return re.findall(r'href="/jobs/(JT[0-9]+)"', html)


def count_beside(html: str, name: str, value: str) -> int:
    """The count in a filter checkbox's label ("Crewe (3)")."""
    checkbox = rf'name="{name}" type="checkbox" value="{re.escape(value)}"'
    match = re.search(checkbox + r".*?<label[^>]*>\s*[^<]*?\(([0-9,]+)\)", html, re.S)
    assert match, f"no checkbox {name}={value}"
    return int(match.group(1).replace(",", ""))


def test_only_open_published_adverts_are_listed(portal: Any) -> None:
    _settings, engine, client = portal
    shown = add_job(engine)
    last_day = add_job(engine, closes=days_from_today(0))
    closed = add_job(engine, closes=days_from_today(-1))
    pending = add_job(engine, status="pending")
    closed_early = add_job(engine, status="closed")
    page = client.get("/jobs")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert set(refs_on(page.text)) == {shown, last_day}
    assert "2 jobs found" in page.text
    for ref in (closed, pending, closed_early, "NOSUCHREF", "x" * 300):
        gone = client.get(f"/jobs/{ref}")
        assert gone.status_code == 404
        assert "may have closed" in gone.text and 'href="/jobs"' in gone.text
    assert client.get(f"/jobs/{last_day}").status_code == 200


def test_an_advert_drops_off_the_day_after_its_closing_date(portal: Any) -> None:
    settings, engine, _client = portal
    ref = add_job(engine, closes=days_from_today(3))
    content = load_content(REAL_CONTENT)
    params = parse([], content)
    on_day = search(engine, content, params, today=days_from_today(3))
    after = search(engine, content, params, today=days_from_today(4))
    assert [j.public.ref for j in on_day.jobs] == [ref]
    assert after.total == 0 and after.jobs == []
    assert settings.database_url  # the one condition serves the page and /api/jobs alike


def test_most_recently_published_first_then_paged(portal: Any) -> None:
    _settings, engine, client = portal
    now = utcnow()
    refs = [add_job(engine, published_at=now - timedelta(hours=30 - i)) for i in range(25)]
    newest_first = list(reversed(refs))
    first = client.get("/jobs")
    assert refs_on(first.text) == newest_first[:20]
    assert "25 jobs found" in first.text
    assert 'href="/jobs?page=2"' in first.text
    second = client.get("/jobs?page=2")
    assert refs_on(second.text) == newest_first[20:]
    beyond = client.get("/jobs?page=9")
    assert beyond.status_code == 200 and "no more results after page 2" in beyond.text


def test_filters_combine_and_counts_say_what_ticking_gives(portal: Any) -> None:
    _settings, engine, client = portal
    crewe = add_job(engine, areas=["crewe"], tasks=["shopping"], hours_per_week=8)
    both = add_job(engine, areas=["crewe", "nantwich"], tasks=["shopping"], hours_per_week=16)
    nantwich = add_job(
        engine, areas=["nantwich"], tasks=["shopping", "housework"], hours_per_week=25
    )
    add_job(engine, areas=["macclesfield"], tasks=["housework"], hours_per_week=40)

    page = client.get("/jobs?area=crewe")
    assert set(refs_on(page.text)) == {crewe, both}
    # Disjunctive: an unticked area says how many ticking it as well would show.
    assert count_beside(page.text, "area", "crewe") == 2
    assert count_beside(page.text, "area", "nantwich") == 3
    assert count_beside(page.text, "area", "macclesfield") == 3
    assert count_beside(page.text, "area", "poynton") == 2
    # All-of: over the filtered result.
    assert count_beside(page.text, "task", "shopping") == 2
    assert count_beside(page.text, "task", "housework") == 0

    both_areas = client.get("/jobs?area=crewe&area=nantwich")
    assert set(refs_on(both_areas.text)) == {crewe, both, nantwich}
    tasks = client.get("/jobs?task=shopping&task=housework")
    assert refs_on(tasks.text) == [nantwich]
    hours = client.get("/jobs?hours=up-to-10&hours=21-to-30")
    assert set(refs_on(hours.text)) == {crewe, nantwich}
    assert count_beside(hours.text, "hours", "11-to-20") == 3
    assert count_beside(hours.text, "hours", "over-30") == 3
    grid = client.get("/jobs?area=nantwich")
    assert re.search(
        r'value="mon-am"[^>]*>\s*<label[^>]*><span[^>]*>Monday morning \(2\)', grid.text
    )
    assert re.search(
        r'value="tue-pm"[^>]*>\s*<label[^>]*><span[^>]*>Tuesday afternoon \(0\)', grid.text
    )
    avail = client.get("/jobs?availability=mon-am&availability=tue-pm")
    assert refs_on(avail.text) == []
    assert "No jobs match all your filters" in avail.text


def test_selected_filters_have_remove_links_and_an_alert_link(portal: Any) -> None:
    _settings, engine, client = portal
    add_job(engine, areas=["crewe"])
    page = client.get("/jobs?area=crewe&task=shopping&postcode=cw1+2ab&within=5")
    text = page.text
    assert "Area: Crewe" in text and "Within 5 miles" in text and "Near CW1 2AB" in text
    assert 'href="/jobs?postcode=CW1+2AB&amp;within=5&amp;task=shopping"' in text  # no Crewe
    # Removing the postcode removes the distance too.
    assert 'href="/jobs?area=crewe&amp;task=shopping"' in text
    assert 'href="/jobs/alerts?area=crewe&amp;task=shopping"' in text
    assert "Email me new jobs like these" in text


def test_distance_orders_nearest_first_and_says_about_how_far(portal: Any) -> None:
    _settings, engine, client = portal
    far = add_job(engine, postcode="CW1 2AB")
    near = add_job(engine, postcode="SK11 7XY")
    unknown = add_job(engine, postcode="")
    page = client.get("/jobs?postcode=SK11+6AB")
    assert refs_on(page.text) == [near, far, unknown]  # an unplaceable advert last
    assert re.search(r"(About [0-9.]+ miles? away|Less than 1 mile away)", page.text)
    within = client.get("/jobs?postcode=SK11+6AB&within=5")
    assert refs_on(within.text) == [near]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("postcode=ZZ99+9ZZ", "postcode", "We could not find the postcode ZZ99 9ZZ"),
        ("postcode=hello", "postcode", "Enter a postcode, like SK11 6AB"),
        ("within=7&postcode=SK11", "within", "within must be one of 1, 3, 5, 10, 20"),
        ("within=5", "postcode", "Enter a postcode to search within a distance of it"),
        ("area=atlantis", "area", "Unknown area"),
    ],
)
def test_bad_distance_or_slug_is_a_message_by_the_field(
    shared: Any, query: str, field: str, words: str
) -> None:
    _settings, _engine, client = shared
    page = client.get(f"/jobs?{query}")
    assert page.status_code == 400
    assert "There is a problem" in page.text and f'href="#{field}"' in page.text
    assert words in page.text
    assert f'id="{field}-error"' in page.text
    assert refs_on(page.text) == []  # not an empty list: a message to correct


def test_advert_page_in_words_without_employer_details(portal: Any) -> None:
    _settings, engine, client = portal
    ref = add_job(
        engine,
        title="PA for a young woman who loves music",
        email="private.employer@example.org",
        postcode="SK11 6AB",
        areas=["macclesfield", "poynton"],
        pay_pence=1405,
        gender_requirement="woman",
        gender_reason="Intimate personal care",
        dbs="enhanced_barred",
        starts=london_today().replace(day=1) + timedelta(days=62),
        closes=days_from_today(20),
        summary="Line one.\nLine two.",
    )
    page = client.get(f"/jobs/{ref}")
    assert page.status_code == 200
    text = page.text
    assert "£14.05 an hour" in text
    assert "Macclesfield, Poynton" in text and "macclesfield" not in text.split("<main")[1]
    assert "Postcode area SK11" in text and "SK11 6AB" not in text and "6AB" not in text
    assert "This job needs a woman. The employer's reason: Intimate personal care" in text
    assert "Enhanced with the adults&#39; barred list" in text
    closes = days_from_today(20)
    assert f"{closes.day} {closes:%B %Y}" in text
    assert "private.employer" not in text
    assert f'href="/jobs/{ref}/reply"' in text
    assert "<h1" in text and text.count("<h1") == 1


def test_no_private_field_on_any_public_page(portal: Any) -> None:
    _settings, engine, client = portal
    ref = add_job(engine, email="secret.person@example.org", postcode="CW1 2AB")
    for path in ("/jobs", "/jobs?postcode=CW1", f"/jobs/{ref}", f"/jobs/{ref}/reply"):
        text = client.get(path).text
        assert "secret.person" not in text and "CW1 2AB" not in text and "2AB" not in text


@pytest.mark.parametrize(
    "query",
    [
        "postcode=<script>alert(1)</script>",
        "area=<script>alert(1)</script>",
        "task=%F0%9F%99%82",
        "postcode=%F0%9F%99%82",
        "area=" + "x" * 5000,
        "page=-1",
        "page=99999999999999999999",
        "per_page=0",
        "per_page=abc",
        "within=%00",
        "hours=lots",
        "&".join(["area=crewe"] * 50),
        "&".join(["postcode=SK11"] * 3),
        "availability=mon-am&availability=mon-am",
    ],
)
def test_bad_input_is_never_a_500(shared: Any, query: str) -> None:
    _settings, _engine, client = shared
    page = client.get(f"/jobs?{query}")
    assert page.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in page.text
