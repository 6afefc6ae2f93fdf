"""The public feedback form: every statement asked, a good response stored with nothing about
who sent it, blank and bad answers refused with a message (never a 500), robots and double
submits handled quietly, and a rate limit that keeps what was typed."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.content import load_content
from pafinder.db import utcnow
from pafinder.feedback import forms, public_routes, store
from pafinder.settings import Settings
from pafinder.workdays import london_date
from tests.conftest import REAL_CONTENT, PageClient
from tests.feedback.helpers import aged_token, send, stored

SERVICES = [s.slug for s in load_content(REAL_CONTENT).services]


def test_every_real_service_has_three_to_six_first_person_statements() -> None:
    for service in load_content(REAL_CONTENT).services:
        statements = service.outcome_statements
        assert 3 <= len(statements) <= 6, f"{service.source}: 3 to 6 outcome statements"
        for statement in statements:
            assert statement.text.startswith("I feel"), f"{service.source}: {statement.id}"


@pytest.mark.parametrize("slug", SERVICES)
def test_the_form_asks_every_statement_of_the_service(
    fb_client: PageClient, fb_settings: Settings, slug: str
) -> None:
    service = load_content(fb_settings.content_dir).service(slug)
    assert service is not None
    response = fb_client.get(f"/feedback/{slug}")
    assert response.status_code == 200
    page = response.text
    for statement in service.outcome_statements:
        assert html.escape(statement.text) in page
        for value in ("agree", "neither", "disagree"):
            assert f'name="statement-{statement.id}" type="radio" value="{value}"' in page
    for label in ("Agree", "Neither agree nor disagree", "Disagree"):
        assert page.count(label) >= len(service.outcome_statements)
    assert 'name="comment"' in page and 'name="form_token"' in page
    assert 'name="website"' in page, "the honeypot"
    assert "anonymous" in page
    assert response.headers["cache-control"] == "no-store"


def test_a_good_response_is_stored_with_nothing_about_who_sent_it(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    response = send(
        fb_client,
        fb_settings,
        "carers",
        {
            "statement-less-alone": "agree",
            "statement-time-for-myself": "disagree",
            "statement-ready-for-emergency": "",
            "comment": "  The group on Tuesdays is great.\r\nThank you.  ",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/feedback/carers/thank-you"
    thanks = fb_client.get(response.headers["location"])
    assert thanks.status_code == 200 and "Thank you for your feedback" in thanks.text
    [row] = stored(fb_settings)
    assert row == {
        "id": row["id"],
        "service": "carers",
        "given_on": london_date(utcnow()),
        "comment": "The group on Tuesdays is great.\nThank you.",
        "answers": {"less-alone": "agree", "time-for-myself": "disagree"},
    }
    # Only these columns exist: no address, session, email or time of day to match a visit to.
    assert set(store.feedback_responses.c.keys()) == {"id", "service", "given_on", "comment"}
    assert set(store.feedback_answers.c.keys()) == {"response_id", "statement_id", "answer"}
    assert set(store.feedback_form_keys.c.keys()) == {"key_hash", "used_on"}


def test_a_client_posting_the_fields_directly_is_recorded(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    """CONTRACT: fields statement-{id} and comment; no form token needed."""
    csrf = fb_client.csrf("/feedback/mentoring")
    response = fb_client.post(
        "/feedback/mentoring",
        data={"csrftoken": csrf, "statement-more-confident": "neither"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert stored(fb_settings)[0]["answers"] == {"more-confident": "neither"}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"comment": "   "},
        {"statement-less-alone": "", "comment": "\r\n"},
        {"statement-not-in-the-yaml": "agree"},
    ],
)
def test_nothing_answered_is_a_400_with_the_message(
    fb_client: PageClient, fb_settings: Settings, data: dict[str, str]
) -> None:
    response = send(fb_client, fb_settings, "carers", data)
    assert response.status_code == 400
    assert forms.NOTHING_ANSWERED in response.text
    assert 'class="govuk-error-summary' in response.text
    assert 'href="#statement-information-i-need"' in response.text
    assert response.text.count("govuk-error-message") == 1
    assert stored(fb_settings) == []


def test_a_statement_the_service_does_not_have_is_ignored(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    response = send(
        fb_client,
        fb_settings,
        "carers",
        {"statement-less-alone": "agree", "statement-made-up": "agree", "statement-": "x"},
    )
    assert response.status_code == 303
    assert stored(fb_settings)[0]["answers"] == {"less-alone": "agree"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"statement-less-alone": "maybe"}, "statement-less-alone", forms.BAD_ANSWER),
        ({"statement-less-alone": "AGREE"}, "statement-less-alone", forms.BAD_ANSWER),
        ({"statement-less-alone": "<script>"}, "statement-less-alone", forms.BAD_ANSWER),
        ({"statement-less-alone": "😀"}, "statement-less-alone", forms.BAD_ANSWER),
        ({"statement-less-alone": ["agree", "disagree"]}, "statement-less-alone", forms.ONE_ANSWER),
        ({"comment": "x" * 2001}, "comment", forms.LONG_COMMENT),
        ({"comment": "😀" * 2001}, "comment", forms.LONG_COMMENT),
    ],
)
def test_bad_answers_are_a_400_that_keeps_the_rest(
    fb_client: PageClient,
    fb_settings: Settings,
    data: dict[str, object],
    field: str,
    message: str,
) -> None:
    typed = {"statement-time-for-myself": "agree", "comment": "Kept <b>as typed</b>", **data}
    response = send(fb_client, fb_settings, "carers", typed)
    assert response.status_code == 400
    assert html.escape(message) in response.text
    assert f'href="#{field}"' in response.text
    assert 'value="agree" checked' in response.text, "the good answer is kept"
    if field != "comment":
        assert "Kept &lt;b&gt;as typed&lt;/b&gt;" in response.text
        assert "<b>as typed" not in response.text
    assert stored(fb_settings) == []


def test_the_same_answer_twice_and_an_emoji_comment_are_fine(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    comment = "Brilliant 😀👍🏽 — ça va, 日本語 " + "ok " * 600
    response = send(
        fb_client,
        fb_settings,
        "carers",
        {"statement-less-alone": ["agree", "agree"], "comment": comment},
    )
    assert response.status_code == 303
    [row] = stored(fb_settings)
    assert row["answers"] == {"less-alone": "agree"}
    assert row["comment"] == comment.strip() and len(row["comment"]) <= forms.MAX_COMMENT


def test_a_huge_body_is_refused_without_a_500(fb_client: PageClient, fb_settings: Settings) -> None:
    response = send(fb_client, fb_settings, "carers", {"comment": "x" * 2_000_000})
    assert response.status_code in (400, 413)
    assert stored(fb_settings) == []


def test_control_characters_are_dropped_from_a_comment(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    response = send(fb_client, fb_settings, "carers", {"comment": "a\x01b\x1bc\td"})
    assert response.status_code == 303
    assert stored(fb_settings)[0]["comment"] == "abc\td"


def test_the_honeypot_and_a_too_fast_form_look_like_success_and_keep_nothing(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    good = {"statement-less-alone": "agree", "comment": "Hello"}
    trapped = send(fb_client, fb_settings, "carers", {**good, "website": "http://spam.example"})
    assert trapped.status_code == 303
    assert trapped.headers["location"] == "/feedback/carers/thank-you"
    page = fb_client.get("/feedback/carers").text
    fresh = re.search(r'name="form_token" value="([^"]+)"', page)
    assert fresh
    fast = send(fb_client, fb_settings, "carers", good, token=fresh.group(1))
    assert fast.status_code == 303
    assert fast.headers["location"] == "/feedback/carers/thank-you"
    assert stored(fb_settings) == []
    slow = send(fb_client, fb_settings, "carers", good, token=aged_token(fb_settings, "carers"))
    assert slow.status_code == 303 and len(stored(fb_settings)) == 1


def test_a_double_submit_records_once(fb_client: PageClient, fb_settings: Settings) -> None:
    token = aged_token(fb_settings, "carers")
    data = {"statement-less-alone": "agree"}
    first = send(fb_client, fb_settings, "carers", data, token=token)
    second = send(fb_client, fb_settings, "carers", data, token=token)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == "/feedback/carers/thank-you"
    assert len(stored(fb_settings)) == 1
    # An error re-shows the same token, so sending it after the fix still counts once.
    again = send(fb_client, fb_settings, "carers", {}, token=token)
    assert again.status_code == 400 and html.escape(token) in again.text


def test_a_changed_token_or_another_services_token_is_refused(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    data = {"statement-less-alone": "agree"}
    for token in (aged_token(fb_settings, "carers") + "x", aged_token(fb_settings, "mentoring")):
        response = send(fb_client, fb_settings, "carers", data, token=token)
        assert response.status_code == 400
        assert public_routes.TAMPERED in response.text
        assert 'value="agree" checked' in response.text
    assert stored(fb_settings) == []


def test_an_unknown_service_is_404(fb_client: PageClient) -> None:
    assert fb_client.get("/feedback/no-such-service").status_code == 404
    assert fb_client.get("/feedback/no-such-service/thank-you").status_code == 404
    csrf = fb_client.csrf("/feedback/carers")
    posted = fb_client.post("/feedback/no-such-service", data={"csrftoken": csrf, "comment": "Hi"})
    assert posted.status_code == 404


def test_an_expired_csrf_token_reshows_the_form_as_typed(
    fb_client: PageClient, fb_settings: Settings
) -> None:
    fb_client.get("/feedback/carers")
    response = fb_client.post(
        "/feedback/carers",
        data={
            "csrftoken": "stale",
            "form_token": aged_token(fb_settings, "carers"),
            "statement-less-alone": "disagree",
            "comment": "Typed before the page expired",
        },
    )
    assert response.status_code == 403
    assert "Typed before the page expired" in response.text
    assert 'value="disagree" checked' in response.text
    assert stored(fb_settings) == []


def test_too_many_from_one_connection_is_429_and_keeps_the_answers(
    fb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public_routes, "FEEDBACK_RATE_ADDRESS", "2/hour")
    with PageClient(create_app(fb_settings), base_url="http://127.0.0.1") as client:
        first_token = aged_token(fb_settings, "carers")
        for token in (first_token, aged_token(fb_settings, "carers")):
            assert send(client, fb_settings, "carers", {"comment": "ok"}, token).status_code == 303
        busy = send(client, fb_settings, "carers", {"comment": "Third one"})
        assert busy.status_code == 429
        assert "Third one" in busy.text and "has not been sent yet" in busy.text
        # Sending an already-recorded form again is never refused: it leads to the thanks.
        repeat = send(client, fb_settings, "carers", {"comment": "ok"}, first_token)
        assert repeat.status_code == 303
    assert len(stored(fb_settings)) == 2


def test_the_form_and_thank_you_page_work_on_the_fixture_content(tmp_path: Path) -> None:
    """A service without outcome statements still has a form: the comment alone."""
    from tests.conftest import make_settings
    from tests.referrals.helpers import portal

    settings = portal(tmp_path, make_settings(tmp_path).content_dir)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        page = client.get("/feedback/peer-support")
        assert page.status_code == 200 and 'type="radio"' not in page.text
        blank = send(client, settings, "peer-support", {})
        assert blank.status_code == 400 and 'href="#comment"' in blank.text
        sent = send(client, settings, "peer-support", {"comment": "Thanks"})
        assert sent.status_code == 303
    assert stored(settings)[0]["comment"] == "Thanks"
