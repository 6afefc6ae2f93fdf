"""The ``referral:`` section of a service's YAML, read into strict pydantic models.

A new service needs content, not code: everything a referral form asks and promises comes from
``content/services/{slug}.yaml``. The schema (also in docs/referrals.md)::

    respond_within_working_days: 3      # top level, already in every service file
    referral:
      routes: [self, family_or_carer, professional]   # or [professional] only
      staff_email: peer-support@example.org           # gets "new referral REF" + a staff link only
      area_name: Derby                                # used in questions and messages
      crisis: true                                    # optional; defaults to the service's `crisis`
      phone: 0115 496 0140                            # the service's own number, on the
                                                      # confirmation page and in the email
      exit_this_page: true                            # optional: GOV.UK "Exit this page" on
                                                      # every page of the journey
      intro: |                                        # optional Markdown above the form
        What we will ask and why.
      professional_only_message: ...                  # optional; shown when self/family is refused
      eligibility:
        min_age: 18                                   # optional
        max_age: 25                                   # optional
        postcode_districts: [DE1-DE24, DE65]          # "DE1-DE24" is a range of districts
        outside_area: review                          # review | signpost
        not_sure: review                              # postcode left blank: review | signpost
        outside_age: review                           # review | signpost
      signposting: |                                  # Markdown for people we may not help
        Other places that can help ...
      questions:                                      # the service's own questions, in order
        - id: urgency                                 # the form field name; snake_case
          type: one_of                                # text|long_text|yes_no|one_of|any_of|date
          label: How urgent is this referral?         # a question
          hint: ...                                   # optional
          required: true                              # default false
          urgency: true                               # optional: the answer is the urgency
          routes: [professional]                      # optional: ask only on these routes
          page: About the support                     # optional: questions with the same page
                                                      # share a question page (else one each)
          max_length: 500                             # text and long_text; defaults 200 / 2000
          options:                                    # one_of and any_of
            - value: standard
              label: Standard
              hint: ...                               # optional
              promise: We will reply with an offer within 24 hours.   # urgency options only

``review`` accepts the referral and flags it for staff to check, and shows the signposting text
on the confirmation page; ``signpost`` does not send the referral but shows the signposting text
with a way back to change the answers, so no answer is a dead end.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pafinder.content import Content, ContentError, Service

Route = Literal["self", "family_or_carer", "professional"]
ROUTES: tuple[Route, ...] = ("self", "family_or_carer", "professional")
ROUTE_LABELS = {
    "self": "I am asking for help for myself",
    "family_or_carer": "I am a family member, friend or carer of the person",
    "professional": "I am a professional (for example a GP, social worker or support worker)",
}
QuestionType = Literal["text", "long_text", "yes_no", "one_of", "any_of", "date"]
Outcome = Literal["review", "signpost"]
CONTACT_METHODS = {
    "email": "Email",
    "phone": "Phone call",
    "text": "Text message",
    "letter": "Letter",
}

ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
DISTRICT_RANGE = re.compile(r"^([A-Z]{1,2})([0-9]{1,2})-\1([0-9]{1,2})$")
DEFAULT_MAX = {"text": 200, "long_text": 2000}
# Field names of the common form; a service question must not reuse them.
RESERVED = {
    "csrftoken",
    "form_key",
    "action",
    "referrer_type",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "postcode",
    "address",
    "preferred_contact",
    "reason",
    "consent",
    "consent_override_reason",
    "referrer_name",
    "referrer_role",
    "referrer_organisation",
    "referrer_email",
    "referrer_phone",
    "referrer_relationship",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    value: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: str = Field(min_length=1)
    hint: str | None = None
    promise: str | None = None


class Question(Strict):
    id: str
    type: QuestionType
    label: str = Field(min_length=1)
    hint: str | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    max_length: int | None = Field(default=None, ge=1, le=10000)
    routes: tuple[Route, ...] = ROUTES
    urgency: bool = False
    page: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID.match(value) or value in RESERVED or value.startswith("eq_"):
            raise ValueError(f"question id '{value}' must be snake_case and not a common field")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.type in ("one_of", "any_of") and len(self.options) < 2:
            raise ValueError(f"question '{self.id}' ({self.type}) needs at least two options")
        if self.type not in ("one_of", "any_of") and self.options:
            raise ValueError(f"question '{self.id}' ({self.type}) cannot have options")
        if self.urgency and self.type != "one_of":
            raise ValueError(f"urgency question '{self.id}' must be one_of")
        return self

    @property
    def limit(self) -> int:
        return self.max_length or DEFAULT_MAX.get(self.type, 200)

    def option_label(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)


class Eligibility(Strict):
    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    postcode_districts: tuple[str, ...] = ()
    outside_area: Outcome = "review"
    not_sure: Outcome = "review"
    outside_age: Outcome = "review"

    @field_validator("postcode_districts")
    @classmethod
    def _districts(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not (DISTRICT.match(value) or DISTRICT_RANGE.match(value)):
                raise ValueError(
                    f"'{value}' is not a postcode district like DE1 or a range like DE1-DE24"
                )
        return values

    @cached_property
    def districts(self) -> frozenset[str]:
        found: set[str] = set()
        for value in self.postcode_districts:
            match = DISTRICT_RANGE.match(value)
            if match:
                area, low, high = match.group(1), int(match.group(2)), int(match.group(3))
                found.update(f"{area}{n}" for n in range(low, high + 1))
            else:
                found.add(value)
        return frozenset(found)


class ReferralConfig(Strict):
    routes: tuple[Route, ...] = Field(min_length=1)
    staff_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    area_name: str = "the area"
    crisis: bool | None = None
    phone: str | None = Field(default=None, min_length=1, max_length=40)
    exit_this_page: bool = False
    intro: str | None = None
    professional_only_message: str | None = None
    eligibility: Eligibility = Eligibility()
    signposting: str = ""
    questions: tuple[Question, ...] = ()

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    @model_validator(mode="after")
    def _unique(self) -> ReferralConfig:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        if sum(q.urgency for q in self.questions) > 1:
            raise ValueError("only one question can be the urgency question")
        return self

    def questions_for(self, route: str | None) -> list[Question]:
        return [q for q in self.questions if route is None or route in q.routes]

    @property
    def urgency_question(self) -> Question | None:
        return next((q for q in self.questions if q.urgency), None)


class ReferralContentError(ContentError):
    """A service's referral section does not follow the schema."""


