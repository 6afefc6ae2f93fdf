"""The emails an employer gets about their advert. Every one carries the management link, and
none repeats the advert's words: email is not a private channel and the page has them."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from pafinder import mail
from pafinder.jobs import signing
from pafinder.settings import Settings

CONFIRM_PURPOSE = "job advert confirmation"
RETURNED_PURPOSE = "job advert returned"
PUBLISHED_PURPOSE = "job advert published"
SIGN_OFF = "\nPersonal Assistant Finder\n"


def _manage(settings: Settings, job: dict[str, Any]) -> str:
    return (
        "You can see, change, close or delete your advert at any time with this link (keep it "
        "private: anyone with it can change your advert):\n\n"
        f"{signing.manage_url(settings, int(job['id']))}\n"
    )


def confirmation(settings: Settings, job: dict[str, Any]) -> EmailMessage:
    body = (
        "Hello,\n\n"
        f"Thank you for writing a job advert for a personal assistant (reference {job['ref']}).\n\n"
        "Confirm your email address by opening this link within 7 days:\n\n"
        f"{signing.confirm_url(settings, int(job['id']))}\n\n"
        "Then our team checks your advert before it is published. If you do not confirm, "
        "the advert is deleted after 7 days.\n\n"
        + _manage(settings, job)
        + "\nIf you did not write this advert, ignore this email: nothing will be published.\n"
        + SIGN_OFF
    )
    return mail.build_message(settings, job["email"], "Confirm your job advert", body)


def returned(settings: Settings, job: dict[str, Any], reason: str) -> EmailMessage:
    body = (
        "Hello,\n\n"
        f"Our team has looked at your job advert {job['ref']} and needs you to change it "
        "before it can be published. They said:\n\n"
        f"{reason}\n\n"
        "Change the advert with the link below; when you send the changes, it comes back to "
        "our team.\n\n" + _manage(settings, job) + SIGN_OFF
    )
    return mail.build_message(settings, job["email"], "Your job advert needs changes", body)


def published(settings: Settings, job: dict[str, Any]) -> EmailMessage:
    body = (
        "Hello,\n\n"
        f"Your job advert {job['ref']} is now published. Personal assistants can reply to it "
        "through our website; we pass their messages on to you by email.\n\n"
        f"It closes on {job['closes']:%d %B %Y}.\n\n" + _manage(settings, job) + SIGN_OFF
    )
    return mail.build_message(settings, job["email"], "Your job advert is published", body)
