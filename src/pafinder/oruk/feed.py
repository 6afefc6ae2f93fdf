"""The whole ORUK feed in memory: full services, their list shapes, services at locations,
taxonomies and terms, from content and the events store. The static files (publish.py) and
the filtered routes (routes.py) both read this, so they never disagree on a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from pafinder import geo
from pafinder.content import Content
from pafinder.events import store
from pafinder.events.recurrence import Event
from pafinder.events.views import now_utc
from pafinder.oruk.events import event_service, live
from pafinder.oruk.services import content_service, covered_districts, service_id
from pafinder.oruk.taxonomies import Terms, taxonomy, term, vocabularies

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
# The one-to-one fields of a service (compiled/service_list.json), plus its organisation.
LIST_FIELDS = (
    "id",
    "organization_id",
    "name",
    "description",
    "url",
    "email",
    "status",
    "fees",
    "accreditations",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "alert",
    "last_modified",
)
ORGANIZATION_FIELDS = ("id", "name", "description", "email", "website", "logo", "uri")
LOCATION_LIST_FIELDS = (
    "id",
    "location_type",
    "name",
    "description",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
)


def pick(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: record[k] for k in fields if k in record}


def service_summary(service: dict[str, Any]) -> dict[str, Any]:
    found = pick(service, LIST_FIELDS)
    found["organization"] = pick(service["organization"], ORGANIZATION_FIELDS)
    return found


def service_full_no_locations(service: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in service.items() if k != "service_at_locations"}


@dataclass(frozen=True)
class Feed:
    services: list[dict[str, Any]]  # full, as /services/{id}
    taxonomies: list[dict[str, Any]]  # each with its taxonomy_terms
    terms: list[dict[str, Any]]
    # service id -> the postcode districts it covers (content services' eligibility), for the
    # postcode filter; a service not in it has no area to check.
    districts: dict[str, frozenset[str]] = field(default_factory=dict)

    def service(self, service_id: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s["id"] == service_id), None)

    def service_at_locations(
        self, services: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Full services at locations (compiled/service_at_location.json), in service order."""
        found = []
        for service in self.services if services is None else services:
            for sal in service["service_at_locations"]:
                found.append({**sal, "service": service_full_no_locations(service)})
        return found

    def service_at_location(self, sal_id: str) -> dict[str, Any] | None:
        return next((s for s in self.service_at_locations() if s["id"] == sal_id), None)

    def taxonomy(self, taxonomy_id: str) -> dict[str, Any] | None:
        return next((t for t in self.taxonomies if t["id"] == taxonomy_id), None)

    def term(self, term_id: str) -> dict[str, Any] | None:
        return next((t for t in self.terms if t["id"] == term_id), None)


def sal_summary(sal: dict[str, Any]) -> dict[str, Any]:
    """compiled/service_at_location_list.json: the location's and service's one-to-one fields."""
    return {
        "id": sal["id"],
        "service_id": sal["service_id"],
        "location_id": sal["location_id"],
        "location": pick(sal["location"], LOCATION_LIST_FIELDS),
        "service": service_summary(sal["service"]),
    }


def taxonomy_summary(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k != "taxonomy_terms"}


def root(base_url: str) -> dict[str, Any]:
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json",
        "service_url": f"{base_url}/api/oruk/services",
        # Latitudes, longitudes and distances come from the ONS postcode lookup (pafinder.geo).
        "attribution": list(geo.ATTRIBUTION),
    }


def build_feed(
    content: Content, events: list[Event], base_url: str, now: datetime | None = None
) -> Feed:
    now = now or now_utc()
    terms = Terms(content, base_url)
    services = [content_service(content, s, terms, base_url) for s in content.services]
    services += [event_service(e, content, terms, base_url) for e in events if live(e, now)]
    services.sort(key=lambda s: (s["name"].casefold(), s["id"]))
    vocabs = vocabularies(content)
    return Feed(
        services=services,
        taxonomies=[taxonomy(v, base_url, with_terms=True) for v in vocabs],
        terms=[term(v, slug, base_url) for v in vocabs for slug in v.terms],
        districts={service_id(s.slug): covered_districts(s) for s in content.services},
    )


def feed_from_db(
    engine: Engine, content: Content, base_url: str, now: datetime | None = None
) -> Feed:
    return build_feed(content, store.all_events(engine, "published"), base_url, now)
