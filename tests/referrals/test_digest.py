"""`pafinder send-digest` (issue 9, point 4): each active staff member's overdue and due-today
referrals and checks, by reference only, read from a real SMTP server (aiosmtpd); the
one-working-day flag to the service mailbox, once; nobody with nothing due gets an email, and
no email carries the person's details. "Today" is the digest's ``today`` argument, with
referrals made with chosen respond-by dates and checks scheduled from a chosen day."""

from __future__ import annotations

from datetime import date, timedelta
from email.message import Message
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, select

from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.referrals import casework, checks, digest, store
from pafinder.referrals.casework import Change
from pafinder.referrals.models import service_checks
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import add_working_days
from tests.conftest import Inbox, add_staff, body_text
from tests.referrals.helpers import make_referral, portal, service

WEDNESDAY = date(2027, 3, 10)
DPS = "direct-payment-support"
# What make_referral's answers hold about the person and the referrer (tests/referrals/helpers).
PERSONAL = (
    "Ada",
    "Lovelace",
    "ada@example.org",
    "07700",
    "DE1 2AB",
    "CW1 2AB",
    "I would like some support",
    "Sam Referrer",
    "sam@example.org",
    "1990",
)


def _id(engine: Engine, ref: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(store.referrals.c.id).where(store.referrals.c.ref == ref))
        return int(found.scalar_one())


def _member_id(engine: Engine, email: str) -> int:
    member = staff_store.get_by_email(engine, email)
    assert member is not None
    return member.id


def _move(engine: Engine, ref: str, status: str, staff_id: int) -> None:
    referral = store.get(engine, ref)
    assert referral is not None
    casework.apply(
        engine, ref, referral.version, staff_id, Change("status", status, {"status": status})
    )


def _assign(engine: Engine, ref: str, staff_id: int, to: int) -> None:
    referral = store.get(engine, ref)
    assert referral is not None
    change = Change("assign", str(to), {"assigned_to": to})
    casework.apply(engine, ref, referral.version, staff_id, change)


def _text(message: Message) -> str:
    return message.as_string() + body_text(message)


def _by_recipient(inbox: Inbox) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for m in inbox.messages:
        found.setdefault(str(m["To"]), []).append(body_text(m))
    return found


