"""Unsubscribing (a page with a button for people; RFC 8058 one-click POST for mail clients,
with no CSRF token) and `pafinder newsletter send` (headers, links, only the list)."""

from __future__ import annotations

import re
import time
from email.message import Message
from pathlib import Path

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.newsletter import signing, store
from pafinder.settings import Settings
from tests.conftest import Inbox, PageClient, body_text
from tests.newsletter.helpers import cli, link_in, portal, rows, sign_up

ONE_CLICK = {"content-type": "application/x-www-form-urlencoded"}


def subscribed(settings: Settings, inbox: Inbox, *emails: str) -> dict[str, int]:
    """Sign each address up and confirm it, as its owner would; {email: row id}."""
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        for email in emails:
            before = len(inbox.messages)
            assert sign_up(client, settings, email).status_code == 303
            inbox.wait_for(before + 1)
            assert client.get(link_in(inbox.to(email)[-1], "confirm")).status_code == 200
    return {email: rows(settings)[email].id for email in emails}


def unsubscribe_path(settings: Settings, subscriber_id: int) -> str:
    return f"/newsletter/unsubscribe/{signing.unsubscribe_token(settings, subscriber_id)}"


def test_get_shows_a_button_and_unsubscribes_no_one(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    ids = subscribed(settings, inbox, "ann@example.com")
    path = unsubscribe_path(settings, ids["ann@example.com"])
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        page = client.get(path)
        assert page.status_code == 200 and "Unsubscribe from our newsletter" in page.text
        assert f'action="{path}"' in page.text and 'name="csrftoken"' in page.text
        assert rows(settings)["ann@example.com"].subscribed  # a scanner opening it changes nothing
        # The button: an ordinary form POST with its CSRF token.
        token = client.csrf(path)
        done = client.post(path, data={"csrftoken": token})
        assert done.status_code == 200 and "You have unsubscribed" in done.text
        assert not rows(settings)["ann@example.com"].subscribed
        assert client.post(path, data={"csrftoken": token}).status_code == 200  # idempotent


def test_one_click_post_needs_no_csrf_token_but_nothing_else_gets_through(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    ids = subscribed(settings, inbox, "ann@example.com", "bob@example.com", "cat@example.com")
    # A mail client: no cookies, no token, just the RFC 8058 body.
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as mail_client:
        ann = unsubscribe_path(settings, ids["ann@example.com"])
        for refused in (
            {"content": b"List-Unsubscribe=One-Click&x=1", "headers": ONE_CLICK},
            {"content": b"List-Unsubscribe=Yes", "headers": ONE_CLICK},
            {"content": b"", "headers": ONE_CLICK},
        ):
            response = mail_client.post(ann, **refused)  # type: ignore[arg-type]
            assert response.status_code == 403
        assert rows(settings)["ann@example.com"].subscribed
        done = mail_client.post(ann, content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert done.status_code == 200 and "You have unsubscribed" in done.text
        assert not rows(settings)["ann@example.com"].subscribed

        # The RFC's preferred form: multipart/form-data with that one field.
        bob = unsubscribe_path(settings, ids["bob@example.com"])
        multipart = mail_client.post(bob, files={"List-Unsubscribe": (None, "One-Click")})
        assert multipart.status_code == 200, multipart.text
        assert not rows(settings)["bob@example.com"].subscribed
        # Multipart with anything else in it is refused as everywhere else.
        cat = unsubscribe_path(settings, ids["cat@example.com"])
        other = mail_client.post(
            cat, files={"List-Unsubscribe": (None, "One-Click"), "f": ("a.txt", b"x")}
        )
        assert other.status_code == 415
        assert rows(settings)["cat@example.com"].subscribed
        # A tampered link, one-click or not, is a plain 400 page.
        bad = mail_client.post(ann + "x", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert bad.status_code == 400 and "This link does not work" in bad.text
        # The exemption is that route's alone: the sign-up form still wants its token.
        elsewhere = mail_client.post(
            "/newsletter", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
        )
        assert elsewhere.status_code == 403


def _unsubscribe_header(message: Message) -> str:
    value = str(message["List-Unsubscribe"])
    match = re.fullmatch(r"<(http://127\.0\.0\.1:8000(/newsletter/unsubscribe/[^>\s]+))>", value)
    assert match, value
    return match.group(2)


def test_send_reaches_only_the_list_with_one_click_headers(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    ids = subscribed(settings, inbox, "ann@example.com", "bob@example.com", "gone@example.com")
    store.unsubscribe(make_engine(settings.database_url), ids["gone@example.com"])
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        sign_up(client, settings, "pending@example.com")  # never confirmed
    inbox.wait_for(4)
    inbox.messages.clear()
    issue = tmp_path / "spring.md"
    issue.write_text(
        "## Carers week\n\nCome to our **drop-in** on Tuesday.\n\n"
        "- Tea\n- Cake\n\n[See events](https://example.org/events)\n",
        encoding="utf-8",
    )

    result = cli(settings, "newsletter", "send", str(issue), "--subject", "Spring news")
    assert result.exit_code == 0, result.output
    assert "Sent the newsletter to 2 of 2 addresses" in result.output
    messages = inbox.wait_for(2)
    time.sleep(0.3)
    assert sorted(str(m["To"]) for m in inbox.messages) == ["ann@example.com", "bob@example.com"]
    for message in messages:
        assert message["Subject"] == "Spring news"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        path = _unsubscribe_header(message)
        assert path in body_text(message)  # the same link in the text for every mail client
        assert "Come to our **drop-in** on Tuesday." in body_text(message)
        html = next(p for p in message.walk() if p.get_content_type() == "text/html")
        markup = html.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert (
            "<strong>drop-in</strong>" in markup and f'href="http://127.0.0.1:8000{path}"' in markup
        )
    # Each has their own link, and it works as a one-click unsubscribe.
    ann = next(m for m in messages if m["To"] == "ann@example.com")
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as mail_client:
        response = mail_client.post(
            _unsubscribe_header(ann), content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
        )
        assert response.status_code == 200
    assert not rows(settings)["ann@example.com"].subscribed
    assert rows(settings)["bob@example.com"].subscribed

    # The same issue twice is refused, unless asked for; then it goes to who is on the list now.
    twice = cli(settings, "newsletter", "send", str(issue), "--subject", "Spring news")
    assert twice.exit_code == 1 and "has been sent before" in twice.output
    again = cli(settings, "newsletter", "send", str(issue), "--subject", "Spring news", "--again")
    assert again.exit_code == 0, again.output
    inbox.wait_for(3)
    assert [m["To"] for m in inbox.messages[2:]] == ["bob@example.com"]


def test_send_refuses_no_subject_and_a_missing_or_empty_file(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    issue = tmp_path / "issue.md"
    issue.write_text("Hello", encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n", encoding="utf-8")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00")
    cases = [
        (["newsletter", "send", str(issue)], "Give the newsletter a subject"),
        (["newsletter", "send", str(issue), "--subject", "   "], "Give the newsletter a subject"),
        (["newsletter", "send", str(issue), "--subject", "a\nb"], "must be one line"),
        (["newsletter", "send", str(tmp_path / "nope.md"), "--subject", "S"], "There is no file"),
        (["newsletter", "send", str(empty), "--subject", "S"], "is empty"),
        (["newsletter", "send", str(tmp_path), "--subject", "S"], "is a folder"),
        (["newsletter", "send", str(binary), "--subject", "S"], "is not UTF-8"),
    ]
    for args, message in cases:
        result = cli(settings, *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_an_expired_unsubscribe_page_asks_again_and_changes_nothing(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    ids = subscribed(settings, inbox, "ann@example.com")
    path = unsubscribe_path(settings, ids["ann@example.com"])
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.get(path)
        response = client.post(path, data={"csrftoken": "old"})
    assert response.status_code == 403
    assert "you have not been unsubscribed yet" in response.text
    assert f'action="{path}"' in response.text
    assert rows(settings)["ann@example.com"].subscribed
