"""Emails about a complaint, compliment or comment, queued with it and sent after the commit.

The acknowledgement (only when the person gave an email address) carries the reference and what
happens next, never what they wrote: email is not a private channel. The mailbox notification
carries only the reference and a staff link, so a shared mailbox holds no personal details.

The times promised are the ones on our complaints page (content/pages/about/how-to-complain.md):
an acknowledgement within 3 working days, which is also what the Local Authority Social Services
and NHS Complaints (England) Regulations 2009 ask (regulation 13; the direct payment support
specification requires a policy that complies with them), and a full reply within 20 working
days, our own published promise (no specification sets a response time).
"""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import Connection

from pafinder import mail, outbox
from pafinder.complaints.models import KINDS
from pafinder.complaints.store import GENERAL, Complaint
from pafinder.content import Content
from pafinder.referrals.models import referral_config
from pafinder.settings import Settings

ACKNOWLEDGE_WITHIN_WORKING_DAYS = 3
RESPOND_WITHIN_WORKING_DAYS = 20


def what_happens_next(kind: str) -> list[str]:
    """The same sentences on the confirmation page and in the acknowledgement."""
    if kind == "complaint":
        return [
            f"We will tell you we have your complaint within {ACKNOWLEDGE_WITHIN_WORKING_DAYS} "
            "working days, if you gave us a way to contact you.",
            "A manager will look into it.",
            f"We will reply in full within {RESPOND_WITHIN_WORKING_DAYS} working days. If we "
            "need more time, we will tell you why.",
        ]
    if kind == "compliment":
        return [
            "We will pass your thanks on to the people involved.",
            "We share what people tell us went well, so we can keep doing it.",
        ]
    return [
        "We read every comment and suggestion, and use them to make our services better.",
        "If you gave us a way to contact you and we need to know more, we will get in touch.",
    ]


def mailbox_for(content: Content, service_slug: str) -> str:
    """The service's referral mailbox, or the site's contact address for a general item."""
    if service_slug != GENERAL:
        service = content.service(service_slug)
        config = referral_config(service) if service else None
        if config is not None:
            return config.staff_email
    return content.site.email


def acknowledgement(
    settings: Settings, content: Content, item: Complaint, service_name: str
) -> EmailMessage:
    site = content.site
    what = KINDS[item.kind].lower()
    about = f" about the {service_name}" if item.service != GENERAL else ""
    lines = [
        "Hello,",
        "",
        f"Thank you. We have received your {what}{about}.",
        "",
        f"Reference: {item.ref}",
        "",
        *what_happens_next(item.kind),
        "",
        "If you need to contact us, please quote the reference.",
        f"Phone {site.phone} ({site.opening_hours}) or email {site.email}.",
        "",
        site.organisation or site.name,
    ]
    return mail.build_message(
        settings,
        item.email,
        f"We have received your {what}: {item.ref}",
        "\n".join(lines),
        from_name=site.name,
    )


def mailbox_notification(
    settings: Settings, content: Content, item: Complaint, service_name: str
) -> EmailMessage:
    what = KINDS[item.kind].lower()
    body = "\n".join(
        [
            f"A new {what} has arrived ({service_name}).",
            "",
            f"Reference: {item.ref}",
            "Open it in the staff area (sign-in needed):",
            f"{settings.base_url}/staff/complaints/{item.ref}",
        ]
    )
    to = mailbox_for(content, item.service)
    return mail.build_message(settings, to, f"New {what} {item.ref}", body)


def queue_all(
    conn: Connection, settings: Settings, content: Content, item: Complaint, service_name: str
) -> list[int]:
    """Queue both emails in the item's own transaction; returns the outbox ids."""
    queued = [
        outbox.queue(
            conn,
            mailbox_notification(settings, content, item, service_name),
            "complaint mailbox notification",
        )
    ]
    if item.email:
        message = acknowledgement(settings, content, item, service_name)
        queued.append(outbox.queue(conn, message, "complaint acknowledgement"))
    return queued
