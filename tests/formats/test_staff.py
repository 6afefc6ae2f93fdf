"""The staff side of format requests: the list (open first, newest first, filter open, done or
both, plain labels, London times), a request's page with its viewing audited, "mark as done"
with an optional note (audited, once), bad values a 400 with nothing recorded, the staff home
link, and the sign-in every route needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.staff.audit_view import ACTION_LABELS, SUBJECT_LABELS
from tests.conftest import PageClient, add_staff, sign_in
from tests.formats.helpers import make_request, portal, rows
from tests.referrals.helpers import errors_of, hidden

LIST = "/staff/format-requests"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = portal(tmp_path)
    add_staff(s, "worker@example.org", services=("carers",))
    return s


@pytest.fixture
def client(settings: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as c:
        assert sign_in(c, "worker@example.org").status_code == 303
        yield c


def _audit(settings: Settings, action: str) -> list[dict[str, Any]]:
    entries = staff_store.recent_audit(make_engine(settings.database_url), 1000)
    return [e for e in entries if e["action"] == action]


def _refs(html: str) -> list[str]:
    return re.findall(r'href="/staff/format-requests/(F-[A-Z0-9-]+)"', html)


def test_every_route_needs_a_signed_in_member(settings: Settings) -> None:
    ref = make_request(settings)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as anonymous:
        for path in (LIST, f"{LIST}/{ref}"):
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code in (303, 401, 403), path
        token = anonymous.csrf("/accessible-formats/request")
        response = anonymous.post(
            f"{LIST}/{ref}/done", data={"csrftoken": token}, follow_redirects=False
        )
        assert response.status_code in (303, 401, 403)
    assert [r.status for r in rows(settings)] == ["open"]


def test_the_staff_home_links_to_the_list(client: PageClient) -> None:
    assert f'href="{LIST}"' in client.get("/staff/").text


def test_the_list_shows_open_requests_newest_first_with_plain_labels(
    settings: Settings, client: PageClient
) -> None:
    older = make_request(settings, format="braille", received_at=datetime(2026, 7, 1, 8, 30))
    newer = make_request(settings, format="bsl", delivery="phone", phone="07700 900 982")
    page = client.get(LIST)
    assert page.status_code == 200
    assert _refs(page.text) == [newer, older]
    assert (
        "British Sign Language (BSL) video or interpreter" in page.text and "Braille" in page.text
    )
    assert "By phone (we call you)" in page.text
    assert "1 July 2026 at 9:30am" in page.text  # 08:30 UTC is 9:30am in London (BST)
    assert "Sam Jones" not in page.text and "sam@example.org" not in page.text
    assert ">bsl<" not in page.text


def test_mark_as_done_with_a_note_is_audited_and_moves_it_to_done(
    settings: Settings, client: PageClient
) -> None:
    ref = make_request(settings, format="language", format_detail="Urdu")
    record = client.get(f"{LIST}/{ref}")
    assert record.status_code == 200
    assert "Another language: Urdu" in record.text and "sam@example.org" in record.text
    assert record.text.count("<h1") == 1
    [viewed] = _audit(settings, "format_request.viewed")
    assert viewed["subject_id"] == ref and viewed["subject_type"] == "format_request"
    token = hidden(record.text, "csrftoken")
    note = "Sent the Urdu leaflet by email 🙂 <script>x</script>"
    response = client.post(
        f"{LIST}/{ref}/done", data={"csrftoken": token, "note": note}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == f"{LIST}/{ref}"
    [row] = rows(settings)
    assert row.status == "done" and row.done_at is not None and row.done_by.startswith("staff:")
    assert "Urdu" not in row.done_note  # encrypted at rest
    [done] = _audit(settings, "format_request.done")
    assert done["subject_id"] == ref and "Urdu" not in str(done) and "script" not in str(done)
    page = client.get(f"{LIST}/{ref}").text
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "Mark as done</button>" not in page.replace("\n", "")
    # A second click (another tab) changes nothing and writes no second audit row.
    again = client.post(
        f"{LIST}/{ref}/done", data={"csrftoken": token, "note": "again"}, follow_redirects=False
    )
    assert again.status_code == 303
    assert len(_audit(settings, "format_request.done")) == 1
    # The list: open by default (now empty), done and both on request.
    assert _refs(client.get(LIST).text) == []
    assert _refs(client.get(f"{LIST}?status=done").text) == [ref]
    assert _refs(client.get(f"{LIST}?status=all").text) == [ref]


def test_mark_as_done_without_a_note(settings: Settings, client: PageClient) -> None:
    ref = make_request(settings)
    token = hidden(client.get(f"{LIST}/{ref}").text, "csrftoken")
    response = client.post(f"{LIST}/{ref}/done", data={"csrftoken": token})
    assert response.status_code == 200 and "Marked as done on" in response.text
    assert rows(settings)[0].status == "done"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("x" * 2001, "2,000 characters or fewer"),
        ("bad\x01control", "special control characters"),
        (["one", "two"], "one box only"),
    ],
)
def test_a_bad_note_is_a_400_with_nothing_recorded(
    settings: Settings, client: PageClient, note: Any, message: str
) -> None:
    ref = make_request(settings)
    token = hidden(client.get(f"{LIST}/{ref}").text, "csrftoken")
    response = client.post(f"{LIST}/{ref}/done", data={"csrftoken": token, "note": note})
    assert response.status_code == 400
    assert any(message in e for e in errors_of(response.text)), errors_of(response.text)
    assert 'href="#note"' in response.text
    assert rows(settings)[0].status == "open"
    assert _audit(settings, "format_request.done") == []


def test_bad_filters_and_unknown_references_never_answer_500(
    settings: Settings, client: PageClient
) -> None:
    for query in ("status=nope", "status=open&status=done", "page=abc", "page=-1", "page=99999"):
        assert client.get(f"{LIST}?{query}").status_code in (200, 400), query
    assert client.get(f"{LIST}?status=nope").status_code == 400
    assert client.get(f"{LIST}/F-NONE-NONE").status_code == 404
    assert client.get(f"{LIST}/{'x' * 5000}").status_code == 404
    token = hidden(client.get(f"{LIST}/{make_request(settings)}").text, "csrftoken")
    assert client.post(f"{LIST}/F-NONE-NONE/done", data={"csrftoken": token}).status_code == 404


def test_every_audit_action_and_subject_has_words() -> None:
    for action in ("format_request.received", "format_request.viewed", "format_request.done"):
        assert action in ACTION_LABELS
    assert SUBJECT_LABELS["format_request"] == "Request for another format"
