"""Data protection for complaints and compliments (issue 12): subject access and erasure.

Erasure anonymises: the returns count complaints and compliments by service and date, so the row
keeps its kind, service, dates, status, theme and outcome code and loses the name, contact
details, what the person wrote and what staff wrote back (which may quote them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pafinder.complaints.store import complaints
from pafinder.subject import Subject, plain


def _theirs(subject: Subject) -> Any:
    return subject.contact_is(complaints.c.email, complaints.c.phone)


def refs(conn: Connection, subject: Subject) -> list[str]:
    return [
        str(r) for r in conn.execute(select(complaints.c.ref).where(_theirs(subject))).scalars()
    ]


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    rows = conn.execute(select(complaints).where(_theirs(subject)).order_by(complaints.c.id))
    return {"complaints": [{k: v for k, v in plain(r).items() if k != "form_key"} for r in rows]}


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    done = conn.execute(
        update(complaints)
        .where(_theirs(subject))
        .values(name="", email="", phone="", details="(erased)", action_taken="")
    ).rowcount
    return {"complaints": int(done)}
