"""The worst inputs: each gets a clear message next to the field and in the error summary, and
everything typed is kept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.referrals import store
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.referrals.helpers import (
    REF,
    answers_for,
    error_links,
    errors_of,
    hidden,
    portal,
    service,
    submit,
)

SLUG = "peer-support-recovery"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PageClient, Settings]]:
    """One portal for the many bad-answer cases: none of them may write anything."""
    settings = portal(Path(tmp_path_factory.mktemp("bad-input")))
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield client, settings


def post(client: PageClient, settings: Settings, **overrides: Any) -> Any:
    return submit(client, SLUG, answers_for(service(settings, SLUG), **overrides))


def message_next_to_field(html: str, field: str) -> str:
    match = re.search(
        rf'id="{field}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>([^<]+)',
        html,
    )
    assert match, f"no error message next to {field}"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Enter a first name"),
        ({"first_name": "x" * 101}, "first_name", "First name must be 100 characters or fewer"),
        ({"last_name": "Smith 😀"}, "last_name", "Last name must only include letters"),
        ({"first_name": "R2D2"}, "first_name", "First name must only include letters"),
        ({"reason": "y" * 2001}, "reason", "Reason must be 2000 characters or fewer"),
        ({"reason": "   "}, "reason", "Tell us why support is needed"),
        ({"date_of_birth": "2026-02-30"}, "date_of_birth", "Date of birth must be a real date"),
        (
            {"date_of_birth": "2999-01-01"},
            "date_of_birth",
            "Date of birth must be today or in the past",
        ),
        ({"date_of_birth": "1890-01-01"}, "date_of_birth", "Date of birth must be after"),
        ({"date_of_birth": "yesterday"}, "date_of_birth", "Date of birth must be a real date"),
        (
            {
                "date_of_birth": None,
                "date_of_birth-day": "3",
                "date_of_birth-month": "",
                "date_of_birth-year": "1990",
            },
            "date_of_birth",
            "Date of birth must include a month",
        ),
        ({"postcode": "NOT A POSTCODE"}, "postcode", "Enter a real UK postcode, like DE1 2AB"),
        ({"postcode": "DE1 2CI"}, "postcode", "Enter a real UK postcode"),
        ({"postcode": "12345"}, "postcode", "Enter a real UK postcode"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"email": "", "preferred_contact": "email"}, "email", "Enter an email address, or choose"),
        ({"phone": "", "preferred_contact": "phone"}, "phone", "Enter a phone number, or choose"),
        ({"phone": "01632 960 001", "preferred_contact": "text"}, "phone", "Enter a mobile number"),
        ({"phone": "call me"}, "phone", "Enter a phone number in the correct format"),
        ({"preferred_contact": "fax"}, "preferred_contact", "Select how we should get in touch"),
        (
            {"preferred_contact": "letter", "address": ""},
            "address",
            "Enter an address so we can send a letter",
        ),
        ({"referrer_type": "robot"}, "referrer_type", "Select who is making this referral"),
        ({"consent": "maybe"}, "consent", "Confirm that the person agrees"),
        ({"need": "something_else"}, "need", "Select an answer: Who is the support for?"),
        ({"staying_temporarily": "perhaps"}, "staying_temporarily", "Select yes or no"),
        ({"interests": ["groups", "hacking"]}, "interests", "Tick only the answers shown"),
        ({"access_needs": "z" * 501}, "access_needs", "Answer must be 500 characters or fewer"),
        ({"eq_gender": "robot"}, "eq_gender", "Select an answer from the list"),
        ({"first_name": "Ada\x07"}, "first_name", "must not contain special control characters"),
    ],
)
def test_bad_answers_get_a_message_and_keep_what_was_typed(
    shared: tuple[PageClient, Settings], overrides: dict[str, Any], field: str, message: str
) -> None:
    ref_client, ref_settings = shared
    response = post(ref_client, ref_settings, **overrides)
    assert response.status_code == 400
    html = response.text
    assert any(message in e for e in errors_of(html)), errors_of(html)
    first_id = f"{field}-day" if field == "date_of_birth" else field
    assert first_id in error_links(html)
    assert f'id="{first_id}"' in html
    if field != "date_of_birth":
        assert message in message_next_to_field(html, field)
    # Everything else typed is still there.
    assert 'value="ada@example.org"' in html or field == "email"
    assert "I would like some support, please." in html or field == "reason"
    assert store.count(make_engine(ref_settings.database_url)) == 0


def test_script_tags_are_stored_as_typed_and_shown_escaped(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    script = "<script>alert('x')</script>"
    bad = post(ref_client, ref_settings, reason=script, first_name="")
    assert bad.status_code == 400
    assert script not in bad.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in bad.text
    good = post(ref_client, ref_settings, reason=script, access_needs=script)
    assert good.status_code == 303
    page = ref_client.get(good.headers["location"]).text
    ref = REF.search(page)
    assert ref
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None and saved.reason == script


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("مريم", "العلي"),
        ("שרה", "לוי"),
        ("Zoë", "Ó Súilleabháin"),
        ("Jean-Luc", "D\u2019Arcy"),
        ("李", "小龍"),
    ],
)
def test_names_in_any_script(
    ref_client: PageClient, ref_settings: Settings, first: str, last: str
) -> None:
    response = post(
        ref_client,
        ref_settings,
        first_name=first,
        last_name=last,
        reason="Emoji are fine here 🙂 and so is עברית",
    )
    assert response.status_code == 303, errors_of(response.text)
    ref = REF.search(ref_client.get(response.headers["location"]).text)
    assert ref
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None
    assert (saved.first_name, saved.last_name) == (first, last)
    assert "🙂" in saved.reason


def test_rtl_name_kept_after_an_error(ref_client: PageClient, ref_settings: Settings) -> None:
    response = post(ref_client, ref_settings, first_name="مريم", postcode="nope")
    assert response.status_code == 400
    assert 'value="مريم"' in response.text


def test_postcodes_are_normalised(ref_client: PageClient, ref_settings: Settings) -> None:
    response = post(ref_client, ref_settings, postcode="  de1   2ab ")
    assert response.status_code == 303
    ref = REF.search(ref_client.get(response.headers["location"]).text)
    assert ref
    saved = store.get(make_engine(ref_settings.database_url), ref.group(1))
    assert saved is not None and saved.postcode == "DE1 2AB" and saved.flags == []


def test_no_csrf_token_is_refused_nothing_saved_and_answers_kept(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    data = {**answers_for(service(ref_settings, SLUG)), "first_name": "Zoë", "last_name": "نور"}
    ref_client.get(f"/refer/{SLUG}")
    response = ref_client.post(f"/refer/{SLUG}", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert store.count(make_engine(ref_settings.database_url)) == 0
    assert any("This form had expired" in e for e in errors_of(response.text))
    assert "referral-form" in error_links(response.text)
    assert 'value="Zoë"' in response.text and 'value="نور"' in response.text
    # The re-shown form carries a good token: sending it again records the referral once.
    again = {**data, "csrftoken": hidden(response.text, "csrftoken")}
    sent = ref_client.post(f"/refer/{SLUG}", data=again, follow_redirects=False)
    assert sent.status_code == 303
    assert store.count(make_engine(ref_settings.database_url)) == 1


def test_stale_csrf_token_is_refused_and_answers_kept(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    data = {**answers_for(service(ref_settings, SLUG)), "reason": "<script>alert(1)</script>"}
    ref_client.get(f"/refer/{SLUG}")
    response = ref_client.post(
        f"/refer/{SLUG}", data={**data, "csrftoken": "stale.token.value"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert store.count(make_engine(ref_settings.database_url)) == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


def test_a_post_from_a_browser_with_no_cookies_gets_a_fresh_token(ref_settings: Settings) -> None:
    """No cookie at all (cookies cleared, or a bookmarked form): refused, re-shown, and the
    response sets the CSRF cookie so the re-shown form can be sent."""
    from pafinder.app import create_app

    data = answers_for(service(ref_settings, SLUG))
    with PageClient(create_app(ref_settings), base_url="http://127.0.0.1") as fresh:
        response = fresh.post(f"/refer/{SLUG}", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert any(c.startswith("csrftoken=") for c in response.headers.get_list("set-cookie"))
        again = {**data, "csrftoken": hidden(response.text, "csrftoken")}
        assert fresh.post(f"/refer/{SLUG}", data=again, follow_redirects=False).status_code == 303


def test_a_tampered_form_key_is_not_sent_and_answers_are_kept(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    html = ref_client.get(f"/refer/{SLUG}").text
    token, key = hidden(html, "csrftoken"), hidden(html, "form_key")
    data = {
        **answers_for(service(ref_settings, SLUG)),
        "csrftoken": token,
        "form_key": key[:-3] + "abc",
    }
    response = ref_client.post(f"/refer/{SLUG}", data=data, follow_redirects=False)
    assert response.status_code == 400
    assert any("This form could not be checked" in e for e in errors_of(response.text))
    assert "form_key" in error_links(response.text)
    assert 'value="Ada"' in response.text
    assert store.count(make_engine(ref_settings.database_url)) == 0
    # The re-shown form carries a fresh, good key: sending it again works.
    again = {**data, "form_key": hidden(response.text, "form_key")}
    assert ref_client.post(f"/refer/{SLUG}", data=again, follow_redirects=False).status_code == 303


def test_a_form_key_for_another_service_is_refused(
    ref_client: PageClient, ref_settings: Settings
) -> None:
    other = hidden(ref_client.get("/refer/carers").text, "form_key")
    token = ref_client.csrf(f"/refer/{SLUG}")
    data = {**answers_for(service(ref_settings, SLUG)), "csrftoken": token, "form_key": other}
    response = ref_client.post(f"/refer/{SLUG}", data=data, follow_redirects=False)
    assert response.status_code == 400
