"""Data protection for format requests: subject access (the command line's JSON) finds a
person's requests by email or phone with the free text decrypted and the audit rows naming
them; erasure deletes them and leaves others; `pafinder purge` deletes a request 90 days after
it was marked done, a day either side of the boundary, and never an open one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from pafinder.dataprotection import service
from pafinder.db import make_engine, utcnow
from pafinder.formats import privacy, store
from pafinder.subject import Subject
from tests.dataprotection.helpers import keyed_portal, run, same_portal
from tests.formats.helpers import make_request, portal, rows


def test_subject_access_finds_requests_by_email_and_phone_decrypted(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    by_email = make_request(settings, email="Ada@Example.org", information="The blue leaflet")
    by_phone = make_request(
        settings, delivery="phone", email="", phone="07700 900 982", format="bsl"
    )
    make_request(settings, email="someone@example.org")
    result = run(settings, "subject-access", "--email", "ada@example.org", "--phone", "07700900982")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    records = found["format_requests"]
    assert sorted(r["ref"] for r in records) == sorted([by_email, by_phone])
    [mine] = [r for r in records if r["ref"] == by_email]
    assert mine["information"] == "The blue leaflet" and "form_key" not in mine
    named = {(e["subject_type"], e["subject_id"]) for e in found["audit_log"]}
    assert ("format_request", by_email) in named


def test_erasure_deletes_the_persons_requests_only(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    make_request(settings, email="ada@example.org")
    other = make_request(settings, email="someone@example.org")
    engine = make_engine(settings.database_url)
    assert service.preview(engine, Subject("ada@example.org"))["format_requests"] == 1
    counts = service.erase(engine, settings, Subject("ada@example.org"), "cli")
    assert counts["format_requests"] == 1
    assert [r.ref for r in rows(settings)] == [other]
    assert service.subject_access(engine, Subject("ada@example.org"))["format_requests"] == []


def test_purge_deletes_requests_90_days_after_they_were_done(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    engine = make_engine(settings.database_url)
    now = utcnow()
    refs = {}
    for name, days in (("gone", 91), ("kept", 89)):
        ref = make_request(settings, received_at=now - timedelta(days=400))
        assert store.mark_done(engine, ref, "staff:1", "", now - timedelta(days=days))
        refs[name] = ref
    still_open = make_request(settings, received_at=now - timedelta(days=1000))
    purged = service.purge(engine, settings)
    assert purged.format_requests == 1
    assert sorted(r.ref for r in rows(settings)) == sorted([refs["kept"], still_open])
    assert service.purge(engine, settings).format_requests == 0


def test_rotation_re_encrypts_the_free_text_with_the_new_key(tmp_path: Path) -> None:
    old = Fernet.generate_key()
    settings = keyed_portal(tmp_path, old)
    make_request(settings, information="The blue leaflet", format_detail="Urdu")
    new = Fernet.generate_key()
    engine = make_engine(same_portal(tmp_path, new, old).database_url)
    assert privacy.rotate(engine) == {"format_requests": 1}
    assert privacy.rotate(engine) == {"format_requests": 0}
    only_new = make_engine(same_portal(tmp_path, new).database_url)
    [found] = service.subject_access(only_new, Subject("sam@example.org"))["format_requests"]
    assert (found["information"], found["format_detail"]) == ("The blue leaflet", "Urdu")
