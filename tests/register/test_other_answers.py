"""'Other' languages and qualifications a PA types (issue 11, point 6), through the real HTTP
layer: the registration and edit pages, staff approval, the public profile, and everything that
must never see the text (the search index, facets, /api/pas), with data protection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from pafinder.app import create_app
from pafinder.dataprotection.service import erase, subject_access
from pafinder.db import metadata, utcnow
from pafinder.register import lifecycle_mail, lifecycle_store, other_answers
from pafinder.register.admin.labels import ACTION_LABELS as HISTORY_LABELS
from pafinder.register.tables import pa_other_answers, pas
from pafinder.settings import Settings
from pafinder.staff.audit_view import ACTION_LABELS
from pafinder.subject import Subject
from tests.conftest import Inbox, PageClient, add_staff, sign_in
from tests.register.lifecycle_helpers import (
    BASE,
    audit,
    backdate_drafts,
    engine_of,
    fill_all,
    pa_settings,
    post_step,
    published_listing,
    rows,
    send,
    start,
    valid_answers,
)

LANGUAGE = "Amharic"
COURSE = "Level 2 Certificate in Understanding Autism"
M = "/become-a-pa/manage"
PUBLIC_KEYS = {
    "ref",
    "display_name",
    "areas",
    "gender",
    "tasks",
    "client_groups",
    "age_groups",
    "languages",
    "availability",
    "qualifications",
    "dbs",
    "dbs_checked",
    "driving",
    "smoker",
    "experience_years",
    "about",
    "updated",
}


@pytest.fixture
def portal(tmp_path: Path, smtp: tuple[str, Inbox]) -> Iterator[tuple[Settings, PageClient]]:
    url, _ = smtp
    s = pa_settings(tmp_path, smtp_url=url)
    with PageClient(create_app(s), base_url="http://127.0.0.1") as c:
        yield s, c


def with_others(
    language: str | None = LANGUAGE, course: str | None = COURSE
) -> dict[str, dict[str, Any]]:
    answers = valid_answers()
    if language is not None:
        answers["what-you-can-do"]["languages"] = ["english", "other"]
        answers["what-you-can-do"]["languages_other"] = language
    if course is not None:
        answers["qualifications"]["qualifications"] = ["food-hygiene", "other"]
        answers["qualifications"]["qualifications_other"] = course
    return answers


def answers_of(settings: Settings) -> dict[str, dict[str, Any]]:
    with engine_of(settings).connect() as conn:
        return {
            r.kind: dict(r._mapping)
            for r in conn.execute(select(pa_other_answers).order_by(pa_other_answers.c.kind))
        }


def pa_with_others(settings: Settings, **overrides: Any) -> str:
    """A published listing with both typed answers (pending), made through the store."""
    return published_listing(
        settings, other_language=LANGUAGE, other_qualification=COURSE, **overrides
    )


def staff(settings: Settings, client: PageClient) -> None:
    add_staff(settings, "checker@example.org")
    assert sign_in(client, "checker@example.org").status_code == 303


def review(client: PageClient, ref: str, kind: str, decision: str, seen: str | None = None) -> Any:
    """Post the staff record page's review form for one typed answer (the text it shows)."""
    token = client.csrf(f"/staff/pas/{ref}")
    listing = lifecycle_store.get(client.app.state.engine, ref)  # type: ignore[attr-defined]
    text = (
        listing["other_answers"][kind]["text"]
        if listing and kind in listing["other_answers"]
        else ""
    )
    data = {
        "csrftoken": token,
        "decision": decision,
        "seen": seen or other_answers.fingerprint(text),
    }
    return client.post(f"/staff/pas/{ref}/other-answers/{kind}", data=data, follow_redirects=False)


def manage(settings: Settings, client: PageClient, ref: str) -> None:
    token = lifecycle_mail.make_token(settings, lifecycle_mail.MANAGE, ref)
    assert client.get(f"{M}/{token}", follow_redirects=False).status_code == 303


def test_the_table_matches_its_migration(tmp_path: Path) -> None:
    engine = engine_of(pa_settings(tmp_path))
    columns = set(c["name"] for c in inspect(engine).get_columns("pa_other_answers"))
    assert columns == {"pa_id", "kind", "text", "state", "updated_at", "reviewed_at", "reviewed_by"}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert not [d for d in diff if "pa_other_answers" in repr(d)]


