"""Data protection for referrals: subject access, erasure, retention and key rotation (issue 12).

Erasure anonymises rather than deletes. The quarterly returns count referrals received, their
routes, first contact against the respond-by date, refusals and the waiting list from the
referral row and its timeline (referral_changes); deleting the row would change returns already
sent to the council. So the row keeps its service, dates, route, status, codes and the postcode
district (for the outside-area count), and loses every name, contact detail, date of birth,
address and free text; its timeline keeps its codes and loses its notes; its checks keep their
dates and lose their notes. Someone who only referred another person loses the referrer
details only: the referral is about the other person, whose record stays.

Equality answers live in referral_equality with no reference, time or person: nothing links
them to anyone, so no request can find or erase them (by design, not a gap).
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update

from pafinder import crypto
from pafinder.referrals.casework import referral_changes
from pafinder.referrals.checks import referral_checks
from pafinder.referrals.store import ENCRYPTED, referrals
from pafinder.referrals.validation import postcode_district
from pafinder.subject import Subject, plain

# Every name, contact detail and free-text column of the person a referral is about.
PERSON_BLANKS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "email": "",
    "phone": "",
    "address": "",
    "reason": "",
    "consent_override_reason": "",
    "answers": "",
    "signposted_to": "",
    # A date is required: the first of January 1900 stands for "erased".
    "date_of_birth": date(1900, 1, 1),
}
REFERRER_BLANKS: dict[str, Any] = {
    "referrer_name": "",
    "referrer_role": "",
    "referrer_organisation": "",
    "referrer_email": "",
    "referrer_phone": "",
    "referrer_relationship": "",
}
CLOSED = ("closed", "refused", "signposted")
EQUALITY_NOTE = (
    "Equality monitoring answers are kept apart from referrals with no reference, time or "
    "name, so they cannot be linked to anyone: none can be found for this person, by design."
)


def district(postcode: str) -> str:
    """The outward code ("DE1" of "DE1 3AB"): enough for the outside-area count, and shared by
    thousands of addresses."""
    return postcode_district(postcode) if postcode else ""


def _as_person(subject: Subject) -> Any:
    tests = [subject.contact_is(referrals.c.email, referrals.c.phone)]
    if subject.named():
        tests.append(
            and_(
                func.lower(referrals.c.first_name) == subject.first_name.strip().lower(),
                func.lower(referrals.c.last_name) == subject.last_name.strip().lower(),
                referrals.c.date_of_birth == subject.date_of_birth,
            )
        )
    return or_(*tests)


def _as_referrer(subject: Subject) -> Any:
    return subject.contact_is(referrals.c.referrer_email, referrals.c.referrer_phone)


def _decrypted(engine: Engine, row: Any) -> dict[str, Any]:
    data = plain(row)
    data.pop("form_key", None)
    for key in ENCRYPTED:
        data[key] = crypto.decrypt(engine, data[key])
    data["answers"] = json.loads(data["answers"] or "{}")
    data["flags"] = json.loads(data["flags"] or "[]")
    return data


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    """The person's referrals (decrypted, with their timeline and checks), and the referrals
    they made for someone else (the referrer details only: the rest is the other person's)."""
    engine = conn.engine
    own = list(conn.execute(select(referrals).where(_as_person(subject)).order_by(referrals.c.id)))
    as_person = []
    for row in own:
        record = _decrypted(engine, row)
        changes = conn.execute(
            select(referral_changes)
            .where(referral_changes.c.referral_id == row.id)
            .order_by(referral_changes.c.id)
        )
        record["timeline"] = [{**plain(c), "note": crypto.decrypt(engine, c.note)} for c in changes]
        checks = conn.execute(
            select(referral_checks)
            .where(referral_checks.c.referral_id == row.id)
            .order_by(referral_checks.c.id)
        )
        record["checks"] = [
            {
                **plain(c),
                "note": crypto.decrypt(engine, c.note),
                "reschedule_reason": crypto.decrypt(engine, c.reschedule_reason),
            }
            for c in checks
        ]
        as_person.append(record)
    ids = {row.id for row in own}
    made = conn.execute(
        select(referrals.c.id, referrals.c.ref, referrals.c.service, referrals.c.received_at)
        .add_columns(*[referrals.c[k] for k in REFERRER_BLANKS])
        .where(_as_referrer(subject))
        .order_by(referrals.c.id)
    )
    as_referrer = [plain(r) for r in made if r.id not in ids]
    return {
        "referrals": as_person,
        "referrals_made_for_others": as_referrer,
        "referral_equality": EQUALITY_NOTE,
    }


def refs(conn: Connection, subject: Subject) -> list[str]:
    """References of every referral the person is in (for the audit rows that name them)."""
    query = select(referrals.c.ref).where(or_(_as_person(subject), _as_referrer(subject)))
    return [str(r) for r in conn.execute(query).scalars()]


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    rows = list(
        conn.execute(select(referrals.c.id, referrals.c.postcode).where(_as_person(subject)))
    )
    counts = {"referrals": len(rows), "referral_changes": 0, "referral_checks": 0}
    for referral_id, postcode in rows:
        conn.execute(
            update(referrals)
            .where(referrals.c.id == referral_id)
            .values(
                **PERSON_BLANKS,
                **REFERRER_BLANKS,
                # The form key was made from the session: replace it, it must stay unique.
                form_key=secrets.token_hex(16),
                postcode=district(postcode),
            )
        )
        counts["referral_changes"] += conn.execute(
            update(referral_changes)
            .where(referral_changes.c.referral_id == referral_id)
            .values(note="", signposted_to="")
        ).rowcount
        counts["referral_checks"] += conn.execute(
            update(referral_checks)
            .where(referral_checks.c.referral_id == referral_id)
            .values(note="", reschedule_reason="")
        ).rowcount
    referrer = conn.execute(
        update(referrals).where(_as_referrer(subject)).values(**REFERRER_BLANKS)
    ).rowcount
    counts["referrals_as_referrer"] = referrer
    return counts


def purge(conn: Connection, days: int, now: datetime) -> int:
    """Delete closed, refused and signposted referrals whose last change is over ``days`` old
    (their timeline and checks go with them, ON DELETE CASCADE)."""
    cutoff = now - timedelta(days=days)
    last_change = (
        select(func.max(referral_changes.c.at))
        .where(referral_changes.c.referral_id == referrals.c.id)
        .scalar_subquery()
    )
    old = select(referrals.c.id).where(
        referrals.c.status.in_(CLOSED),
        func.coalesce(last_change, referrals.c.received_at) < cutoff,
    )
    ids = list(conn.execute(old).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(delete(referral_changes).where(referral_changes.c.referral_id.in_(chunk)))
        conn.execute(delete(referral_checks).where(referral_checks.c.referral_id.in_(chunk)))
        conn.execute(delete(referrals).where(referrals.c.id.in_(chunk)))
    return len(ids)


# (table, its key column, the encrypted columns) for rotate-data-key.
ROTATED = (
    (referrals, referrals.c.id, ENCRYPTED),
    (referral_changes, referral_changes.c.id, ("note",)),
    (referral_checks, referral_checks.c.id, ("note", "reschedule_reason")),
)


def rotate(engine: Engine, batch: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value with the first key (plaintext from before encryption
    included), ``batch`` rows per transaction, so a large table never holds a long lock and an
    interrupted run just starts again. Values already under the first key are left alone, so a
    second run rewrites nothing. Returns rows rewritten per table."""
    done: dict[str, int] = {}
    for table, key, columns in ROTATED:
        done[table.name] = 0
        after = 0
        while True:
            with engine.begin() as conn:
                rows = list(
                    conn.execute(
                        select(key, *[table.c[c] for c in columns])
                        .where(key > after)
                        .order_by(key)
                        .limit(batch)
                    )
                )
                for row in rows:
                    values = {
                        c: new
                        for c in columns
                        if (new := crypto.rotated(engine, getattr(row, c))) is not None
                    }
                    if values:
                        conn.execute(update(table).where(key == row[0]).values(**values))
                        done[table.name] += 1
            if len(rows) < batch:
                break
            after = rows[-1][0]
    return done
