"""'Other' languages and qualifications: what a PA types when the list lacks theirs (issue 11,
point 6).

Free text is never a slug. It lives in its own table (tables.pa_other_answers), which nothing that
builds the public view, the search index, the facets, the /api/pas JSON or the import reads. The
profile shows an answer only once staff have approved it; whenever the PA changes the text it is
'pending' again. All SQL for the table is here; lifecycle_store calls it inside its own
transactions (registration, edits, erasure), so a listing and its answers change together.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, select

from pafinder.db import utcnow
from pafinder.register.tables import pa_other_answers as table
from pafinder.register.tables import pas
from pafinder.staff import store as staff_store

Kind = Literal["language", "qualification"]
KINDS: tuple[Kind, ...] = ("language", "qualification")
# The listing (and clean answer) key holding each kind's text, or None when Other is not ticked.
FIELDS: dict[Kind, str] = {"language": "other_language", "qualification": "other_qualification"}
# The form field of the text box on each question page, and the checkbox list it belongs to.
FORM_FIELDS: dict[Kind, str] = {
    "language": "languages_other",
    "qualification": "qualifications_other",
}
CHECKBOXES: dict[Kind, str] = {"language": "languages", "qualification": "qualifications"}
OTHER = "other"  # the checkbox value of "Other" (a taxonomy may not use it as a slug)
MAX_OTHER = 100
STATES = ("pending", "approved", "rejected")
# Plain labels: for the PA (check answers, manage) and for staff (the record page).
KIND_LABELS: dict[Kind, str] = {
    "language": "Other language",
    "qualification": "Other qualification or training",
}
STATE_LABELS = {
    "pending": "Waiting for our team to check it: not on the profile yet",
    "approved": "Checked by our team: shown on the profile",
    "rejected": "Not approved by our team: not shown on the profile",
}
NEW_STATE_LABEL = "Our team checks this before it shows on your profile"
DECISIONS = {"approve": "approved", "reject": "rejected"}
ACTIONS = {"approved": "pa.other_approved", "rejected": "pa.other_rejected"}

# Letters, marks and numbers of any script, spaces and the punctuation names of languages and
# courses use ("Level 2 Certificate in Health & Social Care (QCF)", "Amharic, Oromo"). Rejects
# markup, emoji and control characters with a plain message rather than storing them.
_PUNCTUATION = set(" '\u2019-.,()&/+:")


def clean_text(value: str, what: str) -> str:
    """The text as stored (NFC, one line, single spaces), or ValueError with the message."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        if what == KIND_LABELS["language"]:
            raise ValueError("Enter the other language you speak or sign")
        raise ValueError("Enter the name of your other qualification or training")
    if len(text) > MAX_OTHER:
        raise ValueError(f"{what} must be {MAX_OTHER} characters or fewer")
    allowed = all(ch in _PUNCTUATION or unicodedata.category(ch)[0] in "LMN" for ch in text)
    if not allowed or not any(ch.isalpha() for ch in text):
        raise ValueError(
            f"{what} must only include letters, numbers, spaces and simple punctuation, "
            "like - ' , . ( ) & /"
        )
    return text


def parse(raw: Mapping[str, Any], kind: Kind, ticked: bool) -> tuple[str | None, str | None]:
    """(text, None), (None, None) when Other is not ticked, or (None, message)."""
    if not ticked:
        return None, None  # text left in a box whose checkbox is unticked is not an answer
    value = raw.get(FORM_FIELDS[kind], "")
    try:
        return clean_text(value if isinstance(value, str) else "", KIND_LABELS[kind]), None
    except ValueError as exc:
        return None, str(exc)


