"""Server-side sessions: the cookie holds only an opaque random value, the data lives in a table.

``request.session`` stays a dict (the forms keep draft ids in it), but a copied cookie stops
working the moment the session is revoked (sign-out, an account disabled) or expires, which a
signed cookie cannot do. The table keys each session by a SHA-256 hash of the cookie value, so
reading the table (a backup, a log of queries) never yields a cookie that works.

Kinds, and when each ends:

- ``anonymous``: a visitor's draft ids; 24 hours after the last request.
- ``staff``: a signed-in staff member; 30 minutes idle or 8 hours after sign-in (settings).
- ``pa``: a PA managing their listing from an email link; 1 hour after the link was opened.

A visitor whose session is empty gets no row and no cookie, so public pages stay cacheable and
set no cookie. ``start`` gives a new session id at sign-in and PA-manage open (the old id is
revoked, so an id planted before sign-in is worthless); ``end`` revokes at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    not_,
    or_,
    select,
    update,
)
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pafinder.db import metadata, utcnow

COOKIE = "pafinder_session"
ANONYMOUS, STAFF, PA = "anonymous", "staff", "pa"
ANONYMOUS_IDLE = timedelta(hours=24)
PA_MAX = timedelta(hours=1)
# last_seen_at is written at most this often, so a busy session is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)
MAX_COOKIE_LENGTH = 100  # ours are 43 characters; anything longer is not ours
CSRF_BIND = "csrf_bind"

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 hex of the cookie value
    Column("kind", String(20), nullable=False),
    Column(
        "staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=True, index=True
    ),
    Column("data", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False, index=True),
    Column("revoked_at", DateTime, nullable=True),
)


@dataclass(frozen=True)
class Limits:
    staff_idle: timedelta = timedelta(minutes=30)
    staff_max: timedelta = timedelta(hours=8)


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    staff_id: int | None
    data: str
    created_at: datetime
    last_seen_at: datetime


class Session(dict[str, Any]):
    """The dict routes see as ``request.session``, plus what the middleware must do with it."""

    def __init__(self, record: Record | None) -> None:
        super().__init__(json.loads(record.data) if record else {})
        self.record = record
        self.started: tuple[str, int | None] | None = None
        self.ended = False

    @property
    def kind(self) -> str:
        if self.started:
            return self.started[0]
        return self.record.kind if self.record and not self.ended else ANONYMOUS

    @property
    def staff_id(self) -> int | None:
        if self.started:
            return self.started[1]
        return self.record.staff_id if self.record and not self.ended else None


def start(request: Request, kind: str, staff_id: int | None = None, keep: bool = False) -> None:
    """A new session id from this response on, the old one revoked (no fixation). ``keep``
    carries the visitor's data (their draft ids) over; otherwise the session starts empty.
    ``csrf_bind`` is a fresh value the CSRF tokens are tied to, so they change too."""
    session = request.session
    if not keep:
        session.clear()
    session[CSRF_BIND] = secrets.token_urlsafe(16)
    if isinstance(session, Session):
        session.started, session.ended = (kind, staff_id), False


def end(request: Request) -> None:
    """Revoke the session now: the cookie stops working even if someone copied it."""
    session = request.session
    session.clear()
    if isinstance(session, Session):
        session.started, session.ended = None, True


def kind(request: Request) -> str:
    session = request.session
    return session.kind if isinstance(session, Session) else ANONYMOUS


def staff_id(request: Request) -> int | None:
    session = request.session
    return session.staff_id if isinstance(session, Session) else None


def revoke_staff(conn: Connection, member_id: int) -> int:
    """End every session of a staff account, inside the caller's transaction."""
    result = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.staff_id == member_id, web_sessions.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)


def _expired_clause(limits: Limits, now: datetime) -> Any:
    c = web_sessions.c
    return or_(
        c.revoked_at.is_not(None),
        and_(c.kind == ANONYMOUS, c.last_seen_at < now - ANONYMOUS_IDLE),
        and_(
            c.kind == STAFF,
            or_(c.last_seen_at < now - limits.staff_idle, c.created_at < now - limits.staff_max),
        ),
        and_(c.kind == PA, c.created_at < now - PA_MAX),
        c.kind.not_in((ANONYMOUS, STAFF, PA)),
    )


def purge(engine: Engine, limits: Limits, now: datetime | None = None) -> int:
    """Delete revoked and expired sessions (run daily by ``pafinder purge-drafts``)."""
    with engine.begin() as conn:
        result = conn.execute(delete(web_sessions).where(_expired_clause(limits, now or utcnow())))
    return int(result.rowcount)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def load(engine: Engine, value: str | None, limits: Limits) -> Record | None:
    """The live session for a cookie value, or None (unknown, revoked, expired, not ours)."""
    if not value or len(value) > MAX_COOKIE_LENGTH:
        return None
    with engine.connect() as conn:
        # One rule for what has ended, in SQL, shared with purge().
        live = not_(_expired_clause(limits, utcnow()))
        row = conn.execute(
            select(web_sessions).where(web_sessions.c.id == _hash(value), live)
        ).first()
    if row is None:
        return None
    return Record(row.id, row.kind, row.staff_id, row.data, row.created_at, row.last_seen_at)


def _insert(conn: Connection, kind: str, member_id: int | None, data: str, now: datetime) -> str:
    value = secrets.token_urlsafe(32)
    conn.execute(
        web_sessions.insert().values(
            id=_hash(value),
            kind=kind,
            staff_id=member_id,
            data=data,
            created_at=now,
            last_seen_at=now,
        )
    )
    return value


def save(engine: Engine, session: Session, cookie_sent: bool) -> str | None:
    """Write what the request did to its session; the value for a new cookie, "" to delete
    the cookie, or None to leave it as it is."""
    now = utcnow()
    record = session.record
    data = json.dumps(dict(session), sort_keys=True)
    if session.started or session.ended:
        value = ""
        with engine.begin() as conn:
            if record:
                conn.execute(
                    update(web_sessions)
                    .where(web_sessions.c.id == record.id)
                    .values(revoked_at=now)
                )
            if session.started:
                value = _insert(conn, *session.started, data, now)
            elif len(session):  # data put in after end(): an anonymous session of its own
                value = _insert(conn, ANONYMOUS, None, data, now)
        return value
    if record is None:
        if len(session):
            with engine.begin() as conn:
                return _insert(conn, ANONYMOUS, None, data, now)
        return "" if cookie_sent else None
    if not len(session) and record.kind == ANONYMOUS:
        with engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == record.id))
        return ""
    if data != record.data or now - record.last_seen_at >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.id == record.id)
                .values(data=data, last_seen_at=now)
            )
    return None


class SessionMiddleware:
    """Puts a ``Session`` in ``scope["session"]`` and saves it when the response starts."""

    def __init__(self, app: ASGIApp, limits: Limits, secure: bool) -> None:
        self.app = app
        self.limits = limits
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        engine: Engine = scope["app"].state.engine
        value = HTTPConnection(scope).cookies.get(COOKIE)
        record = await run_in_threadpool(load, engine, value, self.limits) if value else None
        session = Session(record)
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                new = await run_in_threadpool(save, engine, session, value is not None)
                if new is not None:
                    MutableHeaders(scope=message).append("set-cookie", self._cookie(new))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, value: str) -> str:
        # No Max-Age: a browser-session cookie, gone when the browser closes; the server ends
        # the session itself whatever the browser keeps.
        parts = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=lax"]
        if not value:
            parts.insert(1, "Max-Age=0")
            parts.insert(2, "Expires=Thu, 01 Jan 1970 00:00:00 GMT")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)
