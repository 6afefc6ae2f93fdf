"""`/find-a-pa` as the GOV.UK / MOJ "filter a list" (issue 11, points 4 to 6): results first with
the filters behind a "Filter results" <details> (no JavaScript needed), each section closed
unless it holds a choice, selected filters as tags that each remove one filter, counts on the
yes/no filters, availability as a day-by-time grid, the filters for what the registration
collects (hours a week, own car, live-in, nights, emergency cover), and a profile breadcrumb that
goes back to the same search and nowhere else."""

from __future__ import annotations

import html as html_lib
import random
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import text

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.register import index, seed
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient
from tests.house_rules import check_page
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 90, seed=23)
PUBLISHED = [r for r in ROWS if r["status"] == "published"]
HOURS = (None, 8, 16, 25, 40)


def extras(i: int) -> dict[str, object]:
    """The work a listing's PA wants (the import CSV has no such columns): set by SQL."""
    return {
        "hours_wanted": HOURS[i % len(HOURS)],
        "own_car": i % 3 == 0,
        "live_in": i % 4 == 0,
        "nights": i % 2 == 0,
        "emergency_cover": i % 5 == 1,
    }


EXTRAS = {r["email"]: extras(i) for i, r in enumerate(ROWS)}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = pa_rows.imported_portal(tmp_path_factory.mktemp("find-phone"), ROWS)
    with make_engine(settings.database_url).begin() as conn:
        for email, values in EXTRAS.items():
            conn.execute(
                text(
                    "UPDATE pas SET hours_wanted = :hours_wanted, own_car = :own_car, "
                    "live_in = :live_in, nights = :nights, emergency_cover = :emergency_cover "
                    "WHERE email = :email"
                ),
                {**values, "email": email},
            )
    index.bump_version(settings)  # the bitmaps are rebuilt from the database
    return settings


