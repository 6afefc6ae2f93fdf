"""Deterministic PA import rows for the register's tests, and an independent filter over them
(plain Python over the CSV rows, sharing no code with the query engine)."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

from pafinder.content import Content
from pafinder.settings import Settings

COLUMNS = [
    *("first_name", "last_name", "email", "phone", "postcode", "areas", "gender", "languages"),
    *("tasks", "client_groups", "age_groups", "availability", "qualifications", "dbs"),
    *("dbs_certificate_date", "dbs_update_service", "dbs_checked", "driving", "smoker"),
    *("experience_years", "about", "status"),
]
LEVELS = ["none", "basic", "standard", "enhanced", "enhanced_barred"]
FIRST = [
    "Amara",
    "Ben",
    "Chloé",
    "Dawid",
    "Efua",
    "Farah",
    "George",
    "Hana",
    "Ioana",
    "Jack",
    "Kofi",
    "Leila",
    "Marek",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sana",
    "Tomasz",
    "Zofia",
]
LAST = [
    "Kowalski",
    "Smith",
    "Okafor",
    "Jones",
    "Patel",
    "Nowak",
    "Evans",
    "Begum",
    "Popescu",
    "Williams",
    "Hughes",
    "Ahmed",
]
WORDS = [
    "gardening",
    "cooking",
    "walking",
    "reading",
    "patient",
    "cheerful",
    "hoists",
    "swimming",
    "music",
    "crafts",
    "football",
    "baking",
]


def make_rows(content: Content, count: int = 300, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    tax = {name: [t.slug for t in terms] for name, terms in content.taxonomies.items()}

    def some(name: str, low: int, high: int) -> str:
        return ";".join(rng.sample(tax[name], rng.randint(low, min(high, len(tax[name])))))

    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "first_name": first,
                "last_name": last,
                "email": f"pa{i}@example.org",
                "phone": f"07700 900{i:03d}",
                "postcode": f"CW{i % 12 + 1} {i % 9}AB",
                "areas": some("areas", 1, 4),
                "gender": rng.choice(tax["genders"]),
                "languages": some("languages", 0, 3),
                "tasks": some("tasks", 1, 6),
                "client_groups": some("client_groups", 0, 4),
                "age_groups": some("age_groups", 1, 3),
                "availability": some("availability", 0, 14),
                "qualifications": some("qualifications", 0, 4),
                "dbs": rng.choice(LEVELS),
                "dbs_certificate_date": rng.choice(["", "2021-02-01", "2025-06-30"]),
                "dbs_update_service": rng.choice(["yes", "no"]),
                "dbs_checked": rng.choice(["yes", "no", "no"]),
                "driving": rng.choice(["yes", "no"]),
                "smoker": rng.choice(["yes", "no", "no", "no"]),
                "experience_years": str(rng.randint(0, 30)),
                "about": f"Row{i} likes {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                "status": rng.choices(["published", "pending", "withdrawn"], [8, 1, 1])[0],
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def split(value: str) -> list[str]:
    return [v for v in value.split(";") if v]


def matches(row: dict[str, str], params: list[tuple[str, str]]) -> bool:
    """The CONTRACT's filter semantics, written plainly."""
    given: dict[str, list[str]] = {}
    for key, value in params:
        given.setdefault(key, []).append(value)
    if "area" in given and not set(given["area"]) & set(split(row["areas"])):
        return False
    if "gender" in given and row["gender"] not in given["gender"]:
        return False
    for param, column in (
        ("task", "tasks"),
        ("client_group", "client_groups"),
        ("age_group", "age_groups"),
        ("language", "languages"),
        ("availability", "availability"),
    ):
        if not set(given.get(param, [])) <= set(split(row[column])):
            return False
    for level in given.get("dbs", []):
        if LEVELS.index(row["dbs"]) < LEVELS.index(level):
            return False
    if given.get("dbs_checked") == ["yes"] and row["dbs_checked"] != "yes":
        return False
    if given.get("driving") == ["yes"] and row["driving"] != "yes":
        return False
    return not (given.get("non_smoker") == ["yes"] and row["smoker"] != "no")


def facets(rows: list[dict[str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for param, column in (
        ("area", "areas"),
        ("task", "tasks"),
        ("client_group", "client_groups"),
        ("age_group", "age_groups"),
        ("language", "languages"),
        ("availability", "availability"),
    ):
        counts: dict[str, int] = {}
        for row in rows:
            for slug in split(row[column]):
                counts[slug] = counts.get(slug, 0) + 1
        out[param] = counts
    for param, column in (("gender", "gender"), ("dbs", "dbs")):
        counts = {}
        for row in rows:
            counts[row[column]] = counts.get(row[column], 0) + 1
        out[param] = counts
    return out


def facets_for(
    rows: list[dict[str, str]], params: list[tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """The CONTRACT's facet counts for a search over ``rows`` (the published ones), worked out
    the slow way: each count is the size of the search a person would get by ticking it."""
    result = [r for r in rows if matches(r, params)]
    out = facets(result)
    for param, column in (("area", "areas"), ("gender", "gender")):
        own = [v for k, v in params if k == param]
        if not own:
            continue
        others = [(k, v) for k, v in params if k != param]
        base = [r for r in rows if matches(r, others)]
        values = {s for r in base for s in (split(r[column]) if param == "area" else [r[column]])}
        counts = {}
        for value in values:
            ticked = others + [(param, v) for v in [*own, value]]
            counts[value] = sum(1 for r in base if matches(r, ticked))
        out[param] = {k: n for k, n in counts.items() if n}
    if any(k == "dbs" for k, _ in params):
        base = [r for r in rows if matches(r, [(k, v) for k, v in params if k != "dbs"])]
        out["dbs"] = facets(base)["dbs"]
    out["dbs_checked"] = {"yes": sum(1 for r in result if r["dbs_checked"] == "yes")}
    out["driving"] = {"yes": sum(1 for r in result if r["driving"] == "yes")}
    out["non_smoker"] = {"yes": sum(1 for r in result if r["smoker"] == "no")}
    return out


def public(row: dict[str, str]) -> dict[str, Any]:
    """The public view the API must give for a row (without ref and updated)."""
    return {
        "display_name": f"{row['first_name']} {row['last_name'][0]}.",
        "areas": split(row["areas"]),
        "gender": row["gender"],
        "tasks": split(row["tasks"]),
        "client_groups": split(row["client_groups"]),
        "age_groups": split(row["age_groups"]),
        "languages": split(row["languages"]),
        "availability": split(row["availability"]),
        "qualifications": split(row["qualifications"]),
        "dbs": row["dbs"],
        "dbs_checked": row["dbs_checked"] == "yes",
        "driving": row["driving"] == "yes",
        "smoker": row["smoker"] == "yes",
        "experience_years": int(row["experience_years"]),
        "about": row["about"],
    }


def imported_portal(base: Path, rows: list[dict[str, str]]) -> Settings:
    """A portal on the real content with ``rows`` imported as `pafinder import-pas` would."""
    # Imported here: tests.conftest is heavy, and this module is also used without a portal.
    from pafinder.register.commands import import_file
    from tests.conftest import REAL_CONTENT, make_settings, prepare

    settings = make_settings(base, REAL_CONTENT)
    prepare(settings)
    import_file(settings, write_csv(base / "pas.csv", rows))
    return settings
