"""Our own vocabularies as ORUK taxonomies: every file of content/taxonomies, the services (by
slug), the event kinds, the places events are held (Cheshire East's towns and Derby's areas) and
the accessibility features of a venue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pafinder.content import Content
from pafinder.events.models import ACCESS, DERBY_AREAS, FORMATS, KINDS
from pafinder.oruk.ids import oruk_id

# Taxonomies the events and services feature carry in code rather than in content/taxonomies.
SERVICES = "services"
EVENT_KINDS = "event_kinds"
EVENT_AREAS = "event_areas"
ACCESSIBILITY = "accessibility"
ATTENDING = "attending_types"

DESCRIPTIONS = {
    SERVICES: "The services that run the portal's referrals, groups and events.",
    EVENT_KINDS: "Kinds of event and group: workshops, courses, support groups and so on.",
    EVENT_AREAS: "The areas in which events and groups are held.",
    ACCESSIBILITY: "Accessibility features of the places events and groups are held.",
    ATTENDING: "How people take part: in person, online or by phone.",
}


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    terms: dict[str, str]  # slug -> label


def vocabularies(content: Content) -> list[Vocabulary]:
    found = [
        Vocabulary(SERVICES, DESCRIPTIONS[SERVICES], {s.slug: s.name for s in content.services}),
        Vocabulary(EVENT_KINDS, DESCRIPTIONS[EVENT_KINDS], dict(KINDS)),
        Vocabulary(
            EVENT_AREAS,
            DESCRIPTIONS[EVENT_AREAS],
            {
                **{s: f"{label} (Cheshire East)" for s, label in content.labels("areas").items()},
                **{s: f"{label} (Derby)" for s, label in DERBY_AREAS.items()},
            },
        ),
        Vocabulary(ACCESSIBILITY, DESCRIPTIONS[ACCESSIBILITY], dict(ACCESS)),
        Vocabulary(ATTENDING, DESCRIPTIONS[ATTENDING], dict(FORMATS)),
    ]
    for name in sorted(content.taxonomies):
        words = name.replace("_", " ")
        found.append(
            Vocabulary(
                name,
                f"The {words} used by the register of personal assistants.",
                content.labels(name),
            )
        )
    return found


def taxonomy_id(name: str) -> str:
    return oruk_id("taxonomy", name)


def term_id(taxonomy: str, slug: str) -> str:
    return oruk_id("term", taxonomy, slug)


def term(vocabulary: Vocabulary, slug: str, base_url: str) -> dict[str, Any]:
    label = vocabulary.terms[slug]
    return {
        "id": term_id(vocabulary.name, slug),
        "name": label,
        "description": label,
        "taxonomy": vocabulary.name,
        "taxonomy_id": taxonomy_id(vocabulary.name),
        "term_uri": f"{base_url}/api/oruk/taxonomy_terms/{term_id(vocabulary.name, slug)}",
        "term": slug,
    }


def taxonomy(vocabulary: Vocabulary, base_url: str, with_terms: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": taxonomy_id(vocabulary.name),
        "name": vocabulary.name,
        "description": vocabulary.description,
        "uri": f"{base_url}/api/oruk/taxonomies/{taxonomy_id(vocabulary.name)}",
        "version": "1",
    }
    if with_terms:
        found["taxonomy_terms"] = [term(vocabulary, s, base_url) for s in vocabulary.terms]
    return found


class Terms:
    """Look-ups of our terms by (taxonomy, slug), for the attributes of services and places."""

    def __init__(self, content: Content, base_url: str) -> None:
        self.base_url = base_url
        self.by_name = {v.name: v for v in vocabularies(content)}

    def attribute(self, link_id: str, link_type: str, taxonomy: str, slug: str) -> dict[str, Any]:
        """An ORUK attribute linking a record to one of our terms (unknown slugs: no term)."""
        vocabulary = self.by_name[taxonomy]
        found = term(vocabulary, slug, self.base_url)
        return {
            "id": oruk_id("attribute", link_type, link_id, taxonomy, slug),
            "link_id": link_id,
            "link_type": link_type,
            "taxonomy_term_id": found["id"],
            "taxonomy_term": found,
        }

    def has(self, taxonomy: str, slug: str) -> bool:
        vocabulary = self.by_name.get(taxonomy)
        return vocabulary is not None and slug in vocabulary.terms
