"""`pafinder send-reports` (issue 10, point 6): once a month each service's mailbox hears that
its return is ready, with a link to the staff page, never a figure; a second run, or a run on a
second machine, sends nothing more. Read from a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.referrals.models import referral_config
from pafinder.reports.commands import send_notices
from tests.conftest import Inbox, body_text
from tests.referrals.helpers import make_referral, portal


def _mailboxes(content_dir: Path) -> dict[str, str]:
    content = load_content(content_dir)
    found = {}
    for service in content.services:
        config = referral_config(service)
        if config is not None:
            found[config.staff_email] = service.slug
    return found


def test_each_mailbox_gets_a_link_for_last_month_and_its_quarter_once(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url, base_url="https://pafinder.example.org")
    make_referral(settings)  # a figure that must not be in any email
    engine = make_engine(settings.database_url)
    content = load_content(settings.content_dir)
    mailboxes = _mailboxes(settings.content_dir)

    # Run on 1 October: September has ended, and so has the quarter July to September.
    notices = send_notices(engine, settings, content, date(2026, 10, 1))
    assert (notices.queued, notices.sent, notices.failed) == (len(mailboxes), len(mailboxes), 0)
    messages = inbox.wait_for(len(mailboxes))
    assert {str(m["To"]) for m in messages} == set(mailboxes)
    for message in messages:
        slug = mailboxes[str(message["To"])]
        text = body_text(message)
        assert str(message["Subject"]) == "Your return for September 2026 is ready"
        base = f"https://pafinder.example.org/staff/reports/{slug}"
        assert f"{base}?from=2026-09-01&to=2026-09-30" in text
        assert f"{base}?from=2026-07-01&to=2026-09-30" in text
        # Never the figures: no number in the text but the dates in the links and the words.
        without_links = re.sub(r"https://\S+", "", text)
        assert not re.search(r"\d", without_links.replace("2026", "")), without_links

    again = send_notices(engine, settings, content, date(2026, 10, 20))
    assert again.queued == 0
    assert len(inbox.messages) == len(mailboxes)


def test_a_month_inside_a_quarter_links_the_month_only(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    engine = make_engine(settings.database_url)
    content = load_content(settings.content_dir)
    # 3 January 2027: December 2026 ended, and with it the quarter October to December.
    send_notices(engine, settings, content, date(2027, 1, 3))
    december = inbox.wait_for(1)[0]
    assert "from=2026-10-01&to=2026-12-31" in body_text(december)
    inbox.messages.clear()
    # 5 February: January ended, the quarter January to March has not.
    notices = send_notices(engine, settings, content, date(2027, 2, 5))
    assert notices.queued == len(_mailboxes(settings.content_dir))
    for message in inbox.wait_for(notices.queued):
        text = body_text(message)
        assert "from=2027-01-01&to=2027-01-31" in text
        assert "from=2027-01-01&to=2027-03-31" not in text
        assert str(message["Subject"]) == "Your return for January 2027 is ready"


def test_the_command_prints_what_it_did_and_exits_0(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SMTP_URL": url,
        "PAFINDER_SECRET_KEY": str(settings.secret_key),
    }
    count = len(_mailboxes(settings.content_dir))
    result = CliRunner().invoke(main, ["send-reports"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Told {count} service mailboxes their return is ready ({count} sent, 0 failed).\n"
    )
    inbox.wait_for(count)
    again = CliRunner().invoke(main, ["send-reports"], env=env)
    assert again.output.startswith("Told 0 service mailboxes")
