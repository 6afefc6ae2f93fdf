"""Every service's form, generated from its YAML: asks its questions, accepts one complete POST
(CONTRACT.md) with a 303 to a confirmation with the reference and the respond-by date."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pafinder.db import make_engine, utcnow
from pafinder.referrals import store
from pafinder.referrals.models import referral_config
from pafinder.settings import Settings
from pafinder.workdays import add_working_days, london_date, respond_by
from tests.conftest import PageClient
from tests.referrals.helpers import (
    REF,
    RESPOND_BY,
    answers_for,
    errors_of,
    service,
    submit,
)

SERVICES = [
    ("peer-support-recovery", 3),
    ("carers", 5),
    ("supported-accommodation", 1),
    ("direct-payment-support", 5),
    ("mentoring", 2),
]


@pytest.mark.parametrize(("slug", "days"), SERVICES)
def test_form_is_built_from_the_service_yaml(
    ref_client: PageClient, ref_settings: Settings, slug: str, days: int
) -> None:
    svc = service(ref_settings, slug)
    assert svc.respond_within_working_days == days
    config = referral_config(svc)
    assert config is not None
    # People answer question pages now (tests/referrals/test_question_pages.py walks them);
    # the one-page form is what the single POST of CONTRACT.md re-shows on an error.
    html = submit(ref_client, slug, {}).text
    assert 'method="post" action="/refer/' + slug + '"' in html
    for name in (
        "first_name",
        "last_name",
        "date_of_birth-day",
        "email",
        "phone",
        "postcode",
        "preferred_contact",
        "reason",
        "consent",
        "eq_ethnicity",
    ):
        assert f'id="{name}"' in html, name
    for q in config.questions:
        first_id = f"{q.id}-day" if q.type == "date" else q.id
        assert f'id="{first_id}"' in html, q.id
        assert q.label.replace("'", "&#39;") in html
    assert ("Get help now" in html) == bool(config.crisis)
    assert ("Get help now" in ref_client.get(f"/refer/{slug}").text) == bool(config.crisis)


@pytest.mark.parametrize(("slug", "days"), SERVICES)
def test_one_complete_post_gives_a_reference_and_date(
    ref_client: PageClient, ref_settings: Settings, slug: str, days: int
) -> None:
    svc = service(ref_settings, slug)
    before = london_date(utcnow())
    response = submit(ref_client, slug, answers_for(svc))
    assert response.status_code == 303, errors_of(response.text)
    page = ref_client.get(response.headers["location"])
    assert page.status_code == 200
    ref = REF.search(page.text)
    due = RESPOND_BY.search(page.text)
    assert ref and due
    assert due.group(1) in {
        add_working_days(before, days).isoformat(),
        respond_by(utcnow(), days).isoformat(),
    }
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None and saved.service == slug
    assert saved.respond_by.isoformat() == due.group(1)


@pytest.mark.parametrize("slug", ["peer-support-recovery", "carers", "direct-payment-support"])
@pytest.mark.parametrize("route", ["self", "family_or_carer", "professional"])
def test_every_route_of_open_services(
    ref_client: PageClient, ref_settings: Settings, slug: str, route: str
) -> None:
    response = submit(ref_client, slug, answers_for(service(ref_settings, slug), route))
    assert response.status_code == 303, errors_of(response.text)


@pytest.mark.parametrize("slug", ["mentoring", "supported-accommodation"])
@pytest.mark.parametrize("route", ["self", "family_or_carer"])
def test_professional_only_services_refuse_others_clearly(
    ref_client: PageClient, ref_settings: Settings, slug: str, route: str
) -> None:
    response = submit(ref_client, slug, answers_for(service(ref_settings, slug), route))
    assert response.status_code == 400
    errors = errors_of(response.text)
    assert any("cannot refer themselves" in e or "Only a worker" in e for e in errors), errors
    assert 'value="Ada"' in response.text  # what was typed is kept
    engine = make_engine(ref_settings.database_url)
    assert store.count(engine) == 0


@pytest.mark.parametrize(("slug", "_days"), SERVICES)
def test_empty_form_lists_every_required_field(
    ref_client: PageClient, ref_settings: Settings, slug: str, _days: int
) -> None:
    token = ref_client.csrf(f"/refer/{slug}")
    response = ref_client.post(f"/refer/{slug}", data={"csrftoken": token})
    assert response.status_code == 400
    assert response.text.count("govuk-error-summary") >= 1
    assert "<title>Error: " in response.text
    errors = errors_of(response.text)
    assert "Enter a first name" in errors
    assert "Enter the date of birth" in errors
    assert "Tell us why support is needed" in errors
    assert "Confirm that the person agrees to this referral" in errors
    config = referral_config(service(ref_settings, slug))
    assert config is not None
    required = [q for q in config.questions_for(config.routes[0]) if q.required]
    for q in required:
        assert any(q.label.replace("'", "&#39;") in e for e in errors), q.id


def test_unknown_service_is_404(ref_client: PageClient) -> None:
    assert ref_client.get("/refer/no-such-service").status_code == 404


def test_urgency_is_recorded_and_promised(ref_client: PageClient, ref_settings: Settings) -> None:
    svc = service(ref_settings, "supported-accommodation")
    response = submit(ref_client, svc.slug, answers_for(svc, urgency="urgent"))
    assert response.status_code == 303
    page = ref_client.get(response.headers["location"]).text
    assert "within 1 hour" in page
    ref = REF.search(page)
    assert ref
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None and saved.urgency == "urgent"
    standard = submit(ref_client, svc.slug, answers_for(svc, urgency="standard"))
    assert "within 24 hours" in ref_client.get(standard.headers["location"]).text


def test_outside_the_area_goes_to_staff_review_with_signposting(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    svc = service(ref_settings, "peer-support-recovery")
    response = submit(ref_client, svc.slug, answers_for(svc, postcode="M1 1AE"))
    assert response.status_code == 303
    page = ref_client.get(response.headers["location"]).text
    assert "We will check whether we can help" in page
    assert "choose the mental health option" in page
    ref = REF.search(page)
    assert ref
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None and saved.flags == ["outside_area"]
    # No postcode ("not sure") and under 18 are flagged too, never a dead end.
    young = submit(ref_client, svc.slug, answers_for(svc, postcode="", date_of_birth="2012-01-01"))
    assert young.status_code == 303
    with make_engine(ref_settings.database_url).connect() as conn:
        flags = {r.flags for r in conn.execute(select(store.referrals.c.flags))}
    assert '["outside_age", "area_not_sure"]' in flags


def test_safeguarding_override_only_for_professionals(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    svc = service(ref_settings, "peer-support-recovery")
    refused = submit(
        ref_client,
        svc.slug,
        answers_for(svc, "self", consent="override", consent_override_reason="Risk"),
    )
    assert refused.status_code == 400
    assert any(
        "Only a professional can refer someone without" in e for e in errors_of(refused.text)
    )
    missing = submit(ref_client, svc.slug, answers_for(svc, "professional", consent="override"))
    assert "Explain the safeguarding reason for referring without agreement" in errors_of(
        missing.text
    )
    done = submit(
        ref_client,
        svc.slug,
        answers_for(
            svc, "professional", consent="override", consent_override_reason="At risk of harm"
        ),
    )
    assert done.status_code == 303
    ref = REF.search(ref_client.get(done.headers["location"]).text)
    assert ref
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None and saved.safeguarding_override
    assert "safeguarding_override" in saved.flags


def test_professional_details_are_required(ref_client: PageClient, ref_settings: Settings) -> None:
    svc = service(ref_settings, "mentoring")
    data = answers_for(
        svc, referrer_name=None, referrer_role=None, referrer_organisation=None, referrer_email=None
    )
    errors = errors_of(submit(ref_client, svc.slug, data).text)
    assert "Enter your full name" in errors
    assert "Enter your job title" in errors
    assert "Enter your organisation" in errors
    assert "Enter your work email address or phone number" in errors


def test_confirmation_link_cannot_be_forged(ref_client: PageClient, ref_settings: Settings) -> None:
    svc = service(ref_settings, "carers")
    response = submit(ref_client, svc.slug, answers_for(svc))
    location = response.headers["location"]
    assert ref_client.get(location + "x").status_code == 404
    assert ref_client.get("/refer/carers/confirmation/R-AAAA-BBBB").status_code == 404
    other = location.replace("/refer/carers/", "/refer/mentoring/")
    assert ref_client.get(other).status_code == 404
    assert re.search(r"/refer/carers/confirmation/[\w.-]+$", location)
