"""The Open Referral UK feed (issue 15): every answer validates against the profile's schemas,
the records say what the events and services say, ids are stable, and a cancelled or finished
group leaves the feed at the next publish."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events import store
from pafinder.events.publish import publish
from pafinder.oruk.ids import oruk_id
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.oruk.conftest import SECRET_JOINING
from tests.oruk.validate import assert_valid_one, assert_valid_page

KINDS = ("services", "service_at_locations", "taxonomies", "taxonomy_terms")


def get_json(client: PageClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


def by_name(client: PageClient) -> dict[str, dict[str, Any]]:
    listing = get_json(client, "/api/oruk/services?per_page=200")
    return {
        s["name"]: get_json(client, f"/api/oruk/services/{s['id']}") for s in listing["contents"]
    }


def test_every_answer_validates_against_the_profile(
    portal: tuple[Settings, PageClient],
) -> None:
    oclient = portal[1]
    root = get_json(oclient, "/api/oruk/")
    assert root["version"] == "3.0" and root["profile"].startswith("https://")
    assert get_json(oclient, "/api/oruk") == root
    seen = 0
    for kind in KINDS:
        first = get_json(oclient, f"/api/oruk/{kind}")  # the pre-rendered first page
        assert_valid_page(first, kind)
        assert first["total_items"] > 0 and first["page_number"] == 1
        every = get_json(oclient, f"/api/oruk/{kind}?per_page=200")  # from the database
        assert_valid_page(every, kind)
        assert every["total_items"] == first["total_items"]
        for item in every["contents"]:
            one = get_json(oclient, f"/api/oruk/{kind}/{item['id']}")
            assert_valid_one(one, kind)
            assert one["id"] == item["id"]
            seen += 1
    assert seen > 50


def test_services_and_events_carry_schedules_places_costs_and_links(
    portal: tuple[Settings, PageClient],
) -> None:
    found = by_name(portal[1])
    # The five content services and the four events.
    assert {"Carers support service", "Mentoring for young people in care"} <= set(found)
    carers = found["Carers support service"]
    assert (
        carers["minimum_age"] == 18 and carers["url"] == "https://pa.example.org/services/carers/"
    )
    assert carers["service_areas"][0]["name"] == "Derby"
    assert "DE1-DE24" in carers["service_areas"][0]["extent"]
    assert "How to get help:" in carers["description"]
    assert carers["contacts"][0]["phones"][0]["number"] == "0115 496 0150"
    assert carers["organization"]["name"] == "Example Support Partnership"
    assert found["Supported housing for young people"]["maximum_age"] == 25

    weekly = found["Tuesday carers group"]["schedules"][0]
    assert weekly["freq"] == "WEEKLY" and weekly["interval"] == 1
    assert weekly["opens_at"] == "18:00:00" and weekly["closes_at"] == "19:30:00"
    assert "valid_to" not in weekly  # open-ended
    assert weekly["byday"] in {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
    group = found["Tuesday carers group"]
    place = group["service_at_locations"][0]["location"]
    assert place["location_type"] == "physical"
    assert place["addresses"][0]["postal_code"] == "DE1 1ZZ"
    assert {a["accessibility"] for a in place["accessibility"]} == {"step-free", "hearing-loop"}
    assert group["url"] == f"https://pa.example.org/events/{group['url'].split('/')[-2]}/"
    assert group["schedules"][0]["schedule_link"] == group["url"]
    assert group["cost_options"][0]["amount"] == 0

    fortnightly = found["Crewe workshop"]["schedules"][0]
    assert fortnightly["freq"] == "WEEKLY" and fortnightly["interval"] == 2
    assert fortnightly["valid_to"]
    crewe = found["Crewe workshop"]["service_at_locations"][0]["location"]
    assert {a["accessibility"] for a in crewe["accessibility"]} == {"step-free", "bsl"}
    assert found["Crewe workshop"]["service_areas"][0]["name"] == "Crewe (Cheshire East)"

    monthly = found["Online recovery course"]
    rule = monthly["schedules"][0]
    assert rule["freq"] == "MONTHLY" and rule["byday"][-2:] in weekly["byday"] + "MOTUWETHFRSASU"
    assert rule["byday"][:-2] in {"1", "2", "3", "4", "-1"} and rule["count"] == 6
    assert rule["attending_type"] == "Online"
    assert monthly["service_at_locations"][0]["location"]["location_type"] == "virtual"

    once = found["Phone talking point"]
    assert "freq" not in once["schedules"][0]
    assert once["schedules"][0]["valid_from"] == once["schedules"][0]["valid_to"]
    assert once["service_at_locations"] == [] and once["fees"] == "£2 suggested"
    assert once["cost_options"][0]["amount_description"] == "£2 suggested"
    kinds = {a["taxonomy_term"]["taxonomy"]: a["taxonomy_term"]["term"] for a in once["attributes"]}
    assert kinds["event_kinds"] == "talking-point" and kinds["services"] == "carers"


def test_private_details_never_reach_the_feed(portal: tuple[Settings, PageClient]) -> None:
    every = "".join(p.read_text() for p in (portal[0].site_dir / "api" / "oruk").rglob("*.json"))
    assert SECRET_JOINING not in every and "0115 496 0999" not in every
    # The referral mailbox is for staff; the public address from the page is published.
    assert "peer-support@example.org" not in every and "peersupport@example.org" in every


def test_ids_are_stable_across_publishes(osettings: Settings, programme: dict[str, int]) -> None:
    folder = osettings.site_dir / "api" / "oruk"
    before = {p.name: p.read_bytes() for p in (folder / "services").glob("*.json")}
    engine = make_engine(osettings.database_url)
    publish(engine, osettings, load_content(osettings.content_dir))
    after = {p.name: p.read_bytes() for p in (folder / "services").glob("*.json")}
    assert before == after
    assert f"{oruk_id('event', programme['weekly'])}.json" in after
    assert f"{oruk_id('service', 'carers')}.json" in after
    # Derived from our ids alone: the same on any node, for any rebuild.
    assert oruk_id("event", 1) == "d647e3a5-baa1-50ed-8f35-2438801c2e69"


def test_a_cancelled_or_finished_group_leaves_at_the_next_publish(
    osettings: Settings, programme: dict[str, int], oclient: PageClient
) -> None:
    engine = make_engine(osettings.database_url)
    content = load_content(osettings.content_dir)
    folder = osettings.site_dir / "api" / "oruk" / "services"
    weekly, once = oruk_id("event", programme["weekly"]), oruk_id("event", programme["once"])
    assert (folder / f"{weekly}.json").exists() and (folder / f"{once}.json").exists()

    store.set_status(engine, programme["weekly"], "cancelled", "test")
    publish(engine, osettings, content)
    assert not (folder / f"{weekly}.json").exists()
    assert not (folder / f"{weekly}.json.gz").exists()
    get_json(oclient, f"/api/oruk/services/{weekly}", 404)
    names = [s["name"] for s in get_json(oclient, "/api/oruk/services")["contents"]]
    assert "Tuesday carers group" not in names
    sals = get_json(oclient, "/api/oruk/service_at_locations?per_page=200")["contents"]
    assert weekly not in {s["service_id"] for s in sals}

    # A week on, the one-off date is past: the daily publish takes it out.
    later = datetime.now(UTC) + timedelta(days=8)
    publish(engine, osettings, content, now=later)
    assert not (folder / f"{once}.json").exists()
    listing = json.loads((folder.parent / "services.json").read_text())
    assert "Phone talking point" not in {s["name"] for s in listing["contents"]}
    assert "Crewe workshop" in {s["name"] for s in listing["contents"]}


def test_the_build_writes_the_feed(osettings: Settings) -> None:
    """`pafinder build` (prepare) wrote it before any event existed: the content services."""
    listing = json.loads((osettings.site_dir / "api/oruk/services.json").read_text())
    assert_valid_page(listing, "services")
    assert listing["total_items"] == 5
    assert (osettings.site_dir / "api/oruk/index.json").exists()
