"""One sign-in attempt: the same answer, and the same work, for every way it can fail.

An unknown email, a disabled account, a wrong password and a throttled account or address all
end in one argon2 verification and one "not right" answer, so nobody can tell which addresses
have accounts. Throttling (see pafinder.staff.store) replaces the old lock that let anyone
lock any staff member out; the real person is emailed when their account's sign-in is paused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from pafinder import mail, outbox
from pafinder.db import utcnow
from pafinder.settings import Settings
from pafinder.staff import store
from pafinder.staff.auth import verify_password


@dataclass(frozen=True)
class Outcome:
    member: store.StaffMember | None  # None: the attempt failed, whatever the reason
    emails: list[int] = field(default_factory=list)  # outbox ids to deliver after answering


def account_key(email: str) -> str:
    return "account:" + hashlib.sha256(store.normalise_email(email).encode()).hexdigest()


def address_key(address: str) -> str:
    return "address:" + address[:90]


def attempt(engine: Engine, settings: Settings, email: str, password: str, address: str) -> Outcome:
    now = utcnow()
    keys = [account_key(email), address_key(address)]
    member = store.get_by_email(engine, email)
    with engine.connect() as conn:
        throttled = store.blocked(conn, keys, now)
    if throttled:
        verify_password(None, password)  # the same work as any other answer
        return Outcome(None)
    usable = member if member is not None and not member.disabled else None
    ok, new_hash = verify_password(usable.password_hash if usable else None, password)
    if usable is not None and ok:
        store.record_success(engine, usable, new_hash, keys[0])
        return Outcome(usable)
    try:
        return _failed(engine, settings, member, keys)
    except IntegrityError:  # a simultaneous first failure made the throttle row: count again
        return _failed(engine, settings, member, keys)


def _failed(
    engine: Engine,
    settings: Settings,
    member: store.StaffMember | None,
    keys: list[str],
) -> Outcome:
    emails: list[int] = []
    with engine.begin() as conn:
        at = utcnow()
        pause = store.note_failure(conn, keys[0], store.ACCOUNT_FAILURES, at)
        store.note_failure(conn, keys[1], store.ADDRESS_FAILURES, at)
        if member is not None:
            action = "staff.sign_in_throttled" if pause else "staff.sign_in_failed"
            store.record(conn, "anonymous", action, "staff", str(member.id))
            if pause and not member.disabled:
                message = _paused_email(settings, member.email, int(pause.total_seconds() // 60))
                emails.append(outbox.queue(conn, message, "staff sign-in paused"))
    return Outcome(None, emails)


def _paused_email(settings: Settings, to: str, minutes: int) -> EmailMessage:
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    body = f"""Someone entered the wrong password for your staff account on Personal Assistant Finder {store.ACCOUNT_FAILURES} times.

To keep your account safe, nobody can sign in to it for {wait}, even with the right password.

If this was you, wait {wait}, then sign in again.

If this was not you, nobody has signed in: your password was not accepted. You do not need to do anything, but tell your administrator so they can check.

If you cannot wait, ask an administrator to unlock your account: they can do it from the staff accounts page ({settings.base_url}/staff/accounts), or with the command: pafinder staff unlock {to}

Sign in at {settings.base_url}/staff/sign-in
"""  # noqa: E501 (an email body: one line per paragraph)
    return mail.build_message(settings, to, "Someone tried to sign in to your staff account", body)
