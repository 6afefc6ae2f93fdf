"""The employer's management link: status, change (back to staff when it was published or
returned), close early, delete (with a confirmation page); tampered and dead links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer

from pafinder.app import create_app
from pafinder.jobs import signing
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.jobs.post_helpers import BASE, job, job_settings, make_job, post_step, rows


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Settings, PageClient]]:
    s = job_settings(tmp_path)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c


def _post(client: PageClient, page: str, action: str, **data: str):
    token = client.csrf(page)
    return client.post(action, data={"csrftoken": token, **data}, follow_redirects=False)


def test_management_page_shows_status_and_the_advert(portal) -> None:
    settings, client = portal
    advert = make_job(settings, "returned", returned_reason="Please remove the street name")
    link = signing.manage_path(settings, advert["id"])
    page = client.get(link)
    assert page.status_code == 200
    assert "Sent back to you for changes" in page.text
    assert "Please remove the street name" in page.text
    assert advert["title"] in page.text and "£15.50" in page.text


@pytest.mark.parametrize("status", ["published", "returned"])
def test_an_edit_of_a_published_or_returned_advert_goes_back_to_staff(portal, status) -> None:
    settings, client = portal
    advert = make_job(settings, status)
    link = signing.manage_path(settings, advert["id"])
    edit = _post(client, link, f"{link}/edit")
    assert edit.status_code == 303 and edit.headers["location"] == f"{BASE}/check-answers"
    check = client.get(f"{BASE}/check-answers")
    assert check.status_code == 200 and "Send changes" in check.text
    assert "employer@example.org" not in check.text  # the address is not re-asked
    assert client.get(f"{BASE}/email", follow_redirects=False).status_code == 303
    assert post_step(client, "title", {"title": "A new title"}, "?change=1").status_code == 303
    token = client.csrf(f"{BASE}/check-answers")
    sent = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    again = client.post(f"{BASE}/check-answers", data={"csrftoken": token}, follow_redirects=False)
    assert sent.status_code == again.status_code == 303
    assert sent.headers["location"] == f"{link}?changed=1"
    assert "Your changes have been saved" in client.get(sent.headers["location"]).text
    changed = job(settings, advert["ref"])
    assert changed["title"] == "A new title" and changed["status"] == "pending"
    assert changed["email"] == "employer@example.org" and len(rows(settings)) == 1


def test_an_edit_with_a_bad_answer_changes_nothing(portal) -> None:
    settings, client = portal
    advert = make_job(settings, "published")
    link = signing.manage_path(settings, advert["id"])
    _post(client, link, f"{link}/edit")
    assert post_step(client, "pay", {"pay": "5"}, "?change=1").status_code == 400
    assert job(settings, advert["ref"])["status"] == "published"
    assert job(settings, advert["ref"])["pay_pence"] == 1550


def test_close_early(portal) -> None:
    settings, client = portal
    advert = make_job(settings, "published")
    link = signing.manage_path(settings, advert["id"])
    closed = _post(client, link, f"{link}/close")
    assert closed.status_code == 303
    page = client.get(closed.headers["location"])
    assert "Your advert is closed" in page.text and "Status: Closed" in page.text
    assert job(settings, advert["ref"])["status"] == "closed"
    assert job(settings, advert["ref"])["closed_at"] is not None


def test_delete_asks_first_then_removes_the_row(portal) -> None:
    settings, client = portal
    advert = make_job(settings, "published")
    link = signing.manage_path(settings, advert["id"])
    confirm = client.get(f"{link}/delete")
    assert (
        confirm.status_code == 200
        and "Are you sure you want to delete your advert?" in confirm.text
    )
    assert len(rows(settings)) == 1  # looking at the question deletes nothing
    done = _post(client, f"{link}/delete", f"{link}/delete")
    assert done.status_code == 303
    assert "Your advert has been deleted" in client.get(done.headers["location"]).text
    assert rows(settings) == []
    gone = client.get(link)
    assert gone.status_code == 404 and "This link does not work" in gone.text


def test_tampered_links_get_a_clear_page_never_a_500(portal) -> None:
    settings, client = portal
    advert = make_job(settings, "published")
    token = signing.manage_token(settings, advert["id"])
    for bad in (token[:-2] + "xx", "x" * 5000, "%F0%9F%8E%89", token + "."):
        response = client.get(f"/jobs/manage/{bad}")
        assert response.status_code in (400, 404), bad
        assert "This link does not work" in response.text
    other_key = URLSafeSerializer("another-secret", salt=signing.MANAGE_SALT)
    assert client.get(f"/jobs/manage/{other_key.dumps({'id': advert['id']})}").status_code == 400
    for odd in ({"id": True}, {"id": "1"}, {"id": -1}, [1], "1"):
        forged = URLSafeSerializer(str(settings.secret_key), salt=signing.MANAGE_SALT)
        assert client.get(f"/jobs/manage/{forged.dumps(odd)}").status_code == 400, odd
    response = _post(client, "/jobs/post", "/jobs/manage/bad-token/delete")
    assert response.status_code == 400
    assert len(rows(settings)) == 1
