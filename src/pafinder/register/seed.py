"""Synthetic PA listings (benchmarks, `pafinder seed --pas N`) and the demo deployment's listings.

Both use the deployment's real taxonomies. Synthetic listings are deterministic for a random
seed and inserted in chunks, then indexed once.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from pafinder.content import Content, load_content
from pafinder.db import utcnow
from pafinder.register import index, other_answers, store
from pafinder.register.tables import DBS_LEVELS
from pafinder.settings import Settings

# First names by the listing's gender, so a demo "Ben" is never listed as female; a PA who is
# non-binary or prefers not to say gets a name used for anyone.
FIRST_NAMES = {
    "female": (
        "Amara", "Chloe", "Efua", "Farah", "Hana", "Ioana", "Leila", "Nia", "Priya", "Sana",
        "Zofia", "Bronwen", "Deepa", "Elif", "Fiona", "Imani", "Joanne", "Lucy", "Niamh", "Paula",
        "Ruth", "Tess",
    ),
    "male": (
        "Ben", "Dawid", "George", "Jack", "Kofi", "Marek", "Owen", "Rhys", "Tomasz", "Aled",
        "Callum", "Gareth", "Hamza", "Karim", "Mohammed", "Samir", "Yusuf",
    ),
    "any": ("Alex", "Charlie", "Jordan", "Robin", "Sam", "Kit", "Rowan", "Jesse", "Remi", "Ash"),
}  # fmt: skip
LAST_NAMES = (
    "Kowalski", "Smith", "Okafor", "Jones", "Patel", "Nowak", "Evans", "Begum", "Popescu",
    "Williams", "Hughes", "Ahmed", "Taylor", "Brown", "Khan", "Davies", "Mensah", "Wilson",
    "Roberts", "Ali", "Thomas", "Murphy", "Clarke", "Lewis",
)  # fmt: skip
OPENERS = (
    "I am a calm and patient carer", "I have worked in a residential home",
    "I used to be a teaching assistant", "I cared for my father for six years",
    "I am a qualified nurse returning to care work", "I have supported young adults at college",
    "I worked as a support worker for a charity", "I am new to care and keen to learn",
)  # fmt: skip
INTERESTS = (
    "gardening", "cooking", "baking", "walking", "swimming", "music", "films", "football",
    "knitting", "crafts", "reading", "board games", "photography", "dogs", "history",
)  # fmt: skip
STRENGTHS = (
    "I am good at helping people stay independent at home",
    "I like helping people get out and about in the community",
    "I am confident using hoists and handling equipment",
    "I can support people with personal care with dignity",
    "I am experienced with medication and keeping records",
    "I understand how to support people with dementia and their families",
    "I can communicate using Makaton and simple signs",
    "I can help with meal planning and healthy cooking",
)  # fmt: skip


def _listing(rng: random.Random, tax: dict[str, list[str]], now: datetime) -> dict[str, Any]:
    def some(name: str, low: int, high: int) -> list[str]:
        pool = tax[name]
        return rng.sample(pool, min(len(pool), rng.randint(low, high))) if pool else []

    updated = now - timedelta(minutes=rng.randint(0, 100 * 24 * 60))
    dbs = rng.choices(DBS_LEVELS, weights=(1, 2, 2, 6, 4))[0]
    checked = dbs != "none" and rng.random() < 0.5
    quals = []
    for slug in some("qualifications", 0, 5):
        achieved = now.date() - timedelta(days=rng.randint(30, 2000))
        expires = achieved + timedelta(days=3 * 365) if rng.random() < 0.5 else None
        quals.append({"slug": slug, "date": achieved.isoformat(),
                      "expires": expires.isoformat() if expires else None})  # fmt: skip
    years = rng.randint(0, 25)
    # Two different interests and two different strengths: no "dogs and dogs", and the
    # experience does not repeat a sentence of the about text.
    first_interest, second_interest = rng.sample(INTERESTS, 2)
    strength, other_strength = rng.sample(STRENGTHS, 2)
    about = (
        f"{rng.choice(OPENERS)}. {strength}. "
        f"In my spare time I enjoy {first_interest} and {second_interest}."
    )
    if years == 0:
        experience = f"I am new to paid care work. {other_strength}."
    else:
        experience = (
            f"{years} year{'s' if years != 1 else ''} of paid or family care. {other_strength}."
        )
    gender = rng.choice(tax["genders"]) if tax["genders"] else ""
    names = FIRST_NAMES.get(gender, FIRST_NAMES["any"])
    hours = rng.choice((None, 8, 10, 12, 16, 20, 25, 30, 37, 40))
    return {
        "status": "published",
        "paused": False,
        "first_name": rng.choice(names),
        "last_name": rng.choice(LAST_NAMES),
        "phone": f"07700 9{rng.randint(0, 99999):05d}",
        "postcode": f"CW{rng.randint(1, 12)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}Z",
        "gender": gender,
        "areas": json.dumps(some("areas", 1, 4)),
        "languages": json.dumps(
            ["english", *some("languages", 0, 2)]
            if "english" in tax["languages"]
            else some("languages", 1, 2)
        ),
        "tasks": json.dumps(some("tasks", 2, 8)),
        "client_groups": json.dumps(some("client_groups", 1, 4)),
        "age_groups": json.dumps(some("age_groups", 1, 3)),
        "availability": json.dumps(some("availability", 3, 16)),
        "qualifications": json.dumps(quals),
        "dbs": dbs,
        "dbs_certificate_date": (
            None if dbs == "none" else now.date() - timedelta(days=rng.randint(30, 1800))
        ),
        "dbs_update_service": rng.random() < 0.4,
        "dbs_checked": checked,
        "dbs_checked_at": updated if checked else None,
        "dbs_check_method": "certificate" if checked else None,
        "driving": rng.random() < 0.6,
        "own_car": rng.random() < 0.4,
        "hours_wanted": hours,
        "live_in": rng.random() < 0.15,
        "nights": rng.random() < 0.3,
        "emergency_cover": rng.random() < 0.25,
        "smoker": rng.random() < 0.15,
        "experience_years": years,
        "experience": experience,
        "about": about,
        "created_at": updated - timedelta(days=rng.randint(0, 300)),
        "updated_at": updated,
        "email_verified_at": updated,
        "published_at": updated,
        "confirmed_at": updated,
    }


def _taxonomies(content: Content) -> dict[str, list[str]]:
    return {name: [t.slug for t in terms] for name, terms in content.taxonomies.items()}


def seed_pas(
    engine: Engine,
    settings: Settings,
    count: int,
    random_seed: int,
    progress: Callable[[int, int], Any] | None = None,
) -> None:
    """Add `count` synthetic published listings (deterministic for `random_seed`), then rebuild
    the index. Progress counts inserted rows, then indexed rows, out of 2 * count."""
    rng = random.Random(random_seed)  # noqa: S311 (synthetic data, repeatable on purpose)
    tax = _taxonomies(load_content(settings.content_dir))
    now = utcnow()
    chunk = 5000
    done = 0
    with engine.begin() as conn:
        taken = store.existing_refs(conn)
        while done < count:
            rows = []
            for i in range(done, min(count, done + chunk)):
                row = _listing(rng, tax, now)
                ref = store.new_ref(rng)
                while ref in taken:
                    ref = store.new_ref(rng)
                taken.add(ref)
                row["ref"] = ref
                row["email"] = f"pa{random_seed}-{i}@example.invalid"
                rows.append(row)
            done += store.insert_pas(conn, rows, chunk=chunk)
            if progress:
                progress(done, 2 * count)
    offset = count
    index.rebuild_pa_index(
        engine, settings, (lambda n, _total: progress(offset + n, 2 * count)) if progress else None
    )


DEMO_PENDING = 2
DEMO_PUBLISHED = 40


def seed_demo(engine: Engine, settings: Settings, content: Content) -> str:
    """About 40 varied published listings and a couple waiting for staff; only on an empty
    register, so a real deployment's data is never touched."""
    if store.count_pas(engine):
        return "PA listings: already present, nothing seeded"
    rng = random.Random(2026)  # noqa: S311 (the same demo every time)
    tax = _taxonomies(content)
    now = utcnow()
    rows = []
    for i in range(DEMO_PUBLISHED + DEMO_PENDING):
        row = _listing(rng, tax, now)
        row["ref"] = store.new_ref(rng)
        row["email"] = f"demo-pa{i}@example.invalid"
        if i >= DEMO_PUBLISHED:
            row.update(status="pending", published_at=None, confirmed_at=None)
        rows.append(row)
    # A few the profile flags must show: an old certificate not on the Update Service, expired
    # training.
    rows[0].update(dbs="enhanced", dbs_update_service=False, dbs_checked=False,
                   dbs_certificate_date=date(now.year - 4, 5, 1), dbs_checked_at=None)  # fmt: skip
    rows[1]["qualifications"] = json.dumps(
        [{"slug": tax["qualifications"][0], "date": "2020-01-10", "expires": "2023-01-10"}]
        if tax["qualifications"] else []
    )  # fmt: skip
    with engine.begin() as conn:
        store.insert_pas(conn, rows)
        # Typed "Other" answers (issue 11, point 6): one approved on a published profile, one
        # waiting for staff on a listing in the queue.
        other_answers.seed(conn, rows[2]["ref"], "language", "Amharic", "approved", now)
        other_answers.seed(
            conn, rows[-1]["ref"], "qualification", "Makaton Foundation Workshop", "pending", now
        )
    indexed = index.rebuild_pa_index(engine, settings)
    return f"PA listings: {DEMO_PUBLISHED} published ({indexed} searchable), {DEMO_PENDING} pending"
