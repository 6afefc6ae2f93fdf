"""Distance from a postcode (issue 13, point 5; CONTRACT "Distance"): `postcode` and `within` on
`/api/pas` and `/find-a-pa`, compared with distances the test works out itself from the shipped
sector table (its own reading of the file, its own formula), together with every other filter,
the facet counts and paging."""

from __future__ import annotations

import csv
import gzip
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pafinder import geo
from pafinder.content import load_content
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.register import pa_rows
from tests.register.test_api import import_rows, row_number

CONTENT = load_content(REAL_CONTENT)
# Real sectors around Cheshire East and further off, a Derby one, and two the table cannot
# know (a made-up district, and no postcode at all).
POSTCODES = [
    "SK11 6AB",
    "SK11 7XY",
    "SK10 1AA",
    "CW12 1AB",
    "CW1 2AB",
    "CW4 7AA",
    "WA16 6AA",
    "M1 1AE",
    "DE1 1ZZ",
    "CW99 9AB",
    "",
]
ROWS = pa_rows.make_rows(CONTENT, 240, seed=11)
for _i, _row in enumerate(ROWS):
    _row["postcode"] = POSTCODES[_i % len(POSTCODES)]
PUBLISHED = [r for r in ROWS if r["status"] == "published"]


def sector_points() -> dict[str, tuple[float, float]]:
    """The shipped table, read here without pafinder.geo."""
    with gzip.open(geo.TABLE, "rt", newline="") as handle:
        return {r["sector"]: (float(r["lat"]), float(r["long"])) for r in csv.DictReader(handle)}


POINTS = sector_points()


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine, in miles (mean Earth radius 3958.8 miles)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 3958.8 * math.asin(math.sqrt(h))


def sector(postcode: str) -> str | None:
    compact = postcode.replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3]}" if len(compact) >= 5 else None


def miles_from(origin: str, row: dict[str, str]) -> float | None:
    here = sector(row["postcode"])
    if here not in POINTS:
        return None
    return distance(POINTS[sector(origin) or ""], POINTS[here])


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageClient]:
    from pafinder.app import create_app

    base = tmp_path_factory.mktemp("distance")
    settings: Settings = make_settings(base, REAL_CONTENT)
    prepare(settings)
    result = import_rows(settings, ROWS, base / "pas.csv")
    assert result.exit_code == 0, result.output
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield client


def all_results(api: PageClient, params: list[tuple[str, str]]) -> dict[str, Any]:
    """Every page of the search, its results joined in order."""
    body = api.get("/api/pas", params=[*params, ("per_page", "100")]).json()
    page = 1
    while len(body["results"]) < body["total"]:
        page += 1
        more = api.get("/api/pas", params=[*params, ("per_page", "100"), ("page", str(page))])
        body["results"] += more.json()["results"]
    return body


@pytest.mark.parametrize("within", ["1", "3", "5", "10", "20"])
def test_within_finds_exactly_the_listings_that_close(api: PageClient, within: str) -> None:
    origin = "SK11 6AB"
    body = all_results(api, [("postcode", origin), ("within", within)])
    near = [
        i
        for i, r in enumerate(ROWS)
        if r["status"] == "published"
        and (m := miles_from(origin, r)) is not None
        and m <= int(within)
    ]
    assert body["total"] == len(near)
    assert sorted(row_number(r) for r in body["results"]) == sorted(near)
    for listing in body["results"]:
        expected = miles_from(origin, ROWS[row_number(listing)])
        assert expected is not None
        assert listing["distance_miles"] == round(expected, 1)
        assert listing["distance_miles"] <= int(within)


def test_without_q_results_come_nearest_first_and_unknown_postcodes_last(
    api: PageClient,
) -> None:
    body = all_results(api, [("postcode", "CW1 2AB")])
    assert body["total"] == len(PUBLISHED), "a postcode alone filters nothing"
    miles = [r["distance_miles"] for r in body["results"]]
    known = [m for m in miles if m is not None]
    assert known == sorted(known) and known[0] == 0.0
    assert all(m is None for m in miles[len(known) :]), "unknown places are last"
    # Paging walks the same order: page 2 of 20 continues page 1.
    first = api.get("/api/pas", params={"postcode": "CW1 2AB", "per_page": "20"}).json()
    second = api.get(
        "/api/pas", params={"postcode": "CW1 2AB", "per_page": "20", "page": "2"}
    ).json()
    both = [r["ref"] for r in first["results"] + second["results"]]
    assert both == [r["ref"] for r in body["results"][:40]]
    assert len(set(r["ref"] for r in body["results"])) == body["total"], "no listing twice"


