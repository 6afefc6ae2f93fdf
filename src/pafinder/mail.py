"""Outgoing email: SMTP when PAFINDER_SMTP_URL is set, otherwise an .eml file per message in
$PAFINDER_DATA_DIR/outbox/ (so a demo never needs a mail server). Messages reach this transport
through the durable queue in pafinder.outbox.

SMTP URL form: smtp://[user:password@]host:port (``smtps://`` for implicit TLS,
``?starttls=1`` to upgrade a plain connection).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import smtplib
import time
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import formataddr, formatdate, getaddresses, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pafinder.db import private_dir
from pafinder.settings import Settings

# The email policy, but headers parsed from a queued message are sent as they were folded.
AS_QUEUED = policy.default.clone(refold_source="none")


def build_message(
    settings: Settings,
    to: str,
    subject: str,
    body: str,
    from_name: str = "Personal Assistant Finder",
    attachments: list[tuple[str, str, bytes]] | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """``attachments`` are (filename, mime type, data)."""
    message = EmailMessage()
    host = urlsplit(settings.base_url).hostname or "localhost"
    message["From"] = formataddr((from_name, f"no-reply@{host}"))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=host)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    for filename, mime, data in attachments or []:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def transmit(settings: Settings, message: EmailMessage) -> None:
    """Hand one message to the mail server (or the .eml folder) now; raises if it cannot.

    Features do not call this: they queue through pafinder.outbox, which retries failures."""
    # Send the headers exactly as they were folded when the email was queued. Refolding a long
    # line would turn a List-Unsubscribe URL (one long word) into RFC 2047 encoded words,
    # which mail clients do not read as a link (pafinder.newsletter.emails).
    message.policy = AS_QUEUED
    if settings.smtp_url:
        _send_smtp(settings.smtp_url, message)
    else:
        _write_outbox(settings.outbox_dir, message)


def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=30)
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=30)
    with client:
        if options.get("starttls") == ["1"]:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def _write_outbox(outbox: Path, message: EmailMessage) -> None:
    """Owner-only (folder 0700, files 0600): the messages hold personal data and live links."""
    private_dir(outbox)
    name = f"{message['Date']}-{secrets.token_hex(6)}"
    safe = "".join(c if c.isalnum() else "-" for c in name)
    descriptor = os.open(outbox / f"{safe}.eml", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(bytes(message))


def outbox_files(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*.eml")) if outbox.is_dir() else []


def purge_outbox_files(outbox: Path, older_than: timedelta) -> int:
    """The .eml folder follows the outbox table's rule: nothing waits longer than that."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in outbox_files(outbox):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


def forget_outbox_files(outbox: Path, address: str) -> int:
    """Right to erasure: delete every .eml file addressed to ``address``."""
    wanted = address.strip().lower()
    removed = 0
    for path in outbox_files(outbox):
        try:
            with path.open("rb") as file:
                headers = BytesHeaderParser(policy=policy.default).parse(file)
        except FileNotFoundError:
            continue  # sent away or purged meanwhile
        recipients = getaddresses([str(v) for v in headers.get_all("To", [])])
        if any(a.lower() == wanted for _, a in recipients):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
