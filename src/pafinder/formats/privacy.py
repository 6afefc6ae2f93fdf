"""Data protection for format requests: subject access finds a person's requests by their email
or phone (free text decrypted), erasure deletes them (no return counts them), and `pafinder
purge` deletes a request 90 days after staff marked it done (store.RETAIN_DONE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from pafinder import crypto
from pafinder.formats import store
from pafinder.formats.store import format_requests
from pafinder.subject import Subject, plain


def _theirs(subject: Subject) -> Any:
    return subject.contact_is(format_requests.c.email, format_requests.c.phone)


def refs(conn: Connection, subject: Subject) -> list[str]:
    query = select(format_requests.c.ref).where(_theirs(subject))
    return [str(r) for r in conn.execute(query).scalars()]


def find(conn: Connection, subject: Subject) -> dict[str, Any]:
    rows = conn.execute(
        select(format_requests).where(_theirs(subject)).order_by(format_requests.c.id)
    )
    found = []
    for row in rows:
        record = {k: v for k, v in plain(row).items() if k != "form_key"}
        for name in store.ENCRYPTED:
            record[name] = crypto.decrypt(conn.engine, record[name])
        found.append(record)
    return {"format_requests": found}


def erase(conn: Connection, subject: Subject) -> dict[str, int]:
    done = conn.execute(delete(format_requests).where(_theirs(subject))).rowcount
    return {"format_requests": int(done)}


def purge(conn: Connection, now: datetime) -> int:
    return store.purge(conn, now)


def rotate(engine: Engine) -> dict[str, int]:
    """Re-encrypt the free text with the first key of PAFINDER_DATA_KEY (for `pafinder
    rotate-data-key`); a value already under the first key is left alone, so a second run
    rewrites nothing. Returns how many requests were rewritten."""
    done = 0
    with engine.begin() as conn:
        columns = [format_requests.c.id, *(format_requests.c[n] for n in store.ENCRYPTED)]
        for row in conn.execute(select(*columns)).all():
            values = {}
            for name in store.ENCRYPTED:
                new = crypto.rotated(engine, getattr(row, name))
                if new is not None:
                    values[name] = new
            if values:
                conn.execute(
                    format_requests.update().where(format_requests.c.id == row.id).values(**values)
                )
                done += 1
    return {"format_requests": done}
