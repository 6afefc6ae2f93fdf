"""All SQL for staff accounts and the audit log (other features append via ``record``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, String, Table, Text, select

from pafinder.db import metadata, utcnow

ROLES = ("admin", "staff")
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_sign_in_at", DateTime, nullable=True),
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
    failed_attempts: int
    locked_until: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def _member(row: Any) -> StaffMember:
    return StaffMember(
        id=row.id,
        email=row.email,
        role=row.role,
        password_hash=row.password_hash,
        failed_attempts=row.failed_attempts,
        locked_until=row.locked_until,
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


def record_failure(engine: Engine, member: StaffMember) -> None:
    """Count a failed password; lock the account for LOCKOUT after MAX_FAILED_ATTEMPTS."""
    attempts = member.failed_attempts + 1
    values: dict[str, Any] = {"failed_attempts": attempts}
    if attempts >= MAX_FAILED_ATTEMPTS:
        values = {"failed_attempts": 0, "locked_until": utcnow() + LOCKOUT}
    with engine.begin() as conn:
        conn.execute(staff.update().where(staff.c.id == member.id).values(**values))
        action = "staff.locked" if "locked_until" in values else "staff.sign_in_failed"
        record(conn, "anonymous", action, "staff", str(member.id))


def record_success(engine: Engine, member: StaffMember, new_hash: str | None) -> None:
    values: dict[str, Any] = {
        "failed_attempts": 0,
        "locked_until": None,
        "last_sign_in_at": utcnow(),
    }
    if new_hash:
        values["password_hash"] = new_hash
    with engine.begin() as conn:
        conn.execute(staff.update().where(staff.c.id == member.id).values(**values))
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