def test_registering_with_other_language_and_qualification_keeps_them_pending(portal) -> None:
    settings, client = portal
    fill_all(client, with_others())
    page = client.get(f"{BASE}/what-you-can-do").text
    assert 'value="other" checked' in page and f'value="{LANGUAGE}"' in page
    assert 'data-aria-controls="conditional-languages-other"' in page
    check = client.get(f"{BASE}/check-answers").text
    for shown in ("Other language", LANGUAGE, "Other qualification or training", COURSE):
        assert shown in check
    assert other_answers.NEW_STATE_LABEL in check
    backdate_drafts(settings)
    form = {"csrftoken": client.csrf(f"{BASE}/check-answers"), "website": ""}
    for _ in range(2):  # a double submit records once
        response = client.post(f"{BASE}/check-answers", data=form, follow_redirects=False)
        assert response.status_code == 303
    assert len(rows(settings)) == 1
    found = answers_of(settings)
    assert {k: (v["text"], v["state"]) for k, v in found.items()} == {
        "language": (LANGUAGE, "pending"),
        "qualification": (COURSE, "pending"),
    }
    with engine_of(settings).connect() as conn:
        row = conn.execute(select(pas.c.languages, pas.c.qualifications)).one()
    assert json.loads(row.languages) == ["english"], "Other is never a slug"
    assert [q["slug"] for q in json.loads(row.qualifications)] == ["food-hygiene"]


def test_other_alone_is_a_language_and_text_without_the_tick_is_ignored(portal) -> None:
    _, client = portal
    assert start(client).status_code == 303
    alone = {
        **valid_answers()["what-you-can-do"],
        "languages": ["other"],
        "languages_other": "Oromo",
    }
    assert post_step(client, "what-you-can-do", alone).status_code == 303
    unticked = {**valid_answers()["qualifications"], "qualifications_other": "Stray text"}
    assert post_step(client, "qualifications", unticked).status_code == 303
    nothing = {**valid_answers()["what-you-can-do"], "languages": []}
    response = post_step(client, "what-you-can-do", nothing)
    assert response.status_code == 400 and "Select at least one language" in response.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the other language you speak or sign"),
        ("   ", "Enter the other language you speak or sign"),
        ("x" * 101, "Other language must be 100 characters or fewer"),
        ("y" * 100_000, "Other language must be 100 characters or fewer"),
        ("<script>alert(1)</script>", "Other language must only include letters"),
        ("Klingon \U0001f596", "Other language must only include letters"),
        ("1234", "Other language must only include letters"),
    ],
)
def test_a_bad_other_language_is_a_clear_error_with_everything_kept(
    portal, typed: str, message: str
) -> None:
    settings, client = portal
    assert start(client).status_code == 303
    data = {**valid_answers()["what-you-can-do"], "languages": ["english", "other"]}
    data["languages_other"] = typed
    response = post_step(client, "what-you-can-do", data)
    assert response.status_code == 400
    assert message in response.text and 'href="#languages_other"' in response.text
    assert "Four years caring for older people" in response.text, "what was typed is kept"
    assert 'value="other" checked' in response.text
    if typed.strip() and len(typed) < 200:
        assert "&lt;script&gt;" in response.text if "<" in typed else typed in response.text
    assert "<script>alert" not in response.text
    assert answers_of(settings) == {}


def test_a_bad_other_qualification_is_an_error_by_its_box(portal) -> None:
    _, client = portal
    assert start(client).status_code == 303
    data = {**valid_answers()["qualifications"], "qualifications": ["other"]}
    response = post_step(client, "qualifications", data)
    assert response.status_code == 400
    assert "Enter the name of your other qualification or training" in response.text
    assert 'href="#qualifications_other"' in response.text
    data["qualifications_other"] = "z" * 101
    response = post_step(client, "qualifications", data)
    assert "Other qualification or training must be 100 characters or fewer" in response.text


