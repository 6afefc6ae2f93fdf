"""Emails sent after a referral has been committed.

The acknowledgement carries the reference, the respond-by date and how to reach us: never the
reason, answers or anything about health, because email is not a private channel. The staff
notification carries only the reference and a link into the staff area, so a shared mailbox
never holds the person's details.
"""

from __future__ import annotations

import logging
from datetime import date
from email.message import EmailMessage

from pafinder import mail
from pafinder.content import Content, Service
from pafinder.referrals.models import ReferralConfig
from pafinder.referrals.store import Referral
from pafinder.settings import Settings

log = logging.getLogger(__name__)

CRISIS_LINES = (
    "If you feel unsafe or might act on thoughts of harming yourself, get help now:\n"
    "- call 999 or go to A&E if your life or someone else's is at risk\n"
    "- call NHS 111 and choose the mental health option, any time\n"
    "- call Samaritans free on 116 123, any time"
)


def long_date(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def promise(config: ReferralConfig, urgency: str) -> str:
    question = config.urgency_question
    if question is None or not urgency:
        return ""
    return next((o.promise or "" for o in question.options if o.value == urgency), "")


def acknowledgement(
    settings: Settings,
    content: Content,
    service: Service,
    config: ReferralConfig,
    referral: Referral,
    to: str,
) -> EmailMessage:
    site = content.site
    lines = [
        "Hello,",
        "",
        f"Thank you. The {service.name} has received a referral.",
        "",
        f"Reference: {referral.ref}",
        f"We will get in touch by {long_date(referral.respond_by)}.",
    ]
    extra = promise(config, referral.urgency)
    if extra:
        lines.append(extra)
    lines += [
        "",
        "If you need to contact us, please quote the reference.",
        f"Phone {site.phone} ({site.opening_hours}) or email {site.email}.",
    ]
    crisis = config.crisis if config.crisis is not None else service.crisis
    if crisis:
        lines += ["", CRISIS_LINES]
    lines += ["", site.organisation or site.name]
    return mail.build_message(
        settings,
        to,
        f"We have received your referral: {referral.ref}",
        "\n".join(lines),
        from_name=site.name,
    )


def staff_notification(
    settings: Settings, service: Service, config: ReferralConfig, referral: Referral
) -> EmailMessage:
    urgent = referral.urgency == "urgent"
    subject = f"{'URGENT ' if urgent else ''}New referral {referral.ref}"
    body = "\n".join(
        [
            f"A new referral has arrived for the {service.name}.",
            "",
            f"Reference: {referral.ref}",
            "Open it in the staff area (sign-in needed):",
            f"{settings.base_url}/staff/referrals/{referral.ref}",
        ]
    )
    return mail.build_message(settings, config.staff_email, subject, body)


def send_all(
    settings: Settings,
    content: Content,
    service: Service,
    config: ReferralConfig,
    referral: Referral,
) -> None:
    """Runs after the response (a background task): a failed email is logged without personal
    data and never undoes or hides the referral, which is already safe in the database."""
    messages = [("staff", staff_notification(settings, service, config, referral))]
    recipients = {a for a in (referral.email, referral.referrer_email) if a}
    for address in sorted(recipients):
        messages.append(
            (
                "acknowledgement",
                acknowledgement(settings, content, service, config, referral, address),
            )
        )
    for kind, message in messages:
        try:
            mail.send(settings, message)
        except Exception as exc:  # any mail failure is logged, never raised
            log.error("referral %s: %s email not sent (%s)", referral.ref, kind, type(exc).__name__)
