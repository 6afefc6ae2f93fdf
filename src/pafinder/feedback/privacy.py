"""Data protection for feedback (issue 12). Feedback is anonymous: no name, email, session or
reference is stored with it, so nothing links a response to a person. The only way a person can
be in it is by writing their own email or phone into the comment, so subject access shows, and
erasure blanks, the comments that contain them. Retention: responses older than
PAFINDER_RETAIN_FEEDBACK_DAYS are deleted (their answers with them)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, delete, false, or_, select, update

from pafinder.feedback.store import feedback_answers, feedback_responses
from pafinder.subject import Subject, plain

NOTE = (
    "Feedback is anonymous: nothing links a response to a person. Only comments that contain "
    "this email address or phone number are listed."
)


def _mentions(subject: Subject) -> Any:
    comment = feedback_responses.c.comment
    needles = [n for n in (subject.email.strip(), subject.phone.strip()) if n]
    if not needles:
        return false()
    return or_(*[comment.contains(n, autoescape=True) for n in needles])


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    rows = conn.execute(select(feedback_responses).where(_mentions(subject)))
    return {"feedback_responses": [plain(r) for r in rows], "feedback_note": NOTE}


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    done = conn.execute(
        update(feedback_responses).where(_mentions(subject)).values(comment="")
    ).rowcount
    return {"feedback_comments": int(done)}


def purge(conn: Connection, days: int, today: date) -> int:
    cutoff = today - timedelta(days=days)
    old = select(feedback_responses.c.id).where(feedback_responses.c.given_on < cutoff)
    ids = list(conn.execute(old).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(delete(feedback_answers).where(feedback_answers.c.response_id.in_(chunk)))
        conn.execute(delete(feedback_responses).where(feedback_responses.c.id.in_(chunk)))
    return len(ids)
