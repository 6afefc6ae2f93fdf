"""Signed values for alerts: the confirm, unsubscribe and "keep this alert" links, and the
form's start time (the minimum fill time).

Links carry only the row id, signed with the app's secret key, each purpose and kind with its
own salt so no link can be replayed as another. A confirmation link lasts store.CONFIRM_FOR; an
unsubscribe or keep link never expires (it sits in a digest someone may open months later).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from pafinder.alerts.store import CONFIRM_FOR
from pafinder.settings import Settings

MAX_TOKEN = 500  # longer than any we make: a longer one is not ours
# kind -> the path its links live under
PATHS = {"jobs": "/jobs/alerts", "pas": "/find-a-pa/alerts"}


class TokenProblem(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _secret(settings: Settings) -> str:
    return str(settings.secret_key)


def _salt(purpose: str, kind: str) -> str:
    return f"alerts-{purpose}-{kind}"


def _id(data: Any) -> int | None:
    value = data.get("id") if isinstance(data, dict) else None
    # bool is an int in Python: refuse it, as any other odd value.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def token(settings: Settings, purpose: str, kind: str, alert_id: int) -> str:
    salt = _salt(purpose, kind)
    if purpose == "confirm":
        return str(URLSafeTimedSerializer(_secret(settings), salt=salt).dumps({"id": alert_id}))
    return str(URLSafeSerializer(_secret(settings), salt=salt).dumps({"id": alert_id}))


def read(settings: Settings, purpose: str, kind: str, value: str) -> int:
    """The alert id a link names; TokenProblem when it is expired (confirm only) or not ours."""
    value = value[:MAX_TOKEN]
    try:
        if purpose == "confirm":
            data = URLSafeTimedSerializer(_secret(settings), salt=_salt(purpose, kind)).loads(
                value, max_age=int(CONFIRM_FOR.total_seconds())
            )
        else:
            data = URLSafeSerializer(_secret(settings), salt=_salt(purpose, kind)).loads(value)
    except SignatureExpired:
        raise TokenProblem(expired=True) from None
    except BadSignature:
        raise TokenProblem(expired=False) from None
    alert_id = _id(data)
    if alert_id is None:
        raise TokenProblem(expired=False)
    return alert_id


def url(settings: Settings, purpose: str, kind: str, alert_id: int) -> str:
    path = f"{PATHS[kind]}/{purpose}/{token(settings, purpose, kind, alert_id)}"
    return settings.base_url.rstrip("/") + path


# --- The form's start time ------------------------------------------------------------------


def _mac(settings: Settings, stamp: str) -> str:
    key = hashlib.sha256(b"pafinder-alerts-form|" + _secret(settings).encode()).digest()
    return hmac.new(key, stamp.encode(), hashlib.sha256).hexdigest()[:32]


def form_started(settings: Settings, at: float | None = None) -> str:
    """A hidden field saying when the form was shown, signed so a robot cannot backdate it."""
    stamp = str(int(at if at is not None else time.time()))
    return f"{stamp}.{_mac(settings, stamp)}"


def started_at(settings: Settings, value: str) -> float | None:
    stamp, _, mac = value[:100].partition(".")
    if not (stamp.isascii() and stamp.isdigit()) or not hmac.compare_digest(
        mac.encode(), _mac(settings, stamp).encode()
    ):
        return None
    return float(stamp)
