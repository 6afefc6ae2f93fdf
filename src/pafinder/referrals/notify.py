"""Emails about a referral, queued with it and sent once it has been committed.

The acknowledgement carries the reference, the respond-by date and the service's own phone
number: never the reason, answers or anything about health, because email is not a private
channel. The person referred is not emailed when they asked for a text or a letter (the
confirmation page says so); whoever referred them is, when they gave an address. The staff
notification carries only the reference and a link into the staff area, so a shared mailbox
never holds the person's details.
"""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from sqlalchemy import Connection

from pafinder import mail, outbox
from pafinder.content import Content, Service
from pafinder.referrals.models import ReferralConfig
from pafinder.referrals.store import Referral
from pafinder.settings import Settings

CRISIS_LINES = (
    "If you feel unsafe or might act on thoughts of harming yourself, get help now:\n"
    "- call 999 or go to A&E if your life or someone else's is at risk\n"
    "- call NHS 111 and choose the mental health option, any time\n"
    "- call Samaritans free on 116 123, any time"
)


def long_date(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def service_phone(content: Content, config: ReferralConfig) -> str:
    """The service's own number (``referral: phone:``), else the site's."""
    return config.phone or content.site.phone


def _person_emailed(referral: Referral) -> bool:
    # Someone who asked for a text or a letter may share an inbox, or not want email from us at
    # all: they are not emailed; the confirmation page says so and gives the reference.
    return bool(referral.email) and referral.preferred_contact not in ("text", "letter")


def acknowledgement_recipients(referral: Referral) -> list[str]:
    """Who gets the acknowledgement: the person (see _person_emailed) and whoever referred
    them, when they gave an email address."""
    found = {referral.email} if _person_emailed(referral) else set()
    if referral.referrer_email:
        found.add(referral.referrer_email)
    return sorted(found)


def acknowledged(referral: Referral) -> bool:
    return bool(acknowledgement_recipients(referral))


def not_acknowledged_reason(referral: Referral) -> str:
    """Why the person referred gets no confirmation email, in words for the confirmation page;
    empty when they get one."""
    if _person_emailed(referral):
        return ""
    own = referral.referrer_type == "self"
    who = "you" if own else "the person"
    if referral.preferred_contact in ("text", "letter"):
        how = "a text message" if referral.preferred_contact == "text" else "a letter"
        asked = "You asked" if own else "You asked for the person to be contacted by"
        if own:
            return f"{asked} us to get in touch by {how}, so we have not sent a confirmation email."
        return f"{asked} {how}, so we have not sent them a confirmation email."
    return f"No email address was given for {who}, so we have not sent {who} a confirmation email."


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
        f"Phone the {service.name} on {service_phone(content, config)}, or email {site.email}.",
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


def queue_all(
    conn: Connection,
    settings: Settings,
    content: Content,
    service: Service,
    config: ReferralConfig,
    referral: Referral,
) -> list[int]:
    """Queue the staff notification and the acknowledgements in the referral's own transaction,
    so an acknowledged referral always has its emails; the outbox sends them after the commit
    and retries if the mail server is down. Returns the outbox ids."""
    to_staff = staff_notification(settings, service, config, referral)
    queued = [outbox.queue(conn, to_staff, "referral staff notification")]
    for address in acknowledgement_recipients(referral):
        message = acknowledgement(settings, content, service, config, referral, address)
        queued.append(outbox.queue(conn, message, "referral acknowledgement"))
    return queued