@pytest.mark.parametrize(
    "typed", ["ትግርኛ", "Français, Español", "Lingála (Congo)", "Naïve   O'Brien"]
)
def test_unicode_names_are_kept_as_typed(portal, typed: str) -> None:
    settings, client = portal
    fill_all(client, with_others(language=typed, course=None))
    backdate_drafts(settings)
    assert send(client).status_code == 303
    assert answers_of(settings)["language"]["text"] == " ".join(typed.split())


def test_never_searchable_never_a_facet_never_in_the_api(portal) -> None:
    settings, client = portal
    staff(settings, client)
    ref = pa_with_others(settings)
    assert review(client, ref, "language", "approve").status_code == 303
    assert review(client, ref, "qualification", "approve").status_code == 303
    assert LANGUAGE in client.get(f"/find-a-pa/{ref}").text, "approved: on the profile"
    body = client.get("/api/pas").json()
    assert [r["ref"] for r in body["results"]] == [ref]
    assert LANGUAGE not in json.dumps(body) and "Autism" not in json.dumps(body)
    assert "other" not in body["facets"]["language"]
    assert all("other" not in counts for counts in body["facets"].values())
    assert set(body["results"][0]) == PUBLIC_KEYS, "the CONTRACT's keys, no more"
    for words in (LANGUAGE, "Understanding Autism"):
        assert client.get("/api/pas", params={"q": words}).json()["total"] == 0, words
    assert "other" not in client.get(f"/api/pas/{ref}").text
    assert client.get("/api/pas", params={"language": "other"}).status_code == 400
    assert client.get("/api/pas", params={"language": LANGUAGE}).status_code == 400
    search = client.get("/find-a-pa", params={"q": LANGUAGE}).text
    assert ref not in search


def test_staff_see_it_labelled_and_approve_it_onto_the_profile(portal) -> None:
    settings, client = portal
    staff(settings, client)
    ref = pa_with_others(settings)
    assert LANGUAGE not in client.get(f"/find-a-pa/{ref}").text, "pending: not shown"
    queue = client.get("/staff/pas").text
    assert f'href="/staff/pas/{ref}#other-answers"' in queue
    record = client.get(f"/staff/pas/{ref}").text
    for shown in ("Typed answers to check", "Other language", LANGUAGE, "Waiting for our team"):
        assert shown in record
    response = review(client, ref, "language", "approve")
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/pas/{ref}?done=other-approved#other-answers"
    assert "Typed answer approved" in client.get(response.headers["location"]).text
    assert review(client, ref, "language", "approve").status_code == 303  # a double submit
    profile = client.get(f"/find-a-pa/{ref}").text
    assert f"Also speaks: {LANGUAGE}" in profile
    assert COURSE not in profile, "each answer is approved on its own"
    entries = [a for a in audit(settings) if a["action"].startswith("pa.other_")]
    assert len(entries) == 1 and entries[0]["action"] == "pa.other_approved"
    assert entries[0]["actor"].startswith("staff:") and entries[0]["subject_id"] == ref
    assert json.loads(entries[0]["detail"]) == {"kind": "language"}, "never the text"
    assert answers_of(settings)["language"]["reviewed_by"] is not None
    history = client.get(f"/staff/pas/{ref}").text
    assert "Typed answer approved: shown on the profile" in history


def test_rejected_text_is_not_shown_and_a_stale_page_changes_nothing(portal) -> None:
    settings, client = portal
    staff(settings, client)
    ref = pa_with_others(settings)
    stale = review(client, ref, "qualification", "approve", seen="0" * 16)
    assert stale.status_code == 409 and "changed or removed this answer" in stale.text
    assert answers_of(settings)["qualification"]["state"] == "pending"
    assert review(client, ref, "qualification", "maybe").status_code == 400
    assert review(client, ref, "qualification", "reject").status_code == 303
    assert answers_of(settings)["qualification"]["state"] == "rejected"
    assert COURSE not in client.get(f"/find-a-pa/{ref}").text
    assert [a["action"] for a in audit(settings) if a["action"].startswith("pa.other_")] == [
        "pa.other_rejected"
    ]
    assert client.post(f"/staff/pas/{ref}/other-answers/colour", data={}).status_code in (403, 404)


