"""Every registration page against the worst inputs: empty, huge, markup, emoji, right-to-left
and accented names, impossible and future dates, bad postcodes and emails. Each error names the
field, links to it, and everything typed comes back."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from pafinder.app import create_app
from tests.conftest import PageClient
from tests.register.lifecycle_helpers import BASE, pa_settings, post_step, start, valid_answers

NEXT_YEAR = str(date.today().year + 1)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageClient]:
    # One portal for the module: every test posts one page of its own draft, which is cheap.
    s = pa_settings(tmp_path_factory.mktemp("inputs"))
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def client(portal: PageClient) -> PageClient:
    portal.cookies.clear()
    start(portal)
    return portal


def with_(step: str, **changes: Any) -> dict[str, Any]:
    return {**valid_answers()[step], **changes}


BAD = [
    # (step, form, field id with the error, words in the message)
    ("about-you", {}, "first_name", "Enter your first name"),
    ("about-you", {}, "email", "Enter your email address"),
    ("about-you", {}, "postcode", "Enter your postcode"),
    (
        "about-you",
        with_("about-you", first_name="A" * 101),
        "first_name",
        "100 characters or fewer",
    ),
    (
        "about-you",
        with_("about-you", first_name="<script>alert(1)</script>"),
        "first_name",
        "must only include letters",
    ),
    (
        "about-you",
        with_("about-you", last_name="Smith 😀"),
        "last_name",
        "must only include letters",
    ),
    ("about-you", with_("about-you", last_name="R2D2"), "last_name", "must only include letters"),
    ("about-you", with_("about-you", email="amara.example.org"), "email", "correct format"),
    ("about-you", with_("about-you", email="amara@"), "email", "correct format"),
    ("about-you", with_("about-you", email="a" * 250 + "@example.org"), "email", "254 characters"),
    ("about-you", with_("about-you", phone="12345"), "phone", "Enter a UK phone number"),
    ("about-you", with_("about-you", phone="0770090098a"), "phone", "Enter a UK phone number"),
    ("about-you", with_("about-you", postcode="SK11"), "postcode", "real UK postcode"),
    ("about-you", with_("about-you", postcode="12345"), "postcode", "real UK postcode"),
    ("about-you", with_("about-you", postcode="X" * 5000), "postcode", "real UK postcode"),
    ("where-and-who", {}, "areas", "Select at least one area"),
    ("where-and-who", {}, "client_groups", "Select at least one group"),
    ("where-and-who", {}, "age_groups", "Select at least one age group"),
    ("where-and-who", with_("where-and-who", areas=["atlantis"]), "areas", "Select at least one"),
    ("what-you-can-do", {}, "tasks", "Select at least one thing"),
    ("what-you-can-do", {}, "experience_years", "Enter how many years"),
    ("what-you-can-do", {}, "languages", "Select at least one language"),
    ("what-you-can-do", {}, "gender", "Select your gender"),
    (
        "what-you-can-do",
        with_("what-you-can-do", experience_years="-1"),
        "experience_years",
        "whole number",
    ),
    (
        "what-you-can-do",
        with_("what-you-can-do", experience_years="2.5"),
        "experience_years",
        "whole number",
    ),
    (
        "what-you-can-do",
        with_("what-you-can-do", experience_years="61"),
        "experience_years",
        "between 0 and 60",
    ),
    (
        "what-you-can-do",
        with_("what-you-can-do", experience="x" * 2001),
        "experience",
        "2,000 characters or fewer",
    ),
    (
        "what-you-can-do",
        with_("what-you-can-do", gender="attack-helicopter"),
        "gender",
        "Select your gender",
    ),
    (
        "qualifications",
        {"qualifications": ["food-hygiene"]},
        "q-food-hygiene-date",
        "Enter the month and year you completed Food hygiene",
    ),
    (
        "qualifications",
        {
            "qualifications": ["food-hygiene"],
            "q-food-hygiene-date-month": "13",
            "q-food-hygiene-date-year": "2024",
        },
        "q-food-hygiene-date",
        "must be a real date",
    ),
    (
        "qualifications",
        {
            "qualifications": ["food-hygiene"],
            "q-food-hygiene-date-month": "3",
            "q-food-hygiene-date-year": "24",
        },
        "q-food-hygiene-date",
        "must be a real date",
    ),
    (
        "qualifications",
        {
            "qualifications": ["food-hygiene"],
            "q-food-hygiene-date-month": "1",
            "q-food-hygiene-date-year": NEXT_YEAR,
        },
        "q-food-hygiene-date",
        "must be in the past",
    ),
    (
        "qualifications",
        {
            "qualifications": ["food-hygiene"],
            "q-food-hygiene-date-month": "3",
            "q-food-hygiene-date-year": "2024",
            "q-food-hygiene-expires-month": "1",
            "q-food-hygiene-expires-year": "2024",
        },
        "q-food-hygiene-expires",
        "must be after the date you completed it",
    ),
    (
        "qualifications",
        {"qualifications": ["rocket-science"]},
        "qualifications",
        "Select only the qualifications shown",
    ),
    ("availability", {}, "availability", "Select at least one time"),
    (
        "availability",
        with_("availability", availability=["mon-brunch"]),
        "availability",
        "Select at least one time",
    ),
    ("availability", with_("availability", hours_wanted="0"), "hours_wanted", "between 1 and 80"),
    ("availability", with_("availability", hours_wanted="ten"), "hours_wanted", "whole number"),
    ("availability", with_("availability", extras=["yachting"]), "extras", "only the options"),
    ("dbs-and-driving", {}, "dbs", "Select the level"),
    ("dbs-and-driving", {}, "driving", "driving licence"),
    ("dbs-and-driving", {}, "smoker", "smoke"),
    (
        "dbs-and-driving",
        with_("dbs-and-driving", **{"dbs_certificate_date-day": ""}),
        "dbs_certificate_date",
        "must include a day",
    ),
    (
        "dbs-and-driving",
        with_(
            "dbs-and-driving",
            **{"dbs_certificate_date-day": "31", "dbs_certificate_date-month": "2"},
        ),
        "dbs_certificate_date",
        "must be a real date",
    ),
    (
        "dbs-and-driving",
        with_("dbs-and-driving", **{"dbs_certificate_date-year": NEXT_YEAR}),
        "dbs_certificate_date",
        "today or in the past",
    ),
    (
        "dbs-and-driving",
        with_(
            "dbs-and-driving",
            **{
                "dbs_certificate_date-day": "",
                "dbs_certificate_date-month": "",
                "dbs_certificate_date-year": "",
            },
        ),
        "dbs_certificate_date",
        "Enter the date on your DBS certificate",
    ),
    (
        "dbs-and-driving",
        with_("dbs-and-driving", dbs_update_service=""),
        "dbs_update_service",
        "Update Service",
    ),
    ("dbs-and-driving", with_("dbs-and-driving", dbs="top-secret"), "dbs", "Select the level"),
    ("about-me", {}, "about", "Write a few sentences"),
    ("about-me", {"about": "é" * 1001}, "about", "1,000 characters or fewer"),
]


@pytest.mark.parametrize(
    ("step", "form", "field", "message"),
    BAD,
    ids=[f"{s}-{f}-{i}" for i, (s, _, f, _) in enumerate(BAD)],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(
    client: PageClient, step: str, form: dict[str, Any], field: str, message: str
) -> None:
    response = post_step(client, step, form)
    assert response.status_code == 400
    page = response.text
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert message in html.unescape(page), page[:4000]
    first_box = {"dbs_certificate_date": "-day"}.get(
        field, "-month" if field.startswith("q-") else ""
    )
    assert f'href="#{field}{first_box}"' in page
    assert f'id="{field}{first_box}"' in page, "the summary must link to a real field"
    assert f'id="{field}-error"' in page
    for value in form.values():
        for v in value if isinstance(value, list) else [value]:
            if (
                v
                and len(v) < 3000
                and step != "where-and-who"
                and v
                not in (
                    "rocket-science",
                    "mon-brunch",
                    "yachting",
                    "attack-helicopter",
                    "top-secret",
                )
            ):
                assert v in html.unescape(page), f"{v!r} was not kept"


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Zoë", "Brontë-Ó Súilleabháin"),
        ("محمد", "العلي"),
        ("Nguyễn", "Thị Minh"),
        ("Mary-Jane", "O\u2019Neil"),
        ("Jean", "d'Arc"),
        ("Ng", "Ng"),
    ],
)
def test_real_names_in_any_script_are_accepted(client: PageClient, first: str, last: str) -> None:
    response = post_step(client, "about-you", with_("about-you", first_name=first, last_name=last))
    assert response.status_code == 303, response.text[:2000]
    page = client.get(f"{BASE}/about-you").text
    assert first in html.unescape(page) and last in html.unescape(page)


def test_about_me_keeps_markup_and_emoji_as_plain_text(client: PageClient) -> None:
    for step, data in valid_answers().items():
        if step != "about-me":
            post_step(client, step, data)
    text = "<script>alert('x')</script> I love walking 🌳 and cooking."
    assert post_step(client, "about-me", {"about": text}).status_code == 303
    check = client.get(f"{BASE}/check-answers").text
    assert "<script>alert" not in check
    assert "&lt;script&gt;alert(" in check and "🌳" in check


def test_no_dbs_certificate_needs_no_date(client: PageClient) -> None:
    form = {
        "dbs": "none",
        "dbs_certificate_date-year": "2020",
        "driving": "no",
        "own_car": "no",
        "smoker": "yes",
    }
    assert post_step(client, "dbs-and-driving", form).status_code == 303


def test_huge_post_does_not_break_the_page(client: PageClient) -> None:
    response = post_step(client, "about-me", {"about": "word " * 100_000})
    assert response.status_code == 400
    assert "1,000 characters or fewer" in response.text


def test_unknown_step_is_not_found(client: PageClient) -> None:
    assert client.get(f"{BASE}/secret-admin").status_code == 404
