"""Signed values for the newsletter: the confirmation and unsubscribe links, and the form's start
time (the minimum fill time).

Links carry only the subscriber row's id, never the address, signed with the app's secret key
(itsdangerous), each purpose with its own salt so one link can never be replayed as the other.
A confirmation link lasts CONFIRM_FOR; an unsubscribe link never expires, because it sits in
every newsletter someone may open years later and must still work.
"""

from __future__ import annotations

from datetime import datetime

from pafinder.newsletter.store import CONFIRM_FOR
from pafinder.settings import Settings
from pafinder.web import signed
from pafinder.web.signed import TokenProblem

__all__ = ["TokenProblem"]

CONFIRM_SALT = "newsletter-confirm"
UNSUBSCRIBE_SALT = "newsletter-unsubscribe"
FORM = "newsletter"


def confirm_token(settings: Settings, subscriber_id: int) -> str:
    return signed.dump_id(settings, CONFIRM_SALT, subscriber_id, timed=True)


def read_confirm_token(settings: Settings, token: str) -> tuple[int, datetime]:
    """(subscriber id, when the link was made as naive UTC); TokenProblem if expired or bad."""
    return signed.load_id_made(settings, CONFIRM_SALT, token, CONFIRM_FOR)


def unsubscribe_token(settings: Settings, subscriber_id: int) -> str:
    return signed.dump_id(settings, UNSUBSCRIBE_SALT, subscriber_id, timed=False)


def read_unsubscribe_token(settings: Settings, token: str) -> int | None:
    try:
        return signed.load_id(settings, UNSUBSCRIBE_SALT, token)
    except TokenProblem:
        return None


def unsubscribe_url(settings: Settings, subscriber_id: int) -> str:
    token = unsubscribe_token(settings, subscriber_id)
    return f"{settings.base_url.rstrip('/')}/newsletter/unsubscribe/{token}"


def confirm_url(settings: Settings, subscriber_id: int) -> str:
    token = confirm_token(settings, subscriber_id)
    return f"{settings.base_url.rstrip('/')}/newsletter/confirm/{token}"


def form_started(settings: Settings, at: float | None = None) -> str:
    """A hidden field saying when the form was shown, signed so a robot cannot backdate it."""
    return signed.form_started(settings, FORM, at)


def started_at(settings: Settings, value: str) -> float | None:
    """When the form was shown, or None if the field is missing or not ours."""
    return signed.started_at(settings, FORM, value)
