"""`/api/pas` against an independent filter (plain Python over the imported CSV rows) for every
parameter, repeated values and combinations; bad parameters; privacy."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine, utcnow
from pafinder.register import index
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, PageClient, make_settings, prepare
from tests.register import pa_rows

CONTENT = load_content(REAL_CONTENT)
ROWS = pa_rows.make_rows(CONTENT, 300)
PUBLISHED = [r for r in ROWS if r["status"] == "published"]
NOW = utcnow()


def env_of(settings: Settings) -> dict[str, str]:
    return {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
    }


def import_rows(settings: Settings, rows: list[dict[str, str]], path: Path) -> Any:
    pa_rows.write_csv(path, rows)
    return CliRunner().invoke(main, ["import-pas", str(path)], env=env_of(settings))


def updated_at(i: int) -> Any:
    # Varied, with ties (several rows share an hour), so ordering is really tested.
    return NOW - timedelta(hours=(i * 7919) % 97)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("api")
    settings = make_settings(base, REAL_CONTENT)
    prepare(settings)
    result = import_rows(settings, ROWS, base / "pas.csv")
    assert result.exit_code == 0, result.output
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        for i, row in enumerate(ROWS):
            conn.execute(
                text("UPDATE pas SET updated_at = :u WHERE email = :e"),
                {"u": updated_at(i), "e": row["email"]},
            )
    index.bump_version(settings)
    return settings


@pytest.fixture(scope="module")
def api(portal: Settings) -> Iterator[PageClient]:
    from pafinder.app import create_app

    with PageClient(create_app(portal), base_url="http://127.0.0.1") as c:
        yield c


def row_number(listing: dict[str, Any]) -> int:
    match = re.match(r"Row(\d+) ", listing["about"])
    assert match, listing
    return int(match.group(1))


def expected_order(params: list[tuple[str, str]]) -> list[int]:
    found = [
        i for i, r in enumerate(ROWS) if r["status"] == "published" and pa_rows.matches(r, params)
    ]
    # most recently updated first; ties in import order reversed (later rows have higher ids)
    return sorted(found, key=lambda i: (updated_at(i), i), reverse=True)


def check(api: PageClient, params: list[tuple[str, str]]) -> None:
    expected = expected_order(params)
    body = api.get("/api/pas", params=[*params, ("per_page", "100")]).json()
    assert body["total"] == len(expected), params
    assert [row_number(r) for r in body["results"]] == expected[:100], params
    published = [r for r in ROWS if r["status"] == "published"]
    want = pa_rows.facets_for(published, params)
    assert body["facets"] == want, params


def test_import_and_no_filters_page_through_everything(api: PageClient) -> None:
    expected = expected_order([])
    assert len(expected) == len(PUBLISHED) > 200
    seen: list[int] = []
    for page in itertools.count(1):
        body = api.get("/api/pas", params={"page": page, "per_page": 37}).json()
        assert body["page"] == page and body["per_page"] == 37
        assert body["total"] == len(expected)
        if not body["results"]:
            break
        seen.extend(row_number(r) for r in body["results"])
    assert seen == expected
    default = api.get("/api/pas").json()
    assert default["per_page"] == 20 and len(default["results"]) == 20
    assert set(default) == {"total", "page", "per_page", "results", "facets"}
    assert set(default["facets"]) == {
        "area",
        "gender",
        "task",
        "client_group",
        "age_group",
        "language",
        "availability",
        "dbs",
        "dbs_checked",
        "driving",
        "non_smoker",
    }


TAXONOMY_OF = {
    "area": "areas",
    "gender": "genders",
    "task": "tasks",
    "client_group": "client_groups",
    "age_group": "age_groups",
    "language": "languages",
    "availability": "availability",
}


@pytest.mark.parametrize("param", [*TAXONOMY_OF, "dbs"])
def test_every_value_of_every_parameter(api: PageClient, param: str) -> None:
    slugs = (
        pa_rows.LEVELS
        if param == "dbs"
        else [t.slug for t in CONTENT.taxonomies[TAXONOMY_OF[param]]]
    )
    for slug in slugs:
        check(api, [(param, slug)])
    rng = random.Random(param)
    for _ in range(6):  # repeated values
        check(api, [(param, s) for s in rng.sample(slugs, 2)])
    check(api, [(param, slugs[0]), (param, slugs[0])])


@pytest.mark.parametrize("flag", ["dbs_checked", "driving", "non_smoker"])
def test_yes_flags(api: PageClient, flag: str) -> None:
    check(api, [(flag, "yes")])
    assert api.get("/api/pas", params={flag: "no"}).json()["total"] == len(PUBLISHED)


def test_random_combinations(api: PageClient) -> None:
    rng = random.Random(11)
    choices = {p: [t.slug for t in CONTENT.taxonomies[t]] for p, t in TAXONOMY_OF.items()}
    choices["dbs"] = pa_rows.LEVELS
    nonempty = 0
    for _ in range(150):
        params: list[tuple[str, str]] = []
        for name in rng.sample(sorted(choices), rng.randint(1, 4)):
            params.extend((name, s) for s in rng.sample(choices[name], rng.randint(1, 2)))
        for flag in ("dbs_checked", "driving", "non_smoker"):
            if rng.random() < 0.2:
                params.append((flag, "yes"))
        check(api, params)
        nonempty += bool(expected_order(params))
    assert nonempty > 30  # the combinations really exercise matches, not only empty results


def test_text_search_is_stemmed_and_combines_with_filters(api: PageClient) -> None:
    body = api.get("/api/pas", params={"q": "garden", "per_page": 100}).json()
    want = {
        i for i, r in enumerate(ROWS) if r["status"] == "published" and "gardening" in r["about"]
    }
    assert {row_number(r) for r in body["results"]} == want and body["total"] == len(want)
    area = "crewe"
    body = api.get("/api/pas", params={"q": "gardening", "area": area, "per_page": 100}).json()
    want = {i for i in want if area in ROWS[i]["areas"].split(";")}
    assert {row_number(r) for r in body["results"]} == want
    assert body["facets"]["area"][area] == len(want)
    # A word in a qualification label finds listings holding it.
    body = api.get("/api/pas", params={"q": "epilepsy", "per_page": 100}).json()
    want = {
        i
        for i, r in enumerate(ROWS)
        if r["status"] == "published" and "epilepsy-awareness" in r["qualifications"]
    }
    assert {row_number(r) for r in body["results"]} == want
    assert api.get("/api/pas", params={"q": "xylophonist"}).json()["total"] == 0


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"area": "atlantis"}, "area"),
        ({"gender": "robot"}, "gender"),
        ({"task": "juggling"}, "task"),
        ({"client_group": "x"}, "client_group"),
        ({"age_group": "babies"}, "age_group"),
        ({"language": "klingon"}, "language"),
        ({"availability": "mon-lunch"}, "availability"),
        ({"dbs": "gold"}, "dbs"),
        ({"dbs_checked": "maybe"}, "dbs_checked"),
        ({"driving": "1"}, "driving"),
        ({"non_smoker": "true"}, "non_smoker"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "-5"}, "per_page"),
        ({"q": "x" * 201}, "q"),
        ({"area": "<script>alert(1)</script>"}, "area"),
    ],
)
def test_bad_parameters_are_400_with_a_message(
    api: PageClient, params: dict[str, str], key: str
) -> None:
    response = api.get("/api/pas", params=params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {key} and isinstance(errors[key], str) and errors[key]
    assert response.headers["cache-control"] == "no-store"


def test_one_listing_and_404s(api: PageClient, portal: Settings) -> None:
    engine = make_engine(portal.database_url)
    with engine.connect() as conn:
        refs = dict(conn.execute(text("SELECT email, ref FROM pas")).all())
    for i, row in enumerate(ROWS[:40]):
        response = api.get(f"/api/pas/{refs[row['email']]}")
        assert response.headers["cache-control"] == "no-store"
        if row["status"] == "published":
            body = response.json()
            assert response.status_code == 200
            assert {k: v for k, v in body.items() if k not in ("ref", "updated")} == pa_rows.public(
                row
            )
            assert body["updated"] == updated_at(i).date().isoformat()
        else:
            assert response.status_code == 404, row["status"]
    assert api.get("/api/pas/PA-NOPE99").status_code == 404


def test_private_details_never_appear(api: PageClient) -> None:
    bodies = [api.get("/api/pas", params={"per_page": 100, "page": p}).text for p in (1, 2, 3)]
    everything = "".join(bodies)
    for row in ROWS:
        assert row["email"] not in everything
        assert row["phone"] not in everything
        assert row["postcode"] not in everything
    for last in pa_rows.LAST:
        assert last not in everything
    assert "last_name" not in everything and "email" not in everything