def test_each_member_gets_what_is_due_for_them_by_reference_only(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    engine = make_engine(settings.database_url)
    add_staff(settings, "worker@example.org", services=("carers",))
    add_staff(settings, "dps@example.org", services=(DPS,))
    add_staff(settings, "everyone@example.org")
    add_staff(settings, "admin@example.org", role="admin")
    add_staff(settings, "quiet@example.org", services=("supported-accommodation",))
    add_staff(settings, "gone@example.org", services=("carers",))
    staff_store.disable(engine, "gone@example.org")
    admin = _member_id(engine, "admin@example.org")

    late = make_referral(settings, respond_by=WEDNESDAY - timedelta(days=2))
    due_today = make_referral(settings, respond_by=WEDNESDAY)
    _assign(engine, due_today, admin, admin)
    tomorrow = make_referral(settings, respond_by=add_working_days(WEDNESDAY, 1))
    make_referral(settings, respond_by=WEDNESDAY + timedelta(days=10))  # nothing due
    mentoring = make_referral(settings, respond_by=WEDNESDAY - timedelta(days=5), slug="mentoring")
    contacted = make_referral(settings, respond_by=WEDNESDAY - timedelta(days=5))
    _move(engine, contacted, "contacted", admin)  # first contact made: no longer due
    # Direct payment support: support started 28 days ago, so the early help check is due
    # today and the follow-up is not; a closed referral's overdue check nags nobody.
    configured = service_checks(service(settings, DPS))
    supported = make_referral(settings, slug=DPS, respond_by=WEDNESDAY - timedelta(days=30))
    closed = make_referral(settings, slug=DPS, respond_by=WEDNESDAY - timedelta(days=30))
    started = WEDNESDAY - timedelta(days=28)
    for ref in (supported, closed):
        _move(engine, ref, "active", admin)
        referral_id = _id(engine, ref)
        with engine.begin() as conn:
            checks.schedule(conn, referral_id, "active", configured, started)
    _move(engine, closed, "closed", admin)

    content = load_content(settings.content_dir)
    summary = digest.run(engine, settings, content, today=WEDNESDAY)
    assert (summary.staff_emails, summary.flags, summary.sent, summary.failed) == (4, 1, 5, 0)
    assert summary.line() == ("Digest: 4 staff emails and 1 respond-by flag queued; 5 emails sent.")
    inbox.wait_for(5)
    got = _by_recipient(inbox)
    assert sorted(got) == [
        "admin@example.org",
        "carers@example.org",  # the carers service's mailbox: the flag
        "dps@example.org",
        "everyone@example.org",
        "worker@example.org",
    ]
    [carers] = got["worker@example.org"]
    assert f"- {late} (Carers support service): first contact, overdue (due 8 March 2027)" in carers
    assert f"{settings.base_url}/staff/referrals/{late}" in carers
    assert due_today not in carers  # assigned to someone else
    assert tomorrow not in carers and contacted not in carers
    [dps] = got["dps@example.org"]
    assert f"- {supported} (Direct payment support service): Early help check, due today" in dps
    assert "Follow-up check" not in dps and closed not in dps and late not in dps
    [everyone] = got["everyone@example.org"]
    assert late in everyone and supported in everyone and mentoring in everyone
    assert due_today not in everyone and mentoring not in carers
    [admin_mail] = got["admin@example.org"]
    assert f"- {due_today} (Carers support service): first contact, due today" in admin_mail
    assert late not in admin_mail and supported not in admin_mail  # admins: only their own
    [flag] = got[service_mailbox(settings, "carers")]
    assert tomorrow in flag and "respond by 11 March 2027" in flag
    assert late not in flag and due_today not in flag
    for message in inbox.messages:
        text = _text(message)
        for detail in PERSONAL:
            assert detail not in text, (detail, str(message["To"]))

    # A second run the same day sends nothing again.
    again = digest.run(engine, settings, content, today=WEDNESDAY)
    assert (again.staff_emails, again.flags, again.sent) == (0, 0, 0)
    assert len(inbox.messages) == 5


def service_mailbox(settings: Settings, slug: str) -> str:
    from pafinder.referrals.models import referral_config

    config = referral_config(service(settings, slug))
    assert config is not None
    return config.staff_email


def test_the_respond_by_flag_goes_to_the_service_mailbox_once(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    """Friday, Saturday and Sunday are all one working day before Monday: flagged once."""
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    engine = make_engine(settings.database_url)
    monday = date(2027, 3, 15)
    first = make_referral(settings, respond_by=monday)
    second = make_referral(settings, respond_by=monday)
    content = load_content(settings.content_dir)
    friday = digest.run(engine, settings, content, today=date(2027, 3, 12))
    assert (friday.staff_emails, friday.flags, friday.sent) == (0, 2, 1)  # nobody on staff
    [flag] = inbox.wait_for(1)
    assert str(flag["To"]) == service_mailbox(settings, "carers")
    assert first in body_text(flag) and second in body_text(flag)
    assert "15 March 2027" in str(flag["Subject"])
    for detail in PERSONAL:
        assert detail not in _text(flag)
    for day in (date(2027, 3, 13), date(2027, 3, 14), date(2027, 3, 12)):
        run = digest.run(engine, settings, content, today=day)
        assert run.flags == 0 and run.sent == 0
    assert len(inbox.messages) == 1
    # Contacted in the meantime: not flagged. Still received on a later respond-by: flagged.
    later = make_referral(settings, respond_by=date(2027, 3, 17))
    contacted = make_referral(settings, respond_by=date(2027, 3, 17))
    add_staff(settings, "x@example.org", services=("mentoring",))
    _move(engine, contacted, "contacted", _member_id(engine, "x@example.org"))
    tuesday = digest.run(engine, settings, content, today=date(2027, 3, 16))
    assert tuesday.flags == 1
    assert later in body_text(inbox.wait_for(2)[1]) and contacted not in body_text(
        inbox.messages[1]
    )


def test_send_digest_command_prints_a_summary_and_exits_0(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    add_staff(settings, "worker@example.org", services=("carers",))
    from pafinder.db import utcnow
    from pafinder.workdays import london_date

    late = make_referral(settings, respond_by=london_date(utcnow()) - timedelta(days=3))
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SMTP_URL": url,
        "PAFINDER_SECRET_KEY": str(settings.secret_key),
    }
    result = CliRunner().invoke(main, ["send-digest"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Digest: 1 staff email and ")
    assert result.output.count("\n") == 1
    [message] = inbox.wait_for(1)
    assert str(message["To"]) == "worker@example.org" and late in body_text(message)
    again = CliRunner().invoke(main, ["send-digest"], env=env)
    assert again.exit_code == 0 and again.output.startswith("Digest: 0 staff emails")
    assert len(inbox.messages) == 1
