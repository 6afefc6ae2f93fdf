"""The newsletter's emails: the confirmation (double opt-in) and an issue.

Every issue carries the one-click unsubscribe of RFC 8058: ``List-Unsubscribe`` with the
HTTPS link (RFC 2369) and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, so a mail
client can offer an unsubscribe button that POSTs to the link, plus the same link in the body
for everyone else.
"""

from __future__ import annotations

from email.message import EmailMessage
from html import escape

from pafinder import mail
from pafinder.newsletter import signing
from pafinder.settings import Settings

FROM_NAME = "Personal Assistant Finder newsletter"
CONFIRM_PURPOSE = "newsletter confirmation"
ISSUE_PURPOSE = "newsletter issue"


def confirmation(settings: Settings, to: str, subscriber_id: int) -> EmailMessage:
    url = signing.confirm_url(settings, subscriber_id)
    body = (
        "Hello,\n\n"
        "Someone, probably you, asked to get the Personal Assistant Finder newsletter at this "
        "email address.\n\n"
        "To start getting it, confirm your email address by opening this link within 7 days:\n\n"
        f"{url}\n\n"
        "If you did not ask for it, ignore this email: you will not be added to the list, and "
        "we will delete your address in 7 days.\n\n"
        "Personal Assistant Finder\n"
    )
    return mail.build_message(
        settings, to, "Confirm you want the newsletter", body, from_name=FROM_NAME
    )


def issue(
    settings: Settings, to: str, subscriber_id: int, subject: str, text: str, html: str
) -> EmailMessage:
    """One issue to one subscriber: ``text`` is the Markdown source (it reads as plain text),
    ``html`` its rendering; both end with this subscriber's own unsubscribe link."""
    url = signing.unsubscribe_url(settings, subscriber_id)
    footer = (
        "\n\n---\n\nYou get this newsletter because you signed up for it on the Personal "
        f"Assistant Finder. To stop getting it, unsubscribe here:\n{url}\n"
    )
    message = mail.build_message(settings, to, subject, text.rstrip() + footer, from_name=FROM_NAME)
    link = escape(url, quote=True)
    message.add_alternative(
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>\n{html}\n<hr>\n"
        "<p>You get this newsletter because you signed up for it on the Personal Assistant "
        f'Finder. <a href="{link}">Unsubscribe from the newsletter</a>.</p>\n</body></html>\n',
        subtype="html",
    )
    # A URL is one long word: folded to the usual 78 characters it would become RFC 2047
    # encoded words, which mail clients do not read as a link. So this header is stored as it
    # is, and this message (and mail.transmit after the outbox) never refold it.
    message.policy = mail.AS_QUEUED
    message.set_raw("List-Unsubscribe", f"<{url}>")
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message
