"""Signed links and the emails that carry them to PAs.

Each purpose has its own itsdangerous salt, so a link made for one thing (say, 'still available')
can never be replayed for another (say, managing the listing), and its own lifetime.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pafinder import mail, outbox
from pafinder.settings import Settings

VERIFY = ("pa-verify-email", timedelta(hours=48))
MANAGE = ("pa-manage", timedelta(hours=1))
STILL_AVAILABLE = ("pa-still-available", timedelta(days=30))
Purpose = tuple[str, timedelta]


class TokenProblem(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def make_token(settings: Settings, purpose: Purpose, ref: str) -> str:
    return URLSafeTimedSerializer(str(settings.secret_key), salt=purpose[0]).dumps({"ref": ref})


def read_token(settings: Settings, purpose: Purpose, token: str) -> str:
    """The listing reference in a valid token; TokenProblem when expired or tampered with."""
    serializer = URLSafeTimedSerializer(str(settings.secret_key), salt=purpose[0])
    try:
        data: Any = serializer.loads(token[:500], max_age=int(purpose[1].total_seconds()))
    except SignatureExpired:
        raise TokenProblem(expired=True) from None
    except BadSignature:
        raise TokenProblem(expired=False) from None
    if not isinstance(data, dict) or not isinstance(data.get("ref"), str):
        raise TokenProblem(expired=False)
    return str(data["ref"])


def link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def _send(
    settings: Settings,
    to: str,
    subject: str,
    body: str,
) -> None:
    """Queue, then send: if the mail server is down the outbox tries again later."""
    message = mail.build_message(settings, to, subject, body)
    outbox.send(settings, message, "PA listing email")


SIGN_OFF = "\nPersonal Assistant Finder\n"


def send_verification(settings: Settings, to: str, first_name: str, ref: str) -> None:
    url = link(settings, f"/become-a-pa/verify/{make_token(settings, VERIFY, ref)}")
    body = (
        f"Hello {first_name},\n\n"
        "Thank you for registering as a personal assistant (PA).\n\n"
        "Confirm your email address by opening this link within 48 hours:\n\n"
        f"{url}\n\n"
        "Once you have confirmed it, our team will check your listing, including your DBS "
        "certificate, before it appears in the Personal Assistant Finder.\n\n"
        f"Your reference is {ref}.\n\n"
        "If you did not register, ignore this email: nothing will be published.\n" + SIGN_OFF
    )
    _send(settings, to, "Confirm your email address", body)


def send_manage_links(settings: Settings, to: str, refs: Sequence[str]) -> None:
    lines = "\n\n".join(
        f"Listing {ref}:\n"
        + link(settings, "/become-a-pa/manage/" + make_token(settings, MANAGE, ref))
        for ref in refs
    )
    body = (
        "Hello,\n\n"
        "Use this link to change, pause, withdraw or delete your personal assistant listing, "
        "or to download the data we hold about you. The link works for 1 hour.\n\n"
        f"{lines}\n\n"
        "If you did not ask for this, ignore this email: nothing has changed.\n" + SIGN_OFF
    )
    _send(settings, to, "Manage your personal assistant listing", body)


def send_still_available(settings: Settings, to: str, first_name: str, ref: str) -> None:
    url = link(
        settings, f"/become-a-pa/still-available/{make_token(settings, STILL_AVAILABLE, ref)}"
    )
    body = (
        f"Hello {first_name},\n\n"
        f"Your personal assistant listing {ref} was last confirmed 3 months ago. Are you still "
        "available for work?\n\n"
        f"Open this link and press the button to say you are (the link works for 30 days):\n\n"
        f"{url}\n\n"
        "If we do not hear from you within a month, your listing will stop showing in search "
        "until you confirm it. You can also pause or withdraw it from the 'manage my listing' "
        f"page: {link(settings, '/become-a-pa/manage')}\n" + SIGN_OFF
    )
    _send(settings, to, "Are you still available for work?", body)


def send_expiry_reminder(
    settings: Settings, to: str, first_name: str, items: Sequence[str]
) -> None:
    lines = "\n".join(f"- {item}" for item in items)
    body = (
        f"Hello {first_name},\n\n"
        "Some details on your personal assistant listing need renewing:\n\n"
        f"{lines}\n\n"
        "Employers look for up-to-date checks and training. When you have renewed them, update "
        f"your listing: {link(settings, '/become-a-pa/manage')}\n" + SIGN_OFF
    )
    _send(settings, to, "Your DBS check or training needs renewing", body)


def send_published(settings: Settings, to: str, first_name: str, ref: str) -> None:
    body = (
        f"Hello {first_name},\n\n"
        f"We have checked your personal assistant listing {ref} and it is now published in the "
        "Personal Assistant Finder. Employers can contact you through the website; we never "
        "show your email address or phone number.\n\n"
        "Every 3 months we will ask you to confirm you are still available.\n\n"
        f"To change, pause or withdraw your listing: {link(settings, '/become-a-pa/manage')}\n"
        + SIGN_OFF
    )
    _send(settings, to, "Your listing is published", body)


def send_rejection(settings: Settings, to: str, first_name: str, ref: str, reason: str) -> None:
    body = (
        f"Hello {first_name},\n\n"
        f"We could not publish your personal assistant listing {ref}.\n\n"
        f"The reason:\n{reason}\n\n"
        "You can change your listing and send it to us again from the 'manage my listing' "
        f"page: {link(settings, '/become-a-pa/manage')}\n\n"
        "If you have questions, reply to the contact details on our website.\n" + SIGN_OFF
    )
    _send(settings, to, "We could not publish your listing", body)


# Built, not sent: the change that causes each of these queues it in its own transaction.


def hidden_for_check(settings: Settings, to: str, first_name: str, ref: str) -> EmailMessage:
    body = (
        f"Hello {first_name},\n\n"
        f"You changed the DBS details on your personal assistant listing {ref}. Employers "
        "cannot find your listing until our team has checked the new details.\n\n"
        "We will email you when we have checked them. You do not need to do anything else.\n\n"
        f"To see or change your listing: {link(settings, '/become-a-pa/manage')}\n" + SIGN_OFF
    )
    return mail.build_message(settings, to, "Your listing is hidden until we check it", body)


def taken_down(settings: Settings, to: str, first_name: str, ref: str, reason: str) -> EmailMessage:
    body = (
        f"Hello {first_name},\n\n"
        f"We have taken down your personal assistant listing {ref}. Employers cannot find it "
        "or see it any more.\n\n"
        f"The reason:\n{reason}\n\n"
        "You can change your listing and send it to us to check again from the 'manage my "
        f"listing' page: {link(settings, '/become-a-pa/manage')}\n\n"
        "If you have questions, reply to the contact details on our website.\n" + SIGN_OFF
    )
    return mail.build_message(settings, to, "We have taken down your listing", body)