@pytest.fixture(scope="module")
def web(portal: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as c:
        yield c


def total(html: str) -> int:
    match = re.search(r'role="status"[^>]*>\s*([\d,]+) personal assistants? found', html)
    assert match, html[:2000]
    return int(match.group(1).replace(",", ""))


def wanted(row: dict[str, str], params: list[tuple[str, str]]) -> bool:
    """The new filters' meaning, written plainly, on top of the CONTRACT's (pa_rows.matches)."""
    plain = [(k, v) for k, v in params if k not in {"hours", *EXTRAS[row["email"]]}]
    if not pa_rows.matches(row, plain):
        return False
    mine = EXTRAS[row["email"]]
    for key, value in params:
        if key == "hours":
            hours = mine["hours_wanted"]
            if not isinstance(hours, int) or hours < int(value):
                return False
        elif key in mine and value == "yes" and not mine[key]:
            return False
    return True


def expect(params: list[tuple[str, str]]) -> int:
    return sum(wanted(r, params) for r in PUBLISHED)


def query(href: str) -> list[tuple[str, str]]:
    parts = urlsplit(html_lib.unescape(href))
    assert parts.path == "/find-a-pa" and not parts.netloc
    return parse_qsl(parts.query)


def details(html: str, summary: str) -> str:
    """The opening <details ...> tag of the section whose summary says ``summary``."""
    pattern = (
        r"(<details[^>]*>)\s*<summary[^>]*>\s*<span class=\"govuk-details__summary-text\">"
        + re.escape(summary)
    )
    match = re.search(pattern, html)
    assert match, summary
    return match.group(1)


def test_results_come_first_and_the_filters_toggle_without_javascript(web: PageClient) -> None:
    html = web.get("/find-a-pa").text
    check_page(html)
    panel = details(html, "Filter results")
    assert 'id="filters"' in panel and " open" not in panel  # closed: results first on a phone
    # The whole form is inside the details element, and the results come after it.
    start = html.index('id="filters"')
    end = html.index("</details>\n  </div>", start)
    assert html.index('<form action="/find-a-pa" method="get"') in range(start, end)
    assert html.index("Apply filters") in range(start, end)
    assert html.index('class="app-pa-result"') > end
    # No filter chosen: no tags, every section closed.
    assert "Selected filters" not in html
    assert re.findall(r'<details class="govuk-details app-pa-filters__group" open>', html) == []


def test_sections_are_open_only_when_they_hold_a_choice(web: PageClient) -> None:
    html = web.get(
        "/find-a-pa", params=[("area", "crewe"), ("availability", "mon-am"), ("nights", "yes")]
    ).text
    assert " open" in details(html, "Areas covered")
    assert " open" in details(html, "Available")
    assert " open" in details(html, "Hours and kind of work")
    for closed in ("Help with", "Languages", "Gender of the PA", "DBS check, driving and smoking"):
        assert " open" not in details(html, closed), closed
    assert "Filter results (3 selected)" in html
    html = web.get("/find-a-pa", params={"driving": "yes"}).text
    assert " open" in details(html, "DBS check, driving and smoking")
    assert " open" not in details(html, "Hours and kind of work")


def test_each_tag_removes_just_its_filter(web: PageClient) -> None:
    params = [
        ("q", "cooking"),
        ("area", "crewe"),
        ("area", "macclesfield"),
        ("task", "personal-care"),
        ("dbs", "standard"),
        ("driving", "yes"),
        ("hours", "10"),
        ("own_car", "yes"),
    ]
    html = web.get("/find-a-pa", params=params).text
    tags = re.findall(
        r'<a class="app-filter-tag" href="([^"]+)"><span class="govuk-visually-hidden">'
        r"Remove this filter: </span>([^<]+)</a>",
        html,
    )
    assert [t for _, t in tags] == [
        "Search words: \u2018cooking\u2019",
        "Areas covered: Crewe",
        "Areas covered: Macclesfield",
        "Help with: Personal care (washing, dressing, going to the toilet)",
        "DBS check: Standard or higher",
        "Has a driving licence",
        "At least 10 hours a week",
        "Has their own car",
    ]
    for (href, _), removed in zip(tags, params, strict=True):
        left = query(href)
        assert sorted(left) == sorted(p for p in params if p != removed), removed
        assert web.get(html_lib.unescape(href)).status_code == 200
    assert '<a class="govuk-link" href="/find-a-pa">Clear all filters</a>' in html


def test_yes_no_filters_show_counts_that_match_ticking_them(web: PageClient) -> None:
    base = [("area", "crewe")]
    html = web.get("/find-a-pa", params=base).text
    assert total(html) == expect(base)
    for name, label in (
        ("dbs_checked", "DBS checked by our staff"),
        ("driving", "Has a driving licence"),
        ("non_smoker", "Does not smoke"),
        ("own_car", "Has their own car"),
        ("live_in", "Will do live-in work"),
        ("nights", "Will work nights"),
        ("emergency_cover", "Can give emergency cover at short notice"),
    ):
        n = expect([*base, (name, "yes")])
        assert f"{label} ({n})" in html, (label, n)
        assert total(web.get("/find-a-pa", params=[*base, (name, "yes")]).text) == n
    api = web.get("/api/pas", params=base).json()["facets"]
    assert f"Has a driving licence ({api['driving']['yes']})" in html


def test_hours_filter_counts_each_band_without_itself(web: PageClient) -> None:
    params = [("hours", "20"), ("language", "english")]
    html = web.get("/find-a-pa", params=params).text
    assert total(html) == expect(params) > 0
    for band in (5, 10, 20, 30):
        n = expect([("hours", str(band)), ("language", "english")])
        assert f"At least {band} hours a week ({n})" in html
    assert 'value="20" checked' in html


def test_new_filters_work_in_the_api_too_and_its_facets_keep_their_keys(
    web: PageClient,
) -> None:
    params = [("own_car", "yes"), ("nights", "yes"), ("hours", "5")]
    body = web.get("/api/pas", params=params).json()
    assert body["total"] == expect(params) > 0
    assert set(body["facets"]) == {
        "area", "gender", "task", "client_group", "age_group", "language", "availability",
        "dbs", "dbs_checked", "driving", "non_smoker",
    }  # fmt: skip
    # The public view keeps the CONTRACT's keys exactly.
    assert "hours_wanted" not in body["results"][0] and "own_car" not in body["results"][0]
    for bad in ({"hours": "7"}, {"hours": "lots"}, {"live_in": "maybe"}):
        response = web.get("/api/pas", params=bad)
        assert response.status_code == 400 and set(response.json()["errors"]) == set(bad)


def test_bad_new_filter_values_show_the_error_summary(web: PageClient) -> None:
    response = web.get("/find-a-pa", params=[("hours", "<script>"), ("own_car", "🙂")])
    assert response.status_code == 400
    assert 'href="#hours"' in response.text and 'href="#own_car"' in response.text
    assert 'value="<script>"' not in response.text
    assert " open" in details(response.text, "Filter results")  # the errors are not hidden
    assert web.get("/find-a-pa", params=[("hours", "5")] * 11).status_code == 400


def test_availability_is_a_day_by_time_grid_of_checkboxes(web: PageClient) -> None:
    html = web.get("/find-a-pa", params=[("availability", "tue-eve")]).text
    grid = html[html.index('<table class="govuk-table app-availability-grid">') :]
    grid = grid[: grid.index("</table>")]
    heads = re.findall(r'<th scope="col" class="govuk-table__header">([^<]*)</th>', grid)
    assert [h.replace("\u00ad", "") for h in heads] == ["Morning", "Afternoon", "Evening", "Night"]
    assert grid.count('<th scope="row"') == 7
    boxes = re.findall(r'<input class="govuk-checkboxes__input" id="([^"]+)" name="availability"'
                       r' type="checkbox" value="([^"]+)"( checked)?>', grid)  # fmt: skip
    assert len(boxes) == 28 and boxes[0][0] == "availability"  # the error summary's target
    assert [v for _, v, checked in boxes if checked] == ["tue-eve"]
    n = expect([("availability", "tue-eve")])
    assert f"Tuesday evening ({n})" in grid  # the label, read out with the box
    assert total(html) == n


def test_an_empty_result_still_counts_what_relaxing_each_filter_gives(web: PageClient) -> None:
    params = [("hours", "30"), ("live_in", "yes"), ("emergency_cover", "yes"), ("area", "crewe")]
    assert expect(params) == 0
    html = web.get("/find-a-pa", params=params).text
    assert total(html) == 0 and "No personal assistants match all your filters" in html
    found = re.findall(
        r'<li><a class="govuk-link" href="([^"]+)">Remove (.*?)</a> to see (\d+)', html
    )
    assert found
    for href, _text, count in found:
        left = query(href)
        assert expect(left) == int(count) > 0
        assert total(web.get(html_lib.unescape(href)).text) == int(count)


def test_profile_shows_the_work_wanted(web: PageClient, portal: Settings) -> None:
    with make_engine(portal.database_url).connect() as conn:
        refs = dict(conn.execute(text("SELECT email, ref FROM pas")).all())
    row = next(r for r in PUBLISHED if EXTRAS[r["email"]]["hours_wanted"] == 25)
    mine = EXTRAS[row["email"]]
    html = web.get(f"/find-a-pa/{refs[row['email']]}").text
    check_page(html)
    assert re.search(r'id="hours-wanted">25 hours<', html)
    yes_no = {True: "Yes", False: "No"}
    assert re.search(rf'id="own-car">{yes_no[bool(mine["own_car"])]}<', html)
    assert re.search(rf'id="live-in">{yes_no[bool(mine["live_in"])]}<', html)
    assert re.search(rf'id="nights">{yes_no[bool(mine["nights"])]}', html)
    assert re.search(rf'id="emergency-cover">{yes_no[bool(mine["emergency_cover"])]}', html)
    none = next(r for r in PUBLISHED if EXTRAS[r["email"]]["hours_wanted"] is None)
    assert 'id="hours-wanted">Not given<' in web.get(f"/find-a-pa/{refs[none['email']]}").text


def breadcrumb(html: str) -> str:
    match = re.search(r'<a class="govuk-breadcrumbs__link" href="([^"]*)"', html)
    assert match
    return html_lib.unescape(match.group(1))


def test_the_breadcrumb_from_a_profile_returns_to_the_same_search(web: PageClient) -> None:
    params = [("area", "crewe"), ("dbs", "basic"), ("per_page", "3"), ("page", "2")]
    assert expect(params) > 3
    html = web.get("/find-a-pa", params=params).text
    links = re.findall(r'app-pa-result__name"><a class="govuk-link" href="([^"]+)"', html)
    assert links
    profile = web.get(html_lib.unescape(links[0]))
    assert profile.status_code == 200
    back = breadcrumb(profile.text)
    assert sorted(query(back)) == sorted(params)
    assert total(web.get(back).text) == expect(params)
    # From the plain page, the breadcrumb is the plain page.
    plain = re.findall(r'app-pa-result__name"><a class="govuk-link" href="([^"]+)"',
                       web.get("/find-a-pa").text)  # fmt: skip
    assert "?" not in plain[0] and breadcrumb(web.get(plain[0]).text) == "/find-a-pa"


@pytest.mark.parametrize(
    "back",
    [
        "//evil.example/",
        "https://evil.example/find-a-pa?area=crewe",
        "/\\evil.example",
        "javascript:alert(1)",
        "area=atlantis",
        "area=crewe&next=https://evil.example",
        "q=" + "x" * 5000,
        "q=<script>alert(1)</script>🙂",
        "\u202e\ufeff",
    ],
)
def test_the_back_parameter_only_ever_leads_to_a_search(
    web: PageClient, portal: Settings, back: str
) -> None:
    with make_engine(portal.database_url).connect() as conn:
        ref = conn.execute(text("SELECT ref FROM pas WHERE status = 'published'")).scalars().first()
    response = web.get(f"/find-a-pa/{ref}", params=[("back", back), ("back", back)])
    assert response.status_code == 200
    target = breadcrumb(response.text)
    assert target.startswith("/find-a-pa") and not target.startswith("/find-a-pa/")
    assert "evil" not in target and "javascript" not in target
    assert "<script>alert" not in response.text
    parts = urlsplit(target)
    assert not parts.scheme and not parts.netloc
    if back == "area=crewe&next=https://evil.example":
        assert target == "/find-a-pa?area=crewe"  # a known filter kept, the rest dropped


def test_demo_names_match_genders_and_about_texts_do_not_repeat_themselves() -> None:
    taxonomies = {name: [t.slug for t in terms] for name, terms in CONTENT.taxonomies.items()}
    rng = random.Random(2026)
    now = utcnow()
    rows = [seed._listing(rng, taxonomies, now) for _ in range(500)]
    for row in rows:
        names = seed.FIRST_NAMES.get(row["gender"], seed.FIRST_NAMES["any"])
        assert row["first_name"] in names, (row["first_name"], row["gender"])
        assert not re.search(r"\b(\w+) and \1\b", row["about"]), row["about"]
        sentences = [s.strip() for s in f"{row['about']} {row['experience']}".split(".")]
        assert len([s for s in sentences if s]) == len({s for s in sentences if s}), row
        assert not re.match(r"[01] years", row["experience"]), row["experience"]
    female, male = set(seed.FIRST_NAMES["female"]), set(seed.FIRST_NAMES["male"])
    assert not female & male
    # The demo fills in what the profile and the new filters show.
    assert {r["hours_wanted"] is None for r in rows} == {True, False}
    for name in ("own_car", "live_in", "nights", "emergency_cover"):
        assert {r[name] for r in rows} == {True, False}, name
