"""Check a submitted referral form against its service's content, field by field.

Returns every error at once (GOV.UK: one message per field, in page order) and, when there are
none, a clean ``Submission``. What was typed is never changed here: the form is re-shown from
the raw values, so nothing is lost to a validation error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pafinder.content import Service
from pafinder.referrals.fields import (
    ADDRESS_MAX,
    OVERRIDE_MAX,
    POSTCODE,
    REASON_MAX,
    REFERRER_MAX,
    Checker,
    Errors,
)
from pafinder.referrals.models import (
    CONTACT_METHODS,
    EQUALITY,
    ROUTES,
    ReferralConfig,
)


@dataclass
class Submission:
    referrer_type: str
    first_name: str
    last_name: str
    date_of_birth: date
    email: str
    phone: str
    postcode: str
    address: str
    preferred_contact: str
    reason: str
    consent: str
    consent_override_reason: str = ""
    referrer_name: str = ""
    referrer_role: str = ""
    referrer_organisation: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""
    referrer_relationship: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    urgency: str = ""
    flags: list[str] = field(default_factory=list)
    equality: dict[str, str] = field(default_factory=dict)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_district(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def field_order(config: ReferralConfig) -> list[str]:
    return [
        "referrer_type",
        "referrer_name",
        "referrer_relationship",
        "referrer_role",
        "referrer_organisation",
        "referrer_email",
        "referrer_phone",
        "first_name",
        "last_name",
        "date_of_birth",
        "postcode",
        "preferred_contact",
        "email",
        "phone",
        "address",
        "reason",
        *[q.id for q in config.questions],
        "consent",
        "consent_override_reason",
        *EQUALITY,
        "form_key",
    ]


def validate(
    form: dict[str, Any], service: Service, config: ReferralConfig, today: date
) -> tuple[Submission | None, Errors]:
    """(submission, {}) when the form is complete and correct, else (None, errors)."""
    c = Checker(form)
    route = c.raw("referrer_type")
    if not route or route not in ROUTES:
        c.errors["referrer_type"] = "Select who is making this referral"
    elif route not in config.routes:
        c.errors["referrer_type"] = professional_only_message(config)

    helper = route in ("family_or_carer", "professional")
    referrer: dict[str, str] = {}
    if helper:
        # A professional must say who they are (the referral record needs it); a family member
        # or carer may leave it out, since the person referred is who we contact.
        referrer["referrer_name"] = c.name(
            "referrer_name", "your full name", required=route == "professional"
        )
    if route == "family_or_carer":
        referrer["referrer_relationship"] = c.text(
            "referrer_relationship", "how you know the person", REFERRER_MAX, False
        )
    if route == "professional":
        referrer["referrer_role"] = c.text("referrer_role", "your job title", REFERRER_MAX, True)
        referrer["referrer_organisation"] = c.text(
            "referrer_organisation", "your organisation", REFERRER_MAX, True
        )
    if helper:
        referrer["referrer_email"] = c.email("referrer_email", "your email address", False)
        referrer["referrer_phone"] = c.phone("referrer_phone", "your phone number", False)
        if route == "professional" and not (c.raw("referrer_email") or c.raw("referrer_phone")):
            c.errors["referrer_email"] = "Enter your work email address or phone number"

    first = c.name("first_name", "a first name")
    last = c.name("last_name", "a last name")
    born = c.date("date_of_birth", "the date of birth", True, today)
    postcode_raw = c.raw("postcode")
    postcode = ""
    if postcode_raw:
        if len(postcode_raw) > 10 or not POSTCODE.match(re.sub(r"\s+", "", postcode_raw).upper()):
            c.errors["postcode"] = "Enter a real UK postcode, like DE1 2AB"
        else:
            postcode = normalise_postcode(postcode_raw)

    contact = c.choice(
        "preferred_contact", CONTACT_METHODS, "Select how we should get in touch with the person"
    )
    email = c.email(
        "email",
        "an email address",
        contact == "email",
        empty="Enter an email address, or choose another way to get in touch",
    )
    phone = c.phone(
        "phone",
        "a phone number",
        contact in ("phone", "text"),
        mobile=contact == "text",
        empty="Enter a phone number, or choose another way to get in touch",
    )
    address = c.text(
        "address",
        "an address",
        ADDRESS_MAX,
        contact == "letter",
        multiline=True,
        empty="Enter an address so we can send a letter",
    )
    if contact == "letter" and not postcode_raw:
        c.errors["postcode"] = "Enter a postcode so we can send a letter"
    reason = c.text(
        "reason",
        "the reason",
        REASON_MAX,
        True,
        multiline=True,
        empty="Tell us why support is needed",
    )

    questions = config.questions_for(route if route in config.routes else None)
    answers = {q.id: c.question(q, today) for q in questions}

    consent = c.raw("consent")
    override_reason = ""
    if consent not in ("yes", "override"):
        c.errors["consent"] = "Confirm that the person agrees to this referral"
    elif consent == "override":
        if route != "professional":
            c.errors["consent"] = (
                "Only a professional can refer someone without their agreement. "
                "Ask the person if they agree, or phone us to talk it through"
            )
        else:
            override_reason = c.text(
                "consent_override_reason",
                "the safeguarding reason",
                OVERRIDE_MAX,
                True,
                multiline=True,
                empty="Explain the safeguarding reason for referring without agreement",
            )

    equality = {}
    for key, (_label, options) in EQUALITY.items():
        value = c.choice(key, [v for v, _ in options], "Select an answer from the list", False)
        if value:
            equality[key] = value

    if c.errors or born is None:
        return None, c.errors

    flags = eligibility_flags(config, born, postcode, today)
    if consent == "override":
        flags.append("safeguarding_override")
    urgency_q = config.urgency_question
    urgency = str(answers.get(urgency_q.id) or "") if urgency_q else ""
    return Submission(
        referrer_type=route,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        email=email,
        phone=phone,
        postcode=postcode,
        address=address,
        preferred_contact=contact,
        reason=reason,
        consent=consent,
        consent_override_reason=override_reason,
        answers=answers,
        urgency=urgency,
        flags=flags,
        equality=equality,
        **referrer,
    ), {}


def eligibility_flags(config: ReferralConfig, born: date, postcode: str, today: date) -> list[str]:
    rules = config.eligibility
    flags: list[str] = []
    age = age_on(born, today)
    if (rules.min_age is not None and age < rules.min_age) or (
        rules.max_age is not None and age > rules.max_age
    ):
        flags.append("outside_age")
    if rules.districts:
        if not postcode:
            flags.append("area_not_sure")
        elif postcode_district(postcode) not in rules.districts:
            flags.append("outside_area")
    return flags


FLAG_OUTCOME = {
    "outside_age": "outside_age",
    "area_not_sure": "not_sure",
    "outside_area": "outside_area",
}


def signposted(config: ReferralConfig, flags: list[str]) -> bool:
    """True when a flag's outcome is 'signpost': the referral is not sent; signposting shown."""
    rules = config.eligibility
    return any(getattr(rules, FLAG_OUTCOME[f]) == "signpost" for f in flags if f in FLAG_OUTCOME)


def professional_only_message(config: ReferralConfig) -> str:
    return config.professional_only_message or (
        "Only a professional can refer someone to this service. "
        "Ask a worker who supports you, such as a social worker, to make the referral"
    )
