"""The alerts' emails: the confirmation (double opt-in) and the two daily digests.

Every digest carries RFC 8058 one-click unsubscribe (``List-Unsubscribe`` with the HTTPS link
and ``List-Unsubscribe-Post``), as the newsletter does, plus the same link in the body. The
emails are plain text: they hold only what the public pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import charset, policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit

from pafinder import mail
from pafinder.alerts import signing
from pafinder.settings import Settings
from pafinder.web.templating import format_date, london

FROM_NAME = "Personal Assistant Finder alerts"
CONFIRM_PURPOSE = "alert confirmation"
DIGEST_PURPOSE = {"jobs": "job alert digest", "pas": "saved search digest"}
NOUN = {"jobs": "new job adverts", "pas": "new personal assistants (PAs)"}
MAX_ITEMS = 20  # a digest lists at most this many, then links to the rest

# Digests are built by hand with plain-string headers (compat32, never folded) instead of
# mail.build_message: the default policy parses every address and header it is given, which
# cost most of send-alerts' time at 10,000 digests (benchmarks/send_alerts.py). Everything in
# these headers is ASCII (addresses are checked to be, subjects are ours), and the body is
# UTF-8 in quoted-printable, so the bytes are the same kind of message build_message makes.


class _Unfolded(policy.Compat32):
    """Headers written as they are: ASCII, one line each (a long URL must stay one word)."""

    def fold_binary(self, name: str, value: str) -> bytes:
        line = f"{name}: {value}"
        if not line.isascii() or "\n" in line or "\r" in line:
            return super().fold_binary(name, value)
        return (line + self.linesep).encode("ascii")


_PLAIN = _Unfolded()
_UTF8 = charset.Charset("utf-8")
_UTF8.body_encoding = charset.QP


@dataclass(frozen=True)
class Item:
    title: str
    lines: tuple[str, ...]
    path: str  # on the site, e.g. /jobs/J7K2M9QX


def confirmation(
    settings: Settings, kind: str, to: str, alert_id: int, summary: str
) -> EmailMessage:
    link = signing.url(settings, "confirm", kind, alert_id)
    body = (
        "Hello,\n\n"
        f"Someone, probably you, asked for emails about {NOUN[kind]} on the Personal "
        "Assistant Finder at this address, for:\n\n"
        f"{summary}\n\n"
        "To start getting them, confirm your email address by opening this link within 7 days:\n\n"
        f"{link}\n\n"
        "If you did not ask for this, ignore this email: we will send you nothing more, and "
        "we will delete your address in 7 days.\n\n"
        "Personal Assistant Finder\n"
    )
    subject = "Confirm your job alert" if kind == "jobs" else "Confirm your saved search"
    return mail.build_message(settings, to, subject, body, from_name=FROM_NAME)


def digest(
    settings: Settings,
    kind: str,
    to: str,
    alert_id: int,
    summary: str,
    items: list[Item],
    total: int,
    more_path: str,
    ends: datetime | None = None,
) -> EmailMessage:
    """One alert's digest: up to MAX_ITEMS of ``items`` (``total`` in all) and a link to see
    them all; a saved search's says when it ends, with its "keep this alert" link."""
    base = settings.base_url.rstrip("/")
    unsubscribe = signing.url(settings, "unsubscribe", kind, alert_id)
    shown = items[:MAX_ITEMS]
    if kind == "jobs":
        subject = f"{total} new job advert{'' if total == 1 else 's'} for you"
        opening = f"{total} new job advert{' matches' if total == 1 else 's match'} your alert"
    else:
        subject = f"{total} new PA{'' if total == 1 else 's'} match your saved search"
        if not total:
            subject = "Your saved search for personal assistants is ending"
        opening = f"{total} new PA listing{' matches' if total == 1 else 's match'} your search"
    parts = [f"Hello,\n\n{opening}:\n\n{summary}\n"]
    for item in shown:
        lines = "".join(f"  {line}\n" for line in item.lines)
        parts.append(f"\n{item.title}\n{lines}  {base}{item.path}\n")
    if total > len(shown):
        parts.append(
            f"\nThis email shows {len(shown)} of them. See all {total}:\n{base}{more_path}\n"
        )
    elif total:
        parts.append(f"\nSee them on the site:\n{base}{more_path}\n")
    if ends is not None:
        keep = signing.url(settings, "keep", kind, alert_id)
        parts.append(
            f"\nThis saved search will stop on {format_date(london(ends))}. To keep it for "
            f"another 6 months, open this link:\n{keep}\n"
        )
    parts.append(
        "\n---\n\nYou get these emails because you asked for them on the Personal Assistant "
        f"Finder. To stop getting them, unsubscribe here:\n{unsubscribe}\n"
    )
    return _digest_message(settings, to, subject, "".join(parts), unsubscribe)


def _digest_message(
    settings: Settings, to: str, subject: str, body: str, unsubscribe: str
) -> EmailMessage:
    host = urlsplit(settings.base_url).hostname or "localhost"
    message = EmailMessage(policy=_PLAIN)
    message["From"] = formataddr((FROM_NAME, f"no-reply@{host}"))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=host)
    message["MIME-Version"] = "1.0"
    message.set_payload(body, _UTF8)
    # RFC 8058 one-click unsubscribe; the URL is one long word, never folded.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message
