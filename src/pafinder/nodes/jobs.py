"""Scheduled commands that every node may run at once, with one doing the work.

Each node's timer runs the same commands (``pafinder send-mail`` every five minutes, the daily
ones at night). A command first takes its job's lease in the database: one row per job, naming
the holder and when the lease ends. The insert (or the take-over of an expired lease) succeeds
on exactly one node; the others say so and exit 0, so nothing is sent twice. The lease is given
back when the command ends, and a node that dies holding it loses it when it expires.

The commands are also safe to run again one after another (they keep "sent" marks of their
own), so a lease is about running at the same time, not about running once a day.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import click
from sqlalchemy import Engine, and_, select
from sqlalchemy.exc import IntegrityError

from pafinder.db import make_engine, migrate, utcnow
from pafinder.nodes.store import job_leases
from pafinder.settings import Settings

FIVE_MINUTE_LEASE = timedelta(minutes=10)
DAILY_LEASE = timedelta(hours=2)


def holder_name() -> str:
    """Which node and process holds a lease (shown to the one that is turned away)."""
    return f"{socket.gethostname()[:100]} (process {os.getpid()}, {uuid.uuid4().hex[:8]})"


def take(engine: Engine, job: str, holder: str, lease: timedelta) -> bool:
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(job_leases.insert().values(job=job, holder=holder, expires_at=now + lease))
        return True
    except IntegrityError:
        pass  # someone holds it, or held it and died: take it only if it has expired
    with engine.begin() as conn:
        taken = conn.execute(
            job_leases.update()
            .where(and_(job_leases.c.job == job, job_leases.c.expires_at < now))
            .values(holder=holder, expires_at=now + lease)
        )
        return bool(taken.rowcount == 1)


def give_back(engine: Engine, job: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            job_leases.delete().where(and_(job_leases.c.job == job, job_leases.c.holder == holder))
        )


def current_holder(engine: Engine, job: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(job_leases.c.holder).where(job_leases.c.job == job)).scalar()


@contextmanager
def lease(engine: Engine, job: str, length: timedelta) -> Iterator[bool]:
    """``with lease(engine, "send-mail", FIVE_MINUTE_LEASE) as mine:``; ``mine`` is False when
    another node is running the job now."""
    holder = holder_name()
    mine = take(engine, job, holder, length)
    try:
        yield mine
    finally:
        if mine:
            give_back(engine, job, holder)


def exclusive(command: click.Command, length: timedelta) -> click.Command:
    """Make a scheduled click command take its lease first (named after the command)."""
    inner = command.callback
    assert inner is not None and command.name is not None
    name = command.name

    @functools.wraps(inner)
    def run(*args: Any, **kwargs: Any) -> Any:
        engine = make_engine(Settings.from_env().database_url)
        migrate(engine)  # the lease table may be new in this release
        with lease(engine, name, length) as mine:
            if not mine:
                who = current_holder(engine, name) or "another node"
                click.echo(f"{name} is already running on {who}: nothing done here.")
                return None
            return inner(*args, **kwargs)

    command.callback = run
    return command


SCHEDULED: dict[str, timedelta] = {
    "send-mail": FIVE_MINUTE_LEASE,
    "pa-freshness": DAILY_LEASE,
    "purge-pa-contacts": DAILY_LEASE,
    "publish-events": DAILY_LEASE,
    "send-reminders": DAILY_LEASE,
    "purge-drafts": DAILY_LEASE,
    "purge": DAILY_LEASE,
    "send-digest": DAILY_LEASE,
    "send-reports": DAILY_LEASE,
    "send-alerts": DAILY_LEASE,
}


def guard_scheduled(group: click.Group) -> None:
    """Wrap every scheduled command of ``group`` (the CLI calls this once, after adding them)."""
    for name, length in SCHEDULED.items():
        command = group.commands.get(name)
        if command is None:
            raise RuntimeError(f"scheduled command {name!r} is not registered")
        exclusive(command, length)