def test_distance_combines_with_the_other_filters_and_the_facets_count_with_it(
    api: PageClient,
) -> None:
    rng = random.Random(5)
    origin = "SK11 7XY"
    for _ in range(12):
        params: list[tuple[str, str]] = [
            ("postcode", origin),
            ("within", rng.choice(["3", "10", "20"])),
        ]
        row = rng.choice(PUBLISHED)
        params.append(("area", rng.choice(pa_rows.split(row["areas"]))))
        if rng.random() < 0.5:
            params.append(("task", rng.choice(pa_rows.split(row["tasks"]))))
        if rng.random() < 0.4:
            params.append(("driving", "yes"))
        radius = int(dict(params)["within"])
        others = [(k, v) for k, v in params if k not in ("postcode", "within")]
        close = [r for r in PUBLISHED if (m := miles_from(origin, r)) is not None and m <= radius]
        body = all_results(api, params)
        assert body["total"] == sum(1 for r in close if pa_rows.matches(r, others)), params
        assert body["facets"] == pa_rows.facets_for(close, others), params


def test_a_district_alone_works_and_bad_places_are_plain_400s(api: PageClient) -> None:
    district = api.get("/api/pas", params={"postcode": "sk11", "within": "5"})
    assert district.status_code == 200 and district.json()["total"] > 0
    for params, field, words in (
        ({"postcode": "CW99 9AB"}, "postcode", "could not find the postcode CW99 9AB"),
        ({"postcode": "not a postcode"}, "postcode", "Enter a postcode"),
        ({"postcode": "<script>"}, "postcode", "Enter a postcode"),
        ({"within": "5"}, "postcode", "Enter a postcode to search within"),
        ({"postcode": "SK11 6AB", "within": "2"}, "within", "within must be one of 1, 3, 5"),
    ):
        response = api.get("/api/pas", params=params)
        assert response.status_code == 400, params
        assert words in response.json()["errors"][field], params


def test_no_answer_shows_a_postcode_and_distance_only_comes_with_one(api: PageClient) -> None:
    plain = all_results(api, [])
    assert all("distance_miles" not in r for r in plain["results"])
    body = all_results(api, [("postcode", "SK11 6AB")])
    text = str(body)
    for postcode in POSTCODES:
        if postcode:
            assert postcode not in text and postcode.replace(" ", "") not in text


def test_the_html_page_says_how_far_and_keeps_a_postcode_it_could_not_find(
    api: PageClient,
) -> None:
    page = api.get("/find-a-pa", params={"postcode": "SK11 6AB", "within": "3"})
    assert page.status_code == 200
    assert "Less than 1 mile away" in page.text or "About " in page.text
    assert "Near SK11 6AB" in page.text and "Within 3 miles" in page.text  # removable tags
    wrong = api.get("/find-a-pa", params={"postcode": "CW99 9AB"})
    assert wrong.status_code == 400
    assert "govuk-error-summary" in wrong.text and 'href="#postcode"' in wrong.text
    assert 'value="CW99 9AB"' in wrong.text


def test_the_table_leaves_out_northern_ireland_and_places_districts() -> None:
    table = geo.table()
    assert not any(s.startswith("BT") for s in table.sectors)
    place = table.place("sk116ab")
    assert place is not None and place.code == "SK11 6AB"
    assert table.place("SK11") is not None and table.place("BT1 1AA") is None
    assert geo.sector_of("SK11 6AB") == "SK11 6" and geo.sector_of("SK11") is None
    # Macclesfield to Crewe is about 17 miles as the crow flies.
    assert 14 < distance(POINTS["SK11 6"], POINTS["CW1 2"]) < 20


def test_the_about_our_data_page_carries_the_attribution_the_licence_asks_for() -> None:
    page = next(p for p in CONTENT.pages if p.slug == "about-our-data")
    for line in geo.ATTRIBUTION:
        assert line in page.body, line


def test_a_pa_who_will_not_travel_that_far_is_not_within_it(tmp_path: Path) -> None:
    from sqlalchemy import text

    from pafinder.app import create_app
    from pafinder.db import make_engine
    from pafinder.register import index

    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    rows = [dict(r, status="published") for r in pa_rows.make_rows(CONTENT, 3, seed=2)]
    for row, postcode in zip(rows, ["SK11 6AB", "CW1 2AB", "CW1 2AB"], strict=True):
        row["postcode"] = postcode
    assert import_rows(settings, rows, tmp_path / "pas.csv").exit_code == 0
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:  # Crewe is about 17 miles from Macclesfield
        conn.execute(text("UPDATE pas SET travel_miles = 10 WHERE email = 'pa1@example.org'"))
        conn.execute(text("UPDATE pas SET travel_miles = 20 WHERE email = 'pa2@example.org'"))
    index.bump_version(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        near = client.get("/api/pas", params={"postcode": "SK11 6AB", "within": "20"}).json()
        assert sorted(row_number(r) for r in near["results"]) == [0, 2]
        # Without a radius nobody is left out: the distance only orders them.
        everyone = client.get("/api/pas", params={"postcode": "SK11 6AB"}).json()
        assert row_number(everyone["results"][0]) == 0
        assert everyone["total"] == 3
        by_row = {row_number(r): r["ref"] for r in everyone["results"]}
        assert "Up to 10 miles from home" in client.get(f"/find-a-pa/{by_row[1]}").text
        assert "Not given" in client.get(f"/find-a-pa/{by_row[0]}").text
