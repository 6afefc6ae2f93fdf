"""`pafinder send-digest` (issue 9, point 4): the daily nudges, run from cron once a day.

Each active staff member gets one email listing, by reference only, what is overdue or due
today for them: referrals still waiting for first contact on or past their respond-by date, and
open checks due on or before today. "For them" means referrals assigned to them, plus the
unassigned referrals of the services they work on; an admin (who may see every service) gets
only what is assigned to them, so admins are not flooded with every service's queue.

Each service's mailbox (``referral.staff_email``) gets one email flagging the referrals still
`received` one working day before their respond-by date (today + 1 working day == respond-by).

No email carries personal details: a reference, the service's name, what is due and a link to
the record (sign-in needed). What was sent is kept in ``digest_sent`` in the same transaction
as the queued email, so a second run the same day sends nothing again; mail goes through the
outbox (queued, then delivered; send-mail retries what fails).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

import click
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError

from pafinder import mail, outbox
from pafinder.content import Content
from pafinder.db import metadata, utcnow
from pafinder.referrals.checks import long_date, referral_checks
from pafinder.referrals.models import referral_config
from pafinder.referrals.store import referrals
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import add_working_days, london_date

digest_sent = Table(
    "digest_sent",
    metadata,
    Column("id", Integer, primary_key=True),
    # "staff": one member's digest (subject: the staff id, day: the digest's date);
    # "respond_by": a flag to a service mailbox (subject: the reference, day: its respond-by
    # date, so a run on Saturday and another on Sunday, both a working day before Monday, flag
    # it once).
    Column("kind", String(20), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("day", Date, nullable=False),
    Column("sent_at", DateTime, nullable=False),
    UniqueConstraint("kind", "subject", "day", name="uq_digest_sent_once"),
)

# A referral in one of these needs no nudge any more, nor do its checks.
FINISHED = ("refused", "signposted", "closed")


@dataclass(frozen=True)
class Due:
    """One line of a digest: a referral's reference and what is due on it."""

    ref: str
    service: str
    assigned_to: int | None
    what: str
    day: date

    def line(self, today: date, names: dict[str, str], base_url: str) -> str:
        when = "due today" if self.day == today else f"overdue (due {long_date(self.day)})"
        service = names.get(self.service, self.service)
        return (
            f"- {self.ref} ({service}): {self.what}, {when}\n"
            f"  {base_url}/staff/referrals/{self.ref}"
        )


@dataclass(frozen=True)
class Summary:
    staff_emails: int
    flags: int
    sent: int
    failed: int

    def line(self) -> str:
        text = (
            f"Digest: {_count(self.staff_emails, 'staff email')} and "
            f"{_count(self.flags, 'respond-by flag')} queued; {_count(self.sent, 'email')} sent."
        )
        if self.failed:
            text += f" {self.failed} could not be sent and wait in the outbox."
        return text


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _due(conn: Connection, today: date) -> list[Due]:
    late = conn.execute(
        select(
            referrals.c.ref, referrals.c.service, referrals.c.assigned_to, referrals.c.respond_by
        ).where(referrals.c.status == "received", referrals.c.respond_by <= today)
    )
    found = [Due(r.ref, r.service, r.assigned_to, "first contact", r.respond_by) for r in late]
    open_checks = conn.execute(
        select(
            referrals.c.ref,
            referrals.c.service,
            referrals.c.assigned_to,
            referral_checks.c.label,
            referral_checks.c.due_on,
        )
        .join(referrals, referrals.c.id == referral_checks.c.referral_id)
        .where(
            referral_checks.c.done_at.is_(None),
            referral_checks.c.due_on <= today,
            referrals.c.status.not_in(FINISHED),
        )
    )
    found += [Due(r.ref, r.service, r.assigned_to, r.label, r.due_on) for r in open_checks]
    # Most overdue first, then by reference, so the email reads the same way every day.
    return sorted(found, key=lambda d: (d.day, d.ref, d.what))


def for_member(member: staff_store.StaffMember, items: Iterable[Due]) -> list[Due]:
    """What is due for ``member``: assigned to them, or unassigned in a service they work on
    (admins: assigned to them only)."""
    mine = []
    for item in items:
        if not member.may_see(item.service):
            continue
        if item.assigned_to == member.id or (item.assigned_to is None and not member.is_admin):
            mine.append(item)
    return mine


def _already(conn: Connection, kind: str, subject: str, day: date) -> bool:
    return (
        conn.execute(
            select(digest_sent.c.id).where(
                digest_sent.c.kind == kind,
                digest_sent.c.subject == subject,
                digest_sent.c.day == day,
            )
        ).first()
        is not None
    )


