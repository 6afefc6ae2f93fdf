"""A NUL in a path, a query or a form field is refused before it reaches the database
(PostgreSQL refuses NUL in text, so on the PostgreSQL run each of these was a 500)."""

from __future__ import annotations

import pytest

from tests.conftest import PageClient


@pytest.mark.parametrize(
    "path", ["/api/pas/ab%00c", "/find-a-pa/x%00/contact", "/staff/referrals/R%00"]
)
def test_a_nul_in_a_path_is_page_not_found(client: PageClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.mark.parametrize("query", ["q=garden%00", "area=%00", "q=%00%00"])
def test_a_nul_in_a_query_is_a_plain_400(client: PageClient, query: str) -> None:
    for path in ("/find-a-pa", "/api/pas", "/search", "/events"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert response.headers["cache-control"] == "no-store"


def test_a_nul_in_a_form_field_name_is_refused(client: PageClient) -> None:
    token = client.csrf("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={"email": "a@example.org", "password": "x", "csrftoken": token, "x\x00": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "Your form could not be read" in response.text


def test_a_nul_in_a_form_answer_is_refused_and_nothing_saved(client: PageClient) -> None:
    # Browsers never send one (they drop NUL from what is typed): only a script does.
    token = client.csrf("/refer/peer-support")
    response = client.post(
        "/refer/peer-support",
        data={"first_name": "Ada\x00", "csrftoken": token},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "Your form could not be read" in response.text


def test_ordinary_requests_still_pass(client: PageClient) -> None:
    assert client.get("/find-a-pa?q=garden").status_code == 200
    assert client.get("/api/pas?q=100%25").status_code == 200
