"""Subject access and erasure (issue 12, point 9; CONTRACT.md "Data protection"): one person
seeded across every table, a second who must stay untouched; subject access finds every record,
erasure leaves no trace of the person in any table (every table in pafinder.db.metadata is read,
encrypted text decrypted), the counts the returns need survive, and one audit entry says what
was erased without naming anyone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pafinder import crypto
from pafinder.db import make_engine, metadata
from pafinder.features import all_features
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from tests.dataprotection.helpers import run
from tests.dataprotection.seed import (
    ADA,
    BOB,
    GRACE,
    Person,
    seed_message,
    seed_person,
    seed_referrer,
    staff,
)
from tests.register.lifecycle_helpers import pa_settings

KEEP_COUNTS = ("referrals", "referral_changes", "referral_equality", "event_bookings", "complaints")


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Settings, dict[str, str], dict[str, str]]:
    settings = pa_settings(tmp_path)
    all_features()  # every feature's tables on the metadata
    worker = staff(settings)
    ada = seed_person(settings, ADA, worker)
    grace = seed_person(settings, GRACE, worker)
    ada["referred"] = seed_referrer(settings, ADA, BOB)
    ada["wrote_to"] = seed_message(settings, ADA, BOB)
    return settings, ada, grace


def _access(settings: Settings, p: Person, *extra: str) -> dict[str, Any]:
    result = run(settings, "subject-access", "--email", p.email, *extra)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.output)
    return found


def _every_value(settings: Settings) -> dict[str, str]:
    """Every table as one lower-case string of its values, encrypted text decrypted."""
    engine = make_engine(settings.database_url)
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for name, table in metadata.tables.items():
            values = []
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    text = str(value)
                    if crypto.TOKEN.match(text):
                        text = crypto.decrypt(engine, text)
                    values.append(text)
            out[name] = "\n".join(values).lower()
    return out


def _traces(p: Person, tables: dict[str, str]) -> list[tuple[str, str]]:
    needles = [p.email, p.first, p.last, *p.words]
    digits = re.sub(r"\D", "", p.phone)
    found = [(t, n) for t, text in tables.items() for n in needles if n.lower() in text]
    found += [(t, digits) for t, text in tables.items() if digits in re.sub(r"[ +]", "", text)]
    return found


def _counts(settings: Settings) -> dict[str, int]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        return {
            t: int(conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one())
            for t in KEEP_COUNTS
        }


def test_subject_access_finds_every_record_of_the_person(
    seeded: tuple[Settings, dict[str, str], dict[str, str]],
) -> None:
    settings, ada, _grace = seeded
    found = _access(settings, ADA, "--phone", ADA.phone, "--name", ADA.name, "--dob", ADA.dob)
    [referral] = found["referrals"]
    assert referral["ref"] == ada["referral"]
    assert ADA.words[0] in referral["reason"]  # decrypted
    assert [c["note"] for c in referral["timeline"] if c["what"] == "note"] == [
        f"Rang: {ADA.words[1]}"
    ]
    assert [r["ref"] for r in found["referrals_made_for_others"]] == [ada["referred"]]
    made = found["referrals_made_for_others"][0]
    assert made["referrer_email"] == ADA.email and "reason" not in made  # Bob's, not hers
    assert "cannot be linked" in found["referral_equality"]
    [booking] = found["event_bookings"]
    assert booking["access_needs"] == f"{ADA.words[2]} please"
    [listing] = found["pa_listings"]
    assert listing["ref"] == ada["pa"] and len(listing["messages_received"]) == 1
    [sent] = found["messages_sent_to_pas"]
    assert sent["to_pa"] == ada["wrote_to"] and ADA.words[5] in sent["message"]
    [complaint] = found["complaints"]
    assert complaint["ref"] == ada["complaint"] and complaint["phone"]
    assert [s["email"] for s in found["newsletter_subscribers"]] == [ADA.email]
    assert {m["purpose"] for m in found["mail_outbox"]} >= {
        "PA contact message",
        "newsletter confirmation",
    }
    assert len(found["feedback_responses"]) == 1 and "anonymous" in found["feedback_note"]
    named = {(a["subject_type"], a["subject_id"]) for a in found["audit_log"]}
    assert {("referral", ada["referral"]), ("pa", ada["pa"])} <= named
    # Nothing of anyone else.
    text = json.dumps(found).lower()
    for needle in (GRACE.email, GRACE.last, *GRACE.words, BOB.words):
        assert str(needle).lower() not in text
    assert BOB.email not in text
    # By name and date of birth alone (another email): her referral is found too.
    by_name = _access(
        settings,
        Person("x", "y", "someone.else@example.org", "", "", ()),
        "--name",
        ADA.name.upper(),
        "--dob",
        ADA.dob,
    )
    assert [r["ref"] for r in by_name["referrals"]] == [ada["referral"]]
    assert by_name["event_bookings"] == []
    bad = run(settings, "subject-access", "--email", ADA.email, "--dob", "1990-13-45", catch=True)
    assert bad.exit_code == 2
    # The request itself is audited, without the person.
    last = staff_store.recent_audit(make_engine(settings.database_url), 1)[0]
    assert last["action"] == "person.subject_access" and ADA.email not in last["detail"]


def test_erase_without_yes_refuses_and_says_what_it_would_do(
    seeded: tuple[Settings, dict[str, str], dict[str, str]],
) -> None:
    settings, _ada, _grace = seeded
    before = _every_value(settings)
    result = run(settings, "erase", "--email", ADA.email)
    assert result.exit_code == 1
    assert "--yes" in result.output and "referrals: 1" in result.output
    assert _every_value(settings) == before


def test_erase_leaves_no_trace_and_keeps_the_counts_and_the_other_person(
    seeded: tuple[Settings, dict[str, str], dict[str, str]],
) -> None:
    settings, ada, grace = seeded
    assert _traces(ADA, _every_value(settings))  # the check can see her before
    grace_before = _access(settings, GRACE)
    counts_before = _counts(settings)

    result = run(settings, "erase", "--email", ADA.email, "--phone", ADA.phone, "--yes")
    assert result.exit_code == 0, result.output

    left = _traces(ADA, _every_value(settings))
    assert left == [], left
    # The returns still count what happened (the PA listing itself is deleted).
    assert _counts(settings) == counts_before
    # Grace is untouched, record for record.
    grace_after = _access(settings, GRACE)
    for key in grace_before:
        if key not in ("generated_at", "audit_log"):
            assert grace_after[key] == grace_before[key], key
    # Bob's referral is still his; only Ada as its referrer is gone.
    bob = _access(settings, BOB)
    assert [r["ref"] for r in bob["referrals"]] == [ada["referred"]]
    assert bob["referrals"][0]["referrer_name"] == ""
    # Bob's PA listing stays; the message Ada wrote to it is gone.
    assert [(p["ref"], p["messages_received"]) for p in bob["pa_listings"]] == [
        (ada["wrote_to"], [])
    ]
    # Subject access now finds nothing of her.
    empty = _access(settings, ADA, "--phone", ADA.phone)
    assert not any(v for v in empty.values() if isinstance(v, list) and v != empty["audit_log"])
    # One audit entry with counts and no personal data.
    entries = staff_store.recent_audit(make_engine(settings.database_url), 20)
    erased = [e for e in entries if e["action"] == "person.erased"]
    assert len(erased) == 1
    detail = json.loads(erased[0]["detail"])
    assert detail["referrals"] == 1 and detail["event_bookings"] == 1
    assert detail["pa_listings"] == 1 and detail["complaints"] == 1
    assert grace["referral"] not in erased[0]["detail"]