def fingerprint(text: str) -> str:
    """Short, stable id of one version of the text: staff approve the words they saw."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- Reading ------------------------------------------------------------------------------


def for_listing(conn: Connection, pa_id: int) -> dict[str, Any]:
    """The listing keys: other_language / other_qualification (text or None) and other_answers
    ({kind: {text, state, updated_at, reviewed_at}}) for the PA's and staff's pages."""
    found: dict[str, Any] = {field: None for field in FIELDS.values()}
    answers: dict[str, dict[str, Any]] = {}
    for row in conn.execute(select(table).where(table.c.pa_id == pa_id)):
        if row.kind not in FIELDS:
            continue
        found[FIELDS[row.kind]] = row.text
        answers[row.kind] = {
            "text": row.text,
            "state": row.state,
            "updated_at": row.updated_at,
            "reviewed_at": row.reviewed_at,
        }
    found["other_answers"] = answers
    return found


def approved(conn: Connection, pa_id: int) -> dict[str, str]:
    """{kind: text} of the answers staff approved: all the public profile may show."""
    rows = conn.execute(
        select(table.c.kind, table.c.text).where(
            table.c.pa_id == pa_id, table.c.state == "approved"
        )
    )
    return {str(r.kind): str(r.text) for r in rows}


def waiting(engine: Engine) -> list[dict[str, Any]]:
    """Answers waiting for staff, oldest change first, with the listing's reference: on the
    queue page, as a published listing's new answer is not in the listings queue."""
    query = (
        select(table.c.kind, table.c.updated_at, pas.c.ref, pas.c.first_name, pas.c.status)
        .join(pas, pas.c.id == table.c.pa_id)
        .where(table.c.state == "pending", pas.c.status != "unverified")
        .order_by(table.c.updated_at, pas.c.ref)
    )
    with engine.connect() as conn:
        return [
            {**dict(r._mapping), "label": KIND_LABELS.get(r.kind, r.kind)}
            for r in conn.execute(query)
        ]


# --- Writing (inside the caller's transaction) --------------------------------------------


def save(conn: Connection, pa_id: int, answers: Mapping[str, Any], now: datetime) -> list[str]:
    """Store the listing's answers ({other_language: text or None, ...}, only the keys given).
    New or changed text is 'pending' until staff look again; None deletes the answer. Returns the
    listing keys that changed (for the audit row's field names: never the text)."""
    changed: list[str] = []
    for kind, field in FIELDS.items():
        if field not in answers:
            continue
        text = answers[field]
        where = (table.c.pa_id == pa_id, table.c.kind == kind)
        old = conn.execute(select(table.c.text).where(*where)).scalar_one_or_none()
        if text == old:
            continue
        changed.append(field)
        if text is None:
            conn.execute(delete(table).where(*where))
            continue
        values = {"text": text, "state": "pending", "updated_at": now}
        values.update(reviewed_at=None, reviewed_by=None)
        if old is None:
            conn.execute(table.insert().values(pa_id=pa_id, kind=kind, **values))
        else:
            conn.execute(table.update().where(*where).values(**values))
    return changed


def seed(conn: Connection, ref: str, kind: Kind, text: str, state: str, now: datetime) -> None:
    """A demo answer in a given state (`pafinder seed --demo`), so the profile and the staff
    review show one without anyone registering."""
    pa_id = conn.execute(select(pas.c.id).where(pas.c.ref == ref)).scalar_one()
    save(conn, pa_id, {FIELDS[kind]: text}, now)
    reviewed = now if state != "pending" else None
    conn.execute(
        table.update()
        .where(table.c.pa_id == pa_id, table.c.kind == kind)
        .values(state=state, reviewed_at=reviewed)
    )


def erase(conn: Connection, pa_id: int) -> int:
    """With the listing (the foreign key cascades too; this does not rely on it)."""
    return int(conn.execute(delete(table).where(table.c.pa_id == pa_id)).rowcount)


class Changed(Exception):
    """The PA changed or removed the answer after the staff member's page was loaded."""


def review(engine: Engine, ref: str, kind: Kind, decision: str, staff_id: int, seen: str) -> bool:
    """Approve or reject the version of the text staff saw (``seen``, its fingerprint), with an
    audit row in the same transaction. False when it already had that state (a double submit)."""
    state = DECISIONS[decision]
    with engine.begin() as conn:
        pa_id = conn.execute(select(pas.c.id).where(pas.c.ref == ref)).scalar_one_or_none()
        where = (table.c.pa_id == pa_id, table.c.kind == kind)
        row = conn.execute(select(table.c.text, table.c.state).where(*where)).first()
        if pa_id is None or row is None or fingerprint(row.text) != seen:
            raise Changed(kind)
        if row.state == state:
            return False
        # The text in the WHERE too: a change the PA commits meanwhile makes this update nothing.
        done = conn.execute(
            table.update()
            .where(*where, table.c.text == row.text)
            .values(state=state, reviewed_at=utcnow(), reviewed_by=staff_id)
        ).rowcount
        if not done:
            raise Changed(kind)
        staff_store.record(conn, f"staff:{staff_id}", ACTIONS[state], "pa", ref, {"kind": kind})
    return True


def split(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the pas columns, the other answers) of a listing's clean values."""
    others = {k: v for k, v in values.items() if k in FIELDS.values()}
    return {k: v for k, v in values.items() if k not in others}, others


def reserved_clash(labels: Mapping[str, str]) -> bool:
    """A taxonomy that uses 'other' as a slug keeps its own term and gets no typed Other."""
    return OTHER in labels
