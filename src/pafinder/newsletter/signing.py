"""Signed values for the newsletter: the confirmation and unsubscribe links, and the form's start
time (the minimum fill time).

Links carry only the subscriber row's id, never the address, signed with the app's secret key
(itsdangerous), each purpose with its own salt so one link can never be replayed as the other.
A confirmation link lasts CONFIRM_FOR; an unsubscribe link never expires, because it sits in
every newsletter someone may open years later and must still work.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from pafinder.newsletter.store import CONFIRM_FOR
from pafinder.settings import Settings

CONFIRM_SALT = "newsletter-confirm"
UNSUBSCRIBE_SALT = "newsletter-unsubscribe"
MAX_TOKEN = 500  # longer than any we make: a longer one is not ours


class TokenProblem(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _secret(settings: Settings) -> str:
    return str(settings.secret_key)


def confirm_token(settings: Settings, subscriber_id: int) -> str:
    return URLSafeTimedSerializer(_secret(settings), salt=CONFIRM_SALT).dumps({"id": subscriber_id})


def read_confirm_token(settings: Settings, token: str) -> tuple[int, datetime]:
    """(subscriber id, when the link was made as naive UTC); TokenProblem if expired or bad."""
    serializer = URLSafeTimedSerializer(_secret(settings), salt=CONFIRM_SALT)
    try:
        data, made = serializer.loads(
            token[:MAX_TOKEN], max_age=int(CONFIRM_FOR.total_seconds()), return_timestamp=True
        )
    except SignatureExpired:
        raise TokenProblem(expired=True) from None
    except BadSignature:
        raise TokenProblem(expired=False) from None
    subscriber_id = _id(data)
    if subscriber_id is None:
        raise TokenProblem(expired=False)
    return subscriber_id, made.astimezone(UTC).replace(tzinfo=None)


def unsubscribe_token(settings: Settings, subscriber_id: int) -> str:
    return URLSafeSerializer(_secret(settings), salt=UNSUBSCRIBE_SALT).dumps({"id": subscriber_id})


def read_unsubscribe_token(settings: Settings, token: str) -> int | None:
    try:
        data = URLSafeSerializer(_secret(settings), salt=UNSUBSCRIBE_SALT).loads(token[:MAX_TOKEN])
    except BadSignature:
        return None
    return _id(data)


def _id(data: Any) -> int | None:
    value = data.get("id") if isinstance(data, dict) else None
    # bool is an int in Python: refuse it, as any other odd value.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def unsubscribe_url(settings: Settings, subscriber_id: int) -> str:
    token = unsubscribe_token(settings, subscriber_id)
    return f"{settings.base_url.rstrip('/')}/newsletter/unsubscribe/{token}"


def confirm_url(settings: Settings, subscriber_id: int) -> str:
    token = confirm_token(settings, subscriber_id)
    return f"{settings.base_url.rstrip('/')}/newsletter/confirm/{token}"


# --- The form's start time ------------------------------------------------------------------


def _mac(settings: Settings, stamp: str) -> str:
    key = hashlib.sha256(b"pafinder-newsletter-form|" + _secret(settings).encode()).digest()
    return hmac.new(key, stamp.encode(), hashlib.sha256).hexdigest()[:32]


def form_started(settings: Settings, at: float | None = None) -> str:
    """A hidden field saying when the form was shown, signed so a robot cannot backdate it."""
    stamp = str(int(at if at is not None else time.time()))
    return f"{stamp}.{_mac(settings, stamp)}"


def started_at(settings: Settings, value: str) -> float | None:
    """When the form was shown, or None if the field is missing or not ours."""
    stamp, _, mac = value[:100].partition(".")
    if not (stamp.isascii() and stamp.isdigit()) or not hmac.compare_digest(
        mac.encode(), _mac(settings, stamp).encode()
    ):
        return None
    return float(stamp)
