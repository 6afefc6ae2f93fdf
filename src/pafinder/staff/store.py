"""All SQL for staff accounts, sign-in throttling and the audit log (other features append via
``record``)."""

from __future__ import annotations

import json
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
    func,
    select,
)

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

# The services a staff account works on; an account with none works on every service.
staff_services = Table(
    "staff_services",
    metadata,
    Column("staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("service", String(100), primary_key=True),
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
    # Empty: every service (as for every admin).
    services: frozenset[str] = frozenset()
    last_sign_in_at: datetime | None = None  # naive UTC, as every stored time

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def visible_services(self) -> frozenset[str] | None:
        """The services whose records this member may see; None for all of them."""
        return None if self.is_admin or not self.services else self.services

    def may_see(self, service: str) -> bool:
        allowed = self.visible_services
        return allowed is None or service in allowed

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def _member(conn: Connection, row: Any) -> StaffMember:
    services = conn.execute(
        select(staff_services.c.service).where(staff_services.c.staff_id == row.id)
    ).scalars()
    return StaffMember(
        id=row.id,
        email=row.email,
        role=row.role,
        password_hash=row.password_hash,
        disabled_at=row.disabled_at,
        services=frozenset(services),
        last_sign_in_at=row.last_sign_in_at,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def add_staff(
    engine: Engine,
    email: str,
    password_hash: str,
    role: str,
    services: frozenset[str] | set[str] | tuple[str, ...] = (),
    actor: str = "system",
) -> int:
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
        _write_services(conn, staff_id, services)
        detail = {"role": role, "services": sorted(services)}
        record(conn, actor, "staff.created", "staff", str(staff_id), detail)
    return staff_id


def _write_services(conn: Connection, staff_id: int, services: Any) -> None:
    conn.execute(staff_services.delete().where(staff_services.c.staff_id == staff_id))
    for service in sorted(set(services)):
        conn.execute(staff_services.insert().values(staff_id=staff_id, service=service))


def set_services(
    engine: Engine, staff_id: int, services: frozenset[str] | set[str], actor: str = "system"
) -> None:
    """Replace the services an account works on (empty: every service)."""
    with engine.begin() as conn:
        _write_services(conn, staff_id, services)
        detail = {"services": sorted(services)}
        record(conn, actor, "staff.services_set", "staff", str(staff_id), detail)


def get_by_email(engine: Engine, email: str) -> StaffMember | None:
    with engine.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.email == normalise_email(email))).first()
        return _member(conn, row) if row else None


def get_by_id(engine: Engine, staff_id: int) -> StaffMember | None:
    with engine.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.id == staff_id)).first()
        return _member(conn, row) if row else None


def disable(engine: Engine, email: str, actor: str = "system") -> bool:
    """Disable an account and end its sessions at once; False when there is no such account."""
    with engine.begin() as conn:
        found = select(staff.c.id).where(staff.c.email == normalise_email(email))
        row = conn.execute(found).first()
        if row is None:
            return False
        conn.execute(staff.update().where(staff.c.id == row.id).values(disabled_at=utcnow()))
        sessions.revoke_staff(conn, row.id)
        record(conn, actor, "staff.disabled", "staff", str(row.id))
    return True


def list_staff(engine: Engine) -> list[StaffMember]:
    """Every account, by email (for `pafinder staff list` and /staff/accounts)."""
    with engine.connect() as conn:
        rows = conn.execute(select(staff).order_by(staff.c.email)).all()
        return [_member(conn, row) for row in rows]


def is_throttled(engine: Engine, account_key: str, now: datetime | None = None) -> bool:
    with engine.connect() as conn:
        return blocked(conn, [account_key], now or utcnow())


def unlock(engine: Engine, staff_id: int, account_key: str, actor: str = "system") -> None:
    """Lift an account's sign-in pause and forget its failures (the address's are kept: they
    are about whoever was guessing, not about this person)."""
    with engine.begin() as conn:
        conn.execute(sign_in_throttle.delete().where(sign_in_throttle.c.key == account_key))
        record(conn, actor, "staff.unlocked", "staff", str(staff_id))


def enable(engine: Engine, staff_id: int, actor: str = "system") -> None:
    with engine.begin() as conn:
        conn.execute(staff.update().where(staff.c.id == staff_id).values(disabled_at=None))
        record(conn, actor, "staff.enabled", "staff", str(staff_id))


def reset_password(
    engine: Engine, staff_id: int, password_hash: str, account_key: str, actor: str = "system"
) -> None:
    """A new password ends every session of the account (whoever knew the old one is out) and
    lifts any sign-in pause."""
    with engine.begin() as conn:
        conn.execute(
            staff.update().where(staff.c.id == staff_id).values(password_hash=password_hash)
        )
        sessions.revoke_staff(conn, staff_id)
        conn.execute(sign_in_throttle.delete().where(sign_in_throttle.c.key == account_key))
        record(conn, actor, "staff.password_reset", "staff", str(staff_id))


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


def audit_about(conn: Connection, subjects: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Subject access: the audit rows naming these (subject type, id) records. They hold
    references and codes only, never personal data (see ``record``)."""
    found: list[dict[str, Any]] = []
    for kind in sorted({k for k, _ in subjects}):
        ids = sorted({i for k, i in subjects if k == kind})
        query = (
            select(audit_log)
            .where(audit_log.c.subject_type == kind, audit_log.c.subject_id.in_(ids))
            .order_by(audit_log.c.id)
        )
        found.extend(dict(r._mapping) for r in conn.execute(query))
    return sorted(found, key=lambda r: int(r["id"]))


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict[str, Any]]
    total: int
    page: int  # the page shown: one asked for past the end shows the last
    pages: int


def audit_search(
    engine: Engine,
    *,
    actor: str | None = None,
    referral: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """One page of the audit log, newest first (for /staff/audit). ``actor`` is an exact actor
    ("staff:3", "system"); ``referral`` a referral reference; ``start`` (inclusive) and ``end``
    (exclusive) are naive UTC, as stored."""
    where: list[Any] = []
    if actor is not None:
        where.append(audit_log.c.actor == actor)
    if referral is not None:
        where.append(audit_log.c.subject_type == "referral")
        where.append(audit_log.c.subject_id == referral)
    if start is not None:
        where.append(audit_log.c.at >= start)
    if end is not None:
        where.append(audit_log.c.at < end)
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(audit_log).where(*where)).scalar_one()
        )
        pages = max(1, -(-total // page_size))
        shown = min(max(page, 1), pages)
        rows = conn.execute(
            select(audit_log)
            .where(*where)
            .order_by(audit_log.c.id.desc())
            .limit(page_size)
            .offset((shown - 1) * page_size)
        )
        return AuditPage([dict(r._mapping) for r in rows], total, shown, pages)