def referral_config(service: Service) -> ReferralConfig | None:
    """The service's referral section, or None when it takes no referrals through the site."""
    raw: Any = service.raw.get("referral")
    if raw is None:
        return None
    try:
        return ReferralConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ReferralContentError(f"{service.source}: referral.{where}: {first['msg']}") from exc


CheckFrom = Literal["received", "accepted", "active"]


class CheckConfig(Strict):
    """One entry of a service's top-level ``checks:`` (CONTRACT "Checks and digests")::

        checks:
          - id: early_help            # snake_case, unique in the service
            label: Early help check   # what staff read in the record, queue and digest
            after_days: 28            # calendar days after the referral first reaches `from`
            from: active              # received | accepted | active
            repeat: false             # optional: true asks, when done, when the next one is due

    A repeating check (peer support's recovery-plan review) is scheduled again when it is done,
    at the number of weeks staff enter then (``after_days`` gives the suggested interval)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=200)
    after_days: int = Field(ge=0, le=3660)
    from_: CheckFrom = Field(alias="from")
    repeat: bool = False

    @property
    def default_weeks(self) -> int:
        """The interval offered for the next occurrence of a repeating check."""
        return max(1, round(self.after_days / 7))


class ReferralChecksError(ContentError):
    """A service's ``checks:`` do not follow the schema."""


def service_checks(service: Service) -> tuple[CheckConfig, ...]:
    """The service's checks (none when it has no ``checks:``)."""
    raw: Any = service.raw.get("checks")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ReferralChecksError(f"{service.source}: checks: must be a list of checks")
    found: list[CheckConfig] = []
    for n, item in enumerate(raw):
        try:
            found.append(CheckConfig.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            where = f".{where}" if where else ""
            raise ReferralChecksError(
                f"{service.source}: checks.{n}{where}: {first['msg']}"
            ) from exc
    ids = [c.id for c in found]
    if len(ids) != len(set(ids)):
        raise ReferralChecksError(f"{service.source}: checks: check ids must be unique")
    return tuple(found)


def check_content(
    content: Content, _env: object = None, _settings: object = None
) -> dict[str, bytes]:
    """A build publisher that writes nothing: it makes `pafinder build` fail, naming the file,
    when a service's referral section or checks are wrong, before any form could break at run
    time."""
    for service in content.services:
        referral_config(service)
        service_checks(service)
    return {}


# Equality monitoring: optional, each with "prefer not to say"; stored apart from the referral.
PREFER_NOT = ("prefer_not_to_say", "Prefer not to say")
EQUALITY: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "eq_age_band": (
        "What is your age group?",
        [
            ("16_17", "16 to 17"),
            ("18_24", "18 to 24"),
            ("25_34", "25 to 34"),
            ("35_44", "35 to 44"),
            ("45_54", "45 to 54"),
            ("55_64", "55 to 64"),
            ("65_74", "65 to 74"),
            ("75_plus", "75 or over"),
            PREFER_NOT,
        ],
    ),
    "eq_gender": (
        "What is your gender?",
        [
            ("woman", "Woman"),
            ("man", "Man"),
            ("non_binary", "Non-binary"),
            ("another", "Another way"),
            PREFER_NOT,
        ],
    ),
    "eq_ethnicity": (
        "What is your ethnic group?",
        [
            ("asian", "Asian or Asian British"),
            ("black", "Black, Black British, Caribbean or African"),
            ("mixed", "Mixed or multiple ethnic groups"),
            ("white", "White"),
            ("other", "Another ethnic group"),
            PREFER_NOT,
        ],
    ),
    "eq_disability": (
        "Do you consider yourself to be disabled?",
        [
            ("yes", "Yes"),
            ("no", "No"),
            PREFER_NOT,
        ],
    ),
    "eq_sexual_orientation": (
        "What is your sexual orientation?",
        [
            ("straight", "Straight or heterosexual"),
            ("gay_lesbian", "Gay or lesbian"),
            ("bisexual", "Bisexual"),
            ("another", "Another sexual orientation"),
            PREFER_NOT,
        ],
    ),
    "eq_religion": (
        "What is your religion or belief?",
        [
            ("none", "No religion"),
            ("buddhist", "Buddhist"),
            ("christian", "Christian"),
            ("hindu", "Hindu"),
            ("jewish", "Jewish"),
            ("muslim", "Muslim"),
            ("sikh", "Sikh"),
            ("another", "Another religion or belief"),
            PREFER_NOT,
        ],
    ),
    "eq_carer": (
        "Do you look after, or give help or support to, anyone because of illness, "
        "disability or old age?",
        [("yes", "Yes"), ("no", "No"), PREFER_NOT],
    ),
}