def queue_once(
    engine: Engine, marks: list[tuple[str, str, date]], message: EmailMessage, purpose: str
) -> int | None:
    """Queue ``message`` and record ``marks`` (kind, subject, day) in one transaction, unless
    every mark was already sent; the marks already sent are left out. Returns the outbox id, or
    None. Also how the returns' "ready" notice goes once a period (pafinder.reports.notice)."""
    try:
        with engine.begin() as conn:
            fresh = [m for m in marks if not _already(conn, *m)]
            if not fresh:
                return None
            now = utcnow()
            for kind, subject, day in fresh:
                conn.execute(
                    digest_sent.insert().values(kind=kind, subject=subject, day=day, sent_at=now)
                )
            return outbox.queue(conn, message, purpose)
    except IntegrityError:
        return None  # another run got there first (PostgreSQL, where two can race)


def _staff_digest(
    settings: Settings, email: str, items: list[Due], today: date, names: dict[str, str]
) -> EmailMessage:
    lines = [
        f"What is due today or overdue for you on {long_date(today)}, by reference only.",
        "Sign in to the staff area to see the details.",
        "",
        *[item.line(today, names, settings.base_url) for item in items],
        "",
        "You get this email because these referrals are assigned to you, or are not assigned",
        "to anyone in a service you work on.",
    ]
    count = len(items)
    subject = f"{count} referral {'task' if count == 1 else 'tasks'} due today or overdue"
    return mail.build_message(settings, email, subject, "\n".join(lines))


def _flag(
    settings: Settings, to: str, service_name: str, refs: list[tuple[str, date]]
) -> EmailMessage:
    lines = [
        f"These referrals to the {service_name} have not been contacted yet. They must be "
        "answered by the end of the next working day:",
        "",
        *[
            f"- {ref}: respond by {long_date(day)}\n  {settings.base_url}/staff/referrals/{ref}"
            for ref, day in refs
        ],
    ]
    plural = "s" if len(refs) > 1 else ""
    subject = f"Respond by {long_date(refs[0][1])}: {len(refs)} referral{plural} not contacted yet"
    return mail.build_message(settings, to, subject, "\n".join(lines))


def run(engine: Engine, settings: Settings, content: Content, today: date | None = None) -> Summary:
    """Queue today's digests and flags, then deliver them."""
    today = today or london_date(utcnow())
    names = {s.slug: s.name for s in content.services}
    with engine.connect() as conn:
        items = _due(conn, today)
        tomorrow = add_working_days(today, 1)
        flagged = conn.execute(
            select(referrals.c.ref, referrals.c.service, referrals.c.respond_by)
            .where(referrals.c.status == "received", referrals.c.respond_by == tomorrow)
            .order_by(referrals.c.ref)
        ).all()
    ids: list[int] = []
    staff_emails = 0
    for member in staff_store.list_staff(engine):
        if member.disabled:
            continue
        mine = for_member(member, items)
        if not mine:
            continue  # nobody with nothing due gets an email
        message = _staff_digest(settings, member.email, mine, today, names)
        queued = queue_once(engine, [("staff", str(member.id), today)], message, "staff digest")
        if queued is not None:
            ids.append(queued)
            staff_emails += 1
    by_service: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for row in flagged:
        by_service[row.service].append((row.ref, row.respond_by))
    flags = 0
    for slug, refs in sorted(by_service.items()):
        service = content.service(slug)
        config = referral_config(service) if service is not None else None
        if service is None or config is None:
            continue  # a service no longer on the site has no mailbox to tell
        with engine.connect() as conn:
            fresh = [(r, d) for r, d in refs if not _already(conn, "respond_by", r, d)]
        if not fresh:
            continue
        message = _flag(settings, config.staff_email, service.name, fresh)
        marks = [("respond_by", ref, day) for ref, day in fresh]
        queued = queue_once(engine, marks, message, "respond-by flag")
        if queued is not None:
            ids.append(queued)
            flags += len(fresh)
    delivered = outbox.deliver(engine, settings, ids) if ids else outbox.Delivery(0, 0, 0)
    return Summary(staff_emails, flags, delivered.sent, delivered.failed)


@click.command("send-digest")
def send_digest() -> None:
    """Email each staff member their overdue and due-today referrals and checks, and flag to
    each service the referrals due tomorrow (run once a day, from cron)."""
    from pafinder.content import load_content
    from pafinder.db import make_engine
    from pafinder.db import migrate as run_migrations

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    summary = run(engine, settings, load_content(settings.content_dir))
    click.echo(summary.line())
