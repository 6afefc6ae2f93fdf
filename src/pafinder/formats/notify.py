"""The acknowledgement of a request, queued with it and sent after the commit, only when the
person gave an email address. It carries the reference and what happens next, never what
they asked for: email is not a private channel."""

from __future__ import annotations

from email.message import EmailMessage

from pafinder import mail
from pafinder.content import Content
from pafinder.settings import Settings

PURPOSE = "format request acknowledgement"
SEND_WITHIN_WORKING_DAYS = 10  # as content/pages/about/accessible-formats.md promises


def what_happens_next() -> list[str]:
    """The same sentences on the confirmation page and in the acknowledgement."""
    return [
        f"We will send most formats within {SEND_WITHIN_WORKING_DAYS} working days.",
        "Braille, BSL videos and some translations may take longer. If so, we will tell you "
        "when to expect it.",
        "If we need to know more, we will contact you the way you chose.",
    ]


def acknowledgement(settings: Settings, content: Content, to: str, ref: str) -> EmailMessage:
    site = content.site
    lines = [
        "Hello,",
        "",
        "Thank you. We have your request for information in another format.",
        "",
        f"Reference: {ref}",
        "",
        *what_happens_next(),
        "",
        "If you need to contact us about it, please quote the reference.",
        f"Phone {site.phone} ({site.opening_hours}) or email {site.email}.",
        "",
        site.organisation or site.name,
    ]
    return mail.build_message(
        settings,
        to,
        f"We have your request for another format: {ref}",
        "\n".join(lines),
        from_name=site.name,
    )
