"""`GET /api/jobs` (CONTRACT "Jobs and alerts"): exactly the CONTRACT's keys, open adverts only,
the same filters as /jobs, distance compared with a haversine worked out here from the shipped
sector table, and 400 {"errors": {param: message}} for anything bad, never a 500."""

from __future__ import annotations

import csv
import gzip
import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from pafinder import geo
from pafinder.app import create_app
from pafinder.db import make_engine, utcnow
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.jobs.factory import add_job, days_from_today

KEYS = {
    "ref",
    "title",
    "areas",
    "tasks",
    "availability",
    "hours_per_week",
    "pay_per_hour",
    "gender_requirement",
    "dbs",
    "driving",
    "starts",
    "closes",
    "summary",
}
# Real sectors in and around Cheshire East and further off, a district on its own, and two the
# table cannot know (a made-up district, and none at all).
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
    "CW5",
    "CW99 9AB",
    "",
]


def _table() -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """(sector points, district points) read here from the shipped file, without pafinder.geo;
    a district is the mean of its sectors weighted by their postcodes."""
    sectors: dict[str, tuple[float, float]] = {}
    sums: dict[str, list[float]] = {}
    with gzip.open(geo.TABLE, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            lat, long, n = float(row["lat"]), float(row["long"]), int(row["postcodes"])
            sectors[row["sector"]] = (lat, long)
            total = sums.setdefault(row["sector"].split(" ")[0], [0.0, 0.0, 0.0])
            total[0] += lat * n
            total[1] += long * n
            total[2] += n
    return sectors, {d: (t[0] / t[2], t[1] / t[2]) for d, t in sums.items()}


SECTORS, DISTRICTS = _table()


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 3958.8 * math.asin(math.sqrt(h))


def point(postcode: str) -> tuple[float, float] | None:
    compact = postcode.replace(" ", "").upper()
    if len(compact) >= 5:
        return SECTORS.get(f"{compact[:-3]} {compact[-3]}")
    return DISTRICTS.get(compact)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, PageClient, dict]]:  # type: ignore[type-arg]
    base = tmp_path_factory.mktemp("api-jobs")
    settings: Settings = make_settings(base, REAL_CONTENT)
    prepare(settings)
    engine = make_engine(settings.database_url)
    now = utcnow()
    by_postcode = {}
    for i, postcode in enumerate(POSTCODES):
        ref = add_job(
            engine,
            postcode=postcode,
            email=f"boss{i}@example.org",
            areas=["crewe"] if i % 2 else ["macclesfield", "poynton"],
            tasks=["shopping"] if i % 3 else ["shopping", "housework"],
            hours_per_week=5 + 3 * i,
            pay_pence=1250 + i,
            published_at=now - timedelta(hours=len(POSTCODES) - i),
        )
        by_postcode[ref] = postcode
    add_job(engine, status="pending", email="hidden@example.org")
    add_job(engine, closes=days_from_today(-1), email="closed@example.org")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield engine, client, by_postcode


def test_shape_is_exactly_the_contract(api: Any) -> None:
    _engine, client, by_postcode = api
    response = client.get("/api/jobs")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert isinstance(body, list) and len(body) == len(POSTCODES)
    for job in body:
        assert set(job) == KEYS
        assert isinstance(job["pay_per_hour"], str) and len(job["pay_per_hour"].split(".")[1]) == 2
        assert isinstance(job["areas"], list) and isinstance(job["driving"], bool)
        assert isinstance(job["hours_per_week"], int)
    first = body[-1]  # the oldest: pay 12.50
    assert first["pay_per_hour"] == "12.50"
    # Most recently published first.
    assert [j["ref"] for j in body] == list(reversed(by_postcode))


def test_no_private_field_in_any_answer(api: Any) -> None:
    _engine, client, by_postcode = api
    for query in ("", "?postcode=SK11+6AB", "?area=crewe"):
        text = client.get(f"/api/jobs{query}").text
        assert "@example.org" not in text and "email" not in text
        for postcode in by_postcode.values():
            if len(postcode) > 4:
                assert postcode not in text


