"""All SQL for staff accounts, sign-in throttling and the audit log (other features append via
``record``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, String, Table, Text, select

from pafinder.db import metadata, utcnow
from pafinder.web import sessions

ROLES = ("admin", "staff")
# Throttling instead of a lock: after ACCOUNT_FAILURES wrong passwords for one email address (or
# ADDRESS_FAILURES from one client address) within WINDOW, attempts are refused unchecked for 1,
# 2, 4 ... minutes, at most MAX_BLOCK. The pauses grow, so guessing stays slow, but an attacker
# can only ever keep the real person out for a while, never lock them out.
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 10
WINDOW = timedelta(minutes=15)
MAX_BLOCK = timedelta(hours=1)
# Pauses start again from one minute once there has been no pause for a day.
BLOCKS_FORGOTTEN_AFTER = timedelta(days=1)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_sign_in_at", DateTime, nullable=True),
    Column("disabled_at", DateTime, nullable=True),
)

# Keys are "account:" + a hash of the email typed (the same for addresses with no account, so
# throttling never tells the two apart) or "address:" + the client address.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime, nullable=False, index=True),
    Column("blocks", Integer, nullable=False, server_default="0"),
    Column("blocked_until", DateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject_type", String(50), nullable=False),
    Column("subject_id", String(100), nullable=False),
    Column("detail", Text, nullable=False, server_default="{}"),
)


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    role: str
    password_hash: str
    disabled_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def _member(row: Any) -> StaffMember:
    return StaffMember(
        id=row.id,
        email=row.email,
        role=row.role,
        password_hash=row.password_hash,
        disabled_at=row.disabled_at,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def add_staff(engine: Engine, email: str, password_hash: str, role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with engine.begin() as conn:
        result = conn.execute(
            staff.insert().values(
                email=normalise_email(email),
                password_hash=password_hash,
                role=role,
                created_at=utcnow(),
            )
        )
        staff_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        record(conn, "system", "staff.created", "staff", str(staff_id), {"role": role})
    return staff_id


def get_by_email(engine: Engine, email: str) -> StaffMember | None:
    with engine.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.email == normalise_email(email))).first()
    return _member(row) if row else None


def get_by_id(engine: Engine, staff_id: int) -> StaffMember | None:
    with engine.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.id == staff_id)).first()
    return _member(row) if row else None


def disable(engine: Engine, email: str) -> bool:
    """Disable an account and end its sessions at once; False when there is no such account."""
    with engine.begin() as conn:
        found = select(staff.c.id).where(staff.c.email == normalise_email(email))
        row = conn.execute(found).first()
        if row is None:
            return False
        conn.execute(staff.update().where(staff.c.id == row.id).values(disabled_at=utcnow()))
        sessions.revoke_staff(conn, row.id)
        record(conn, "system", "staff.disabled", "staff", str(row.id))
    return True


def blocked(conn: Connection, keys: list[str], now: datetime) -> bool:
    rows = conn.execute(
        select(sign_in_throttle.c.blocked_until).where(sign_in_throttle.c.key.in_(keys))
    )
    return any(until is not None and until > now for until in rows.scalars())


def block_length(blocks: int) -> timedelta:
    """1, 2, 4 ... minutes for the first, second, third ... pause, at most MAX_BLOCK."""
    return min(timedelta(minutes=2 ** min(blocks - 1, 10)), MAX_BLOCK)


def note_failure(conn: Connection, key: str, limit: int, now: datetime) -> timedelta | None:
    """Count a failure for ``key``; the length of the pause when this failure starts one."""
    row = conn.execute(
        select(sign_in_throttle).where(sign_in_throttle.c.key == key).with_for_update()
    ).first()
    if row is None:
        conn.execute(
            sign_in_throttle.insert().values(key=key, failures=1, window_started_at=now, blocks=0)
        )
        row_failures, blocks, window_started = 1, 0, now
    else:
        blocks = row.blocks
        if row.blocked_until is not None and row.blocked_until < now - BLOCKS_FORGOTTEN_AFTER:
            blocks = 0
        fresh = row.window_started_at < now - WINDOW
        row_failures = 1 if fresh else row.failures + 1
        window_started = now if fresh else row.window_started_at
    values: dict[str, Any] = {"failures": row_failures, "window_started_at": window_started}
    pause = None
    if row_failures >= limit:
        blocks += 1
        pause = block_length(blocks)
        values = {"failures": 0, "window_started_at": now, "blocked_until": now + pause}
    values["blocks"] = blocks
    conn.execute(sign_in_throttle.update().where(sign_in_throttle.c.key == key).values(**values))
    return pause


def purge_throttle(engine: Engine, now: datetime | None = None) -> int:
    """Forget throttling nobody has touched for a day (run daily with the other purges)."""
    cutoff = (now or utcnow()) - BLOCKS_FORGOTTEN_AFTER - MAX_BLOCK
    with engine.begin() as conn:
        result = conn.execute(
            sign_in_throttle.delete().where(
                sign_in_throttle.c.window_started_at < cutoff,
                (sign_in_throttle.c.blocked_until.is_(None))
                | (sign_in_throttle.c.blocked_until < cutoff),
            )
        )
    return int(result.rowcount)


def record_success(
    engine: Engine, member: StaffMember, new_hash: str | None, account_key: str
) -> None:
    """A right password resets the account's throttling (not the address's: one person's own
    account must not clear the way to guess at everyone else's)."""
    values: dict[str, Any] = {"last_sign_in_at": utcnow()}
    if new_hash:
        values["password_hash"] = new_hash
    with engine.begin() as conn:
        conn.execute(staff.update().where(staff.c.id == member.id).values(**values))
        conn.execute(sign_in_throttle.delete().where(sign_in_throttle.c.key == account_key))
        record(conn, f"staff:{member.id}", "staff.signed_in", "staff", str(member.id))


def record(
    conn: Connection,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the audit log inside the caller's transaction. Never put personal data in
    ``detail``: the log outlives erasure of the records it describes."""
    conn.execute(
        audit_log.insert().values(
            at=utcnow(),
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=json.dumps(detail or {}, sort_keys=True),
        )
    )


def recent_audit(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
