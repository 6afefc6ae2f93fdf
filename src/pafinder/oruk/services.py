"""Our content services (content/services/*.yaml) as ORUK services: organisation, contact
details, eligibility as ages and an area, how to refer, and the services' own taxonomy term."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from pydantic import ValidationError

from pafinder.content import Content, Service, markdown_text
from pafinder.oruk.ids import oruk_id
from pafinder.oruk.taxonomies import SERVICES, Terms
from pafinder.referrals.models import Eligibility

# The public address and phone a service gives in its "Where and when" text (the referral's
# staff_email is a staff mailbox and is never published).
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def organisation(content: Content, base_url: str) -> dict[str, Any]:
    site = content.site
    return {
        "id": oruk_id("organization", site.organisation),
        "name": site.organisation,
        "description": f"{site.organisation} runs {site.name}: {base_url}/",
        "email": site.email,
        "website": f"{base_url}/",
        "uri": f"{base_url}/",
    }


def service_id(slug: str) -> str:
    return oruk_id("service", slug)


def covered_districts(service: Service) -> frozenset[str]:
    rules = (service.raw.get("referral") or {}).get("eligibility") or {}
    try:
        return Eligibility.model_validate(
            {"postcode_districts": rules.get("postcode_districts") or []}
        ).districts
    except ValidationError:  # the referral feature refuses such content at build time
        return frozenset()


def public_email(content: Content, service: Service | None) -> str:
    if service is not None:
        found = _EMAIL.search(str(service.raw.get("where") or ""))
        if found:
            return found.group(0)
    return content.site.email


def public_phone(content: Content, service: Service | None) -> str:
    if service is not None:
        phone = (service.raw.get("referral") or {}).get("phone")
        if phone:
            return str(phone)
    return content.site.phone


def eligibility(service: Service | None) -> dict[str, Any]:
    if service is None:
        return {}
    rules = (service.raw.get("referral") or {}).get("eligibility") or {}
    ages = {"minimum_age": rules.get("min_age"), "maximum_age": rules.get("max_age")}
    return {k: v for k, v in ages.items() if isinstance(v, int)}


def last_modified(day_or_time: Any) -> str:
    """An ISO 8601 UTC time (the date of a content review is midnight UTC that day)."""
    if isinstance(day_or_time, datetime):
        moment = day_or_time.replace(tzinfo=UTC) if day_or_time.tzinfo is None else day_or_time
    else:
        moment = datetime.combine(day_or_time, time(0), tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contact(
    content: Content, service: Service | None, owner_id: str, name: str, title: str
) -> dict[str, Any]:
    """A contact with its phone (HSDS 3.0's contact.phones; the UK profile leaves it open)."""
    contact_id = oruk_id("contact", owner_id)
    return {
        "id": contact_id,
        "service_id": owner_id,
        "name": name,
        "title": title,
        "phones": [
            {
                "id": oruk_id("phone", owner_id),
                "contact_id": contact_id,
                "number": public_phone(content, service),
                "description": f"{content.site.opening_hours}. "
                f"Email {public_email(content, service)}",
            }
        ],
    }


def content_service(
    content: Content, service: Service, terms: Terms, base_url: str
) -> dict[str, Any]:
    sid = service_id(service.slug)
    referral = service.raw.get("referral") or {}
    rules = referral.get("eligibility") or {}
    how = markdown_text(str(service.raw.get("how_to_refer") or ""))
    who = markdown_text(str(service.raw.get("who_for") or ""))
    description = "\n\n".join(
        p
        for p in (
            service.summary,
            f"Who it is for: {who}" if who else "",
            f"How to get help: {how}" if how else "",
        )
        if p
    )
    found: dict[str, Any] = {
        "id": sid,
        "organization_id": oruk_id("organization", content.site.organisation),
        "name": service.name,
        "description": description,
        "url": f"{base_url}{service.url}",
        "email": public_email(content, service),
        "status": "active",
        **eligibility(service),
        "assured_date": service.last_reviewed.isoformat(),
        "last_modified": last_modified(service.last_reviewed),
        "schedules": [],
        "service_areas": [],
        "service_at_locations": [],
        "languages": [],
        "organization": organisation(content, base_url),
        "funding": [{"id": oruk_id("funding", sid), "service_id": sid, "source": service.council}],
        "cost_options": [],
        "contacts": [contact(content, service, sid, service.name, "Referrals and questions")],
        "attributes": [terms.attribute(sid, "service", SERVICES, service.slug)],
    }
    area = referral.get("area_name")
    if area:
        districts = rules.get("postcode_districts") or []
        found["service_areas"].append(
            {
                "id": oruk_id("service_area", sid),
                "service_id": sid,
                "name": str(area),
                "extent": ", ".join(str(d) for d in districts),
                "extent_type": "text",
                "service_area": f"{area}: postcode districts "
                + ", ".join(str(d) for d in districts),
            }
        )
    cost = service.raw.get("cost")
    if isinstance(cost, str) and cost.strip():
        found["fees"] = cost.strip()
        found["cost_options"].append(
            {"id": oruk_id("cost_option", sid), "service_id": sid, "option": cost.strip()}
        )
    return found