@pytest.mark.parametrize("within", ["1", "3", "5", "10", "20", None])
def test_distance_matches_a_haversine_from_the_shipped_table(api: Any, within: str | None) -> None:
    _engine, client, by_postcode = api
    origin = "SK11 6AB"
    params = [("postcode", origin), ("per_page", "100")] + ([("within", within)] if within else [])
    body = client.get("/api/jobs", params=params).json()
    expected = {}
    for ref, postcode in by_postcode.items():
        here = point(postcode) if postcode else None
        miles = haversine(point(origin), here) if here else None  # type: ignore[arg-type]
        if within is None or (miles is not None and miles <= int(within)):
            expected[ref] = miles
    assert {j["ref"] for j in body} == set(expected)
    for job in body:
        assert set(job) == KEYS | {"distance_miles"}
        miles = expected[job["ref"]]
        assert job["distance_miles"] == (None if miles is None else round(miles, 1))
    # Nearest first; adverts the table cannot place come last.
    known = [j["distance_miles"] for j in body if j["distance_miles"] is not None]
    assert known == sorted(known)
    placed = [j["distance_miles"] is not None for j in body]
    assert placed == sorted(placed, reverse=True)


def test_a_district_is_a_place_too(api: Any) -> None:
    _engine, client, by_postcode = api
    body = client.get("/api/jobs", params={"postcode": "CW5", "within": "1"}).json()
    cw5 = [ref for ref, postcode in by_postcode.items() if postcode == "CW5"]
    assert [j["ref"] for j in body][:1] == cw5
    assert body[0]["distance_miles"] == 0.0


def test_filters_like_the_page(api: Any) -> None:
    _engine, client, _by_postcode = api
    every = client.get("/api/jobs").json()
    crewe = client.get("/api/jobs?area=crewe").json()
    assert {j["ref"] for j in crewe} == {j["ref"] for j in every if "crewe" in j["areas"]}
    either = client.get("/api/jobs?area=crewe&area=poynton").json()
    assert len(either) == len(every)
    both_tasks = client.get("/api/jobs?task=shopping&task=housework").json()
    assert {j["ref"] for j in both_tasks} == {
        j["ref"] for j in every if {"shopping", "housework"} <= set(j["tasks"])
    }
    assert client.get("/api/jobs?availability=mon-am&availability=wed-am").json() == every
    assert client.get("/api/jobs?availability=sun-night").json() == []
    paged = client.get("/api/jobs?per_page=5&page=2").json()
    assert [j["ref"] for j in paged] == [j["ref"] for j in every[5:10]]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("area=atlantis", "area"),
        ("task=<script>alert(1)</script>", "task"),
        ("availability=%F0%9F%99%82", "availability"),
        ("hours=lots", "hours"),
        ("postcode=ZZ99+9ZZ", "postcode"),
        ("postcode=" + "A" * 10000, "postcode"),
        ("within=7&postcode=SK11", "within"),
        ("within=5", "postcode"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=101", "per_page"),
        ("per_page=-3", "per_page"),
        ("&".join(["area=crewe"] * 40), "area"),
    ],
)
def test_bad_values_are_a_400_naming_the_parameter(api: Any, query: str, param: str) -> None:
    _engine, client, _by_postcode = api
    response = client.get(f"/api/jobs?{query}")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert param in errors and isinstance(errors[param], str)


def test_repeats_and_unknown_names_are_harmless(api: Any) -> None:
    _engine, client, _by_postcode = api
    assert client.get("/api/jobs?area=crewe&area=crewe&utm_source=x").status_code == 200
    assert client.get("/api/jobs?postcode=SK11&postcode=CW1").status_code == 200
    assert client.get("/api/jobs?area=").status_code == 200


def test_answers_match_the_openapi_description(api: Any) -> None:
    """The document describes /api/jobs (so tests/test_openapi.py fuzzes it) and real answers,
    with and without a distance, and a refusal, validate against it."""
    from jsonschema import validate
    from openapi_spec_validator import validate as validate_document

    _engine, client, _by_postcode = api
    document = client.get("/api/openapi.json").json()
    validate_document(document)
    operation = document["paths"]["/api/jobs"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"area", "task", "availability", "postcode", "within", "page", "per_page"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(ok["items"]["required"]) == KEYS
    for query in ("", "?postcode=SK11+6AB", "?postcode=CW5&within=20&area=crewe"):
        validate(client.get(f"/api/jobs{query}").json(), ok)
    bad = operation["responses"]["400"]["content"]["application/json"]["schema"]
    validate(client.get("/api/jobs?within=2").json(), bad)
