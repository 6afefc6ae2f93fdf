"""Which question pages a referral route needs, and what each page asks.

One thing per page (GOV.UK question pages): who is filling it in, then only what that route
needs. The service's own questions come from its YAML, grouped by their ``page:`` key (questions
with the same key, next to each other, share a page; a question without one has a page of its
own). A page's answers are checked by the one ``validate`` of the whole form, keeping only the
errors of the page's own fields, so a page and the single POST of CONTRACT.md can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pafinder.referrals.models import EQUALITY, Question, ReferralConfig

WHO = "who"
PROFESSIONAL = "your-details"
FAMILY = "about-you"
PERSON = "person"
CONTACT = "contact"
REASON = "reason"
AGREEMENT = "agreement"
EQUALITY_PAGE = "equality"
CHECK = "check"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    template: str
    fields: tuple[str, ...]
    questions: tuple[Question, ...] = field(default=())
    # Date fields are posted as three boxes (name-day, name-month, name-year).
    dates: tuple[str, ...] = ()
    # Fields that are lists (checkboxes): an empty list when nothing is ticked.
    multi: tuple[str, ...] = ()

    @property
    def posted_names(self) -> list[str]:
        """Every form field name this page posts (the date boxes instead of the date)."""
        names: list[str] = []
        for name in self.fields:
            if name in self.dates:
                names += [f"{name}-{p}" for p in ("day", "month", "year")]
            else:
                names.append(name)
        return names


def _question_pages(config: ReferralConfig, route: str) -> list[Page]:
    groups: list[list[Question]] = []
    for q in config.questions_for(route):
        if q.page is not None and groups and groups[-1][0].page == q.page:
            groups[-1].append(q)
        else:
            groups.append([q])
    pages = []
    for n, group in enumerate(groups, start=1):
        first = group[0]
        # A page of one question is that question (its label is the page's heading).
        title = first.page if len(group) > 1 and first.page else first.label
        pages.append(
            Page(
                slug=f"questions-{n}",
                title=title,
                template="referrals/journey/questions.html",
                fields=tuple(q.id for q in group),
                questions=tuple(group),
                dates=tuple(q.id for q in group if q.type == "date"),
                multi=tuple(q.id for q in group if q.type == "any_of"),
            )
        )
    return pages


def pages_for(config: ReferralConfig, route: str | None) -> list[Page]:
    """The pages of this route, in order. Before the route is known (or when it is not one
    the service takes), only the first page."""
    pages: list[Page] = []
    if len(config.routes) > 1:
        who = "referrals/journey/who.html"
        pages.append(Page(WHO, "Who is filling in this form?", who, ("referrer_type",)))
    if route is None or route not in config.routes:
        return pages or pages_for(config, config.routes[0])[:1]
    if route == "professional":
        pages.append(
            Page(
                PROFESSIONAL,
                "Your details",
                "referrals/journey/professional.html",
                (
                    "referrer_name",
                    "referrer_role",
                    "referrer_organisation",
                    "referrer_email",
                    "referrer_phone",
                ),
            )
        )
    elif route == "family_or_carer":
        pages.append(
            Page(
                FAMILY,
                "About you",
                "referrals/journey/family.html",
                ("referrer_name", "referrer_relationship", "referrer_email", "referrer_phone"),
            )
        )
    person_title = "About you" if route == "self" else "About the person who needs support"
    pages += [
        Page(
            PERSON,
            person_title,
            "referrals/journey/person.html",
            ("first_name", "last_name", "date_of_birth", "postcode"),
            dates=("date_of_birth",),
        ),
        Page(
            CONTACT,
            "How should we get in touch?",
            "referrals/journey/contact.html",
            ("preferred_contact", "email", "phone", "address"),
        ),
        Page(REASON, "Why is support needed?", "referrals/journey/reason.html", ("reason",)),
        *_question_pages(config, route),
        Page(
            AGREEMENT,
            "Does the person agree to this referral?"
            if route != "self"
            else "Do you agree to this referral?",
            "referrals/journey/agreement.html",
            ("consent", "consent_override_reason") if route == "professional" else ("consent",),
        ),
        Page(
            EQUALITY_PAGE,
            "Equality monitoring (optional)",
            "referrals/journey/equality.html",
            tuple(EQUALITY),
        ),
    ]
    return pages


def find(pages: list[Page], slug: str) -> Page | None:
    return next((p for p in pages if p.slug == slug), None)


def page_of_field(pages: list[Page], name: str) -> Page | None:
    """The page that asks this field (for an error found only at check your answers)."""
    return next((p for p in pages if name in p.fields), None)