def test_text_shown_on_the_profile_is_escaped(portal) -> None:
    settings, client = portal
    staff(settings, client)
    ref = published_listing(settings)
    engine = engine_of(settings)
    # Stored past validation on purpose: the profile must escape whatever the table holds.
    with engine.begin() as conn:
        pa_id = conn.execute(select(pas.c.id).where(pas.c.ref == ref)).scalar_one()
        other_answers.save(conn, pa_id, {"other_language": "<script>x</script>"}, utcnow())
    assert review(client, ref, "language", "approve").status_code == 303
    profile = client.get(f"/find-a-pa/{ref}").text
    assert "Also speaks: &lt;script&gt;x&lt;/script&gt;" in profile
    assert "<script>x" not in profile


def test_editing_the_text_sends_it_back_to_pending(portal) -> None:
    settings, client = portal
    staff(settings, client)
    ref = pa_with_others(settings)
    assert review(client, ref, "language", "approve").status_code == 303
    manage(settings, client, ref)
    listing = client.get(f"{M}/listing").text
    assert LANGUAGE in listing and "Checked by our team: shown on the profile" in listing
    form = client.get(f"{M}/edit/what-you-can-do").text
    assert 'value="other" checked' in form and f'value="{LANGUAGE}"' in form
    token = client.csrf(f"{M}/edit/what-you-can-do")
    same = {**valid_answers()["what-you-can-do"], "csrftoken": token}
    same.update(languages=["english", "other"], languages_other=LANGUAGE)
    assert client.post(f"{M}/edit/what-you-can-do", data=same).status_code == 200
    assert answers_of(settings)["language"]["state"] == "approved", "unchanged text stays"
    changed = {**same, "languages_other": "Amharic, Oromo"}
    response = client.post(f"{M}/edit/what-you-can-do", data=changed, follow_redirects=False)
    assert response.status_code == 303
    assert answers_of(settings)["language"]["state"] == "pending"
    assert answers_of(settings)["language"]["text"] == "Amharic, Oromo"
    assert lifecycle_store.get(engine_of(settings), ref)["status"] == "published"  # type: ignore[index]
    assert "Also speaks" not in client.get(f"/find-a-pa/{ref}").text
    edited = [a for a in audit(settings) if a["action"] == "pa.edited"]
    assert json.loads(edited[-1]["detail"])["fields"] == ["other_language"]
    assert "Oromo" not in json.dumps([a["detail"] for a in audit(settings)])
    bad = {**same, "languages_other": "<b>"}
    response = client.post(f"{M}/edit/what-you-can-do", data=bad)
    assert response.status_code == 400 and "must only include letters" in response.text
    unticked = {**same, "languages": ["english"]}
    assert client.post(f"{M}/edit/what-you-can-do", data=unticked).status_code == 200
    assert "language" not in answers_of(settings), "unticking Other removes the answer"


def test_subject_access_includes_it_and_erasure_removes_it(portal) -> None:
    settings, _ = portal
    ref = pa_with_others(settings)
    engine = engine_of(settings)
    found = subject_access(engine, Subject(email="pub@example.org"))
    typed = found["pa_listings"][0]["other_answers"]
    assert {a["text"] for a in typed} == {LANGUAGE, COURSE}
    assert lifecycle_store.export(engine, ref)["listing"]["other_language"] == LANGUAGE
    erase(engine, settings, Subject(email="pub@example.org"), "cli")
    assert answers_of(settings) == {}


def test_every_new_action_has_words() -> None:
    for action in other_answers.ACTIONS.values():
        assert action in ACTION_LABELS and action in HISTORY_LABELS


def test_the_demo_shows_one_approved_and_one_waiting(portal) -> None:
    from pafinder.content import load_content
    from pafinder.register.seed import seed_demo

    settings, client = portal
    engine = engine_of(settings)
    seed_demo(engine, settings, load_content(settings.content_dir))
    states = {k: v["state"] for k, v in answers_of(settings).items()}
    assert states == {"language": "approved", "qualification": "pending"}
    with engine.connect() as conn:
        ref = conn.execute(
            select(pas.c.ref)
            .join(pa_other_answers, pa_other_answers.c.pa_id == pas.c.id)
            .where(pa_other_answers.c.kind == "language")
        ).scalar_one()
    assert "Also speaks: Amharic" in client.get(f"/find-a-pa/{ref}").text
