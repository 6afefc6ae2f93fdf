"""`pafinder newsletter export` (the list as CSV) and `pafinder newsletter send FILE.md
--subject S` (an issue to everyone on the list, through the outbox).

Sending queues every email in one transaction with the issue's record, so a crash queues all
or none; delivery follows, and whatever fails waits in the outbox for `pafinder send-mail`.
The same issue (same subject and text) is refused a second time unless ``--again`` is given:
running the command twice by mistake must not send everyone two copies.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import NoReturn

import click

from pafinder import outbox
from pafinder.content import render_markdown
from pafinder.db import make_engine, migrate
from pafinder.newsletter import emails, store
from pafinder.newsletter.export import subscribers_csv
from pafinder.settings import Settings
from pafinder.staff import store as staff_store

SUBJECT_MAX = 150
DELIVER_BATCH = 50  # emails handed to the mail server between progress updates


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


@click.group("newsletter")
def newsletter() -> None:
    """The newsletter list: export it, or send an issue to it."""


@newsletter.command("export")
def export() -> None:
    """Print the confirmed addresses as CSV (email, confirmed_at in UTC) to standard output."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    sys.stdout.write(subscribers_csv(engine, "cli"))
    sys.stdout.flush()


def _read_issue(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        _fail(f"There is no file {path}.")
    except IsADirectoryError:
        _fail(f"{path} is a folder: give the Markdown file of the issue.")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text: save it as UTF-8 and try again.")
    except OSError as exc:
        _fail(f"Cannot read {path}: {exc.strerror or exc}.")
    if not text.strip():
        _fail(f"{path} is empty: write the issue in it first.")
    return text


@newsletter.command("send")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--subject", default="", help="The email's subject line (required).")
@click.option("--again", is_flag=True, help="Send it even though this issue was sent before.")
def send(file: Path, subject: str, again: bool) -> None:
    """Email the Markdown issue FILE to everyone on the list (plain text and HTML), each with
    their own one-click unsubscribe link and List-Unsubscribe headers."""
    from pafinder.cli import console, progress_bar  # here: cli imports every feature's commands

    subject = subject.strip()
    if not subject:
        _fail('Give the newsletter a subject: --subject "Our spring newsletter"')
    if len(subject) > SUBJECT_MAX or any(ord(c) < 32 for c in subject):
        _fail(f"The subject must be one line of {SUBJECT_MAX} characters or fewer.")
    text = _read_issue(file)
    digest = hashlib.sha256(f"{subject}\0{text}".encode()).hexdigest()
    html = render_markdown(text)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)

    with engine.begin() as conn:
        if store.issue_sent_before(conn, digest) and not again:
            _fail(
                "This issue (the same subject and text) has been sent before. "
                "To send it again, add --again."
            )
        subscribers = store.confirmed(conn)
        ids: list[int] = []
        with progress_bar() as bar:
            task = bar.add_task("Queueing the newsletter", total=len(subscribers))
            for subscriber in subscribers:
                message = emails.issue(
                    settings, subscriber.email, subscriber.id, subject, text, html
                )
                ids.append(outbox.queue(conn, message, emails.ISSUE_PURPOSE))
                bar.advance(task)
        store.record_issue(conn, digest, subject, len(ids))
        detail = {"recipients": len(ids), "issue": digest[:12]}
        staff_store.record(conn, "cli", "newsletter.sent", "newsletter", "issue", detail)

    sent = failed = 0
    with progress_bar() as bar:
        task = bar.add_task("Sending the newsletter", total=len(ids))
        for start in range(0, len(ids), DELIVER_BATCH):
            batch = ids[start : start + DELIVER_BATCH]
            done = outbox.deliver(engine, settings, batch, limit=len(batch))
            sent += done.sent
            failed += done.failed
            bar.advance(task, len(batch))
    console.print(f"Sent the newsletter to {sent} of {len(ids)} addresses on the list.")
    if failed or sent < len(ids):
        console.print(
            f"{len(ids) - sent} emails are waiting in the outbox: `pafinder send-mail` "
            "tries them again."
        )
        sys.exit(1)


commands = [newsletter]
