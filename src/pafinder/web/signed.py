"""Signed values the portal hands out in emails and forms and reads back: links that name a row
by its id, and a form's start time (the minimum fill time against robots).

Each feature keeps its own salts and paths (newsletter/signing.py, alerts/signing.py,
jobs/signing.py); what they share is here, so a tampered, over-long or odd token is refused the
same way everywhere. A link carries only a row id, never an address, signed with the app's
secret key (itsdangerous); a timed link also carries when it was made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from pafinder.settings import Settings

MAX_TOKEN = 500  # longer than any we make: a longer one is not ours


class TokenProblem(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _secret(settings: Settings) -> str:
    return str(settings.secret_key)


def row_id(data: Any) -> int | None:
    """The positive row id a token's payload names, or None for anything else."""
    value = data.get("id") if isinstance(data, dict) else None
    # bool is an int in Python: refuse it, as any other odd value.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def dump_id(settings: Settings, salt: str, row: int, timed: bool) -> str:
    """A token naming ``row``: timed ones can be given a life when read, the others never end."""
    if timed:
        return str(URLSafeTimedSerializer(_secret(settings), salt=salt).dumps({"id": row}))
    return str(URLSafeSerializer(_secret(settings), salt=salt).dumps({"id": row}))


def load_id_made(
    settings: Settings, salt: str, token: str, max_age: timedelta
) -> tuple[int, datetime]:
    """(row id, when the timed token was made as naive UTC); TokenProblem if expired or bad."""
    serializer = URLSafeTimedSerializer(_secret(settings), salt=salt)
    try:
        data, made = serializer.loads(
            token[:MAX_TOKEN], max_age=int(max_age.total_seconds()), return_timestamp=True
        )
    except SignatureExpired:
        raise TokenProblem(expired=True) from None
    except BadSignature:
        raise TokenProblem(expired=False) from None
    row = row_id(data)
    if row is None:
        raise TokenProblem(expired=False)
    return row, made.astimezone(UTC).replace(tzinfo=None)


def load_id(settings: Settings, salt: str, token: str, max_age: timedelta | None = None) -> int:
    """The row id a token names: a timed one when ``max_age`` is given; TokenProblem if not."""
    if max_age is not None:
        return load_id_made(settings, salt, token, max_age)[0]
    try:
        data = URLSafeSerializer(_secret(settings), salt=salt).loads(token[:MAX_TOKEN])
    except BadSignature:
        raise TokenProblem(expired=False) from None
    row = row_id(data)
    if row is None:
        raise TokenProblem(expired=False)
    return row


# --- A form's start time --------------------------------------------------------------------


def _mac(settings: Settings, form: str, stamp: str) -> str:
    key = hashlib.sha256(f"pafinder-{form}-form|".encode() + _secret(settings).encode()).digest()
    return hmac.new(key, stamp.encode(), hashlib.sha256).hexdigest()[:32]


def form_started(settings: Settings, form: str, at: float | None = None) -> str:
    """A hidden field saying when ``form`` was shown, signed so a robot cannot backdate it."""
    stamp = str(int(at if at is not None else time.time()))
    return f"{stamp}.{_mac(settings, form, stamp)}"


def started_at(settings: Settings, form: str, value: str) -> float | None:
    """When ``form`` was shown, or None if the field is missing or not ours."""
    stamp, _, mac = value[:100].partition(".")
    if not (stamp.isascii() and stamp.isdigit()) or not hmac.compare_digest(
        mac.encode(), _mac(settings, form, stamp).encode()
    ):
        return None
    return float(stamp)


# --- A form's key and start time, in one hidden field ---------------------------------------

FORM_KEY_MAX_AGE = timedelta(days=3)  # a form left open longer starts again


def new_form_key() -> str:
    """The key that makes a double submit of one form record once."""
    return secrets.token_urlsafe(24)


def dump_form_key(settings: Settings, salt: str, key: str, started: float) -> str:
    return str(URLSafeTimedSerializer(_secret(settings), salt=salt).dumps([key, started]))


def load_form_key(settings: Settings, salt: str, token: str) -> tuple[str, float] | None:
    """(form key, when the form was shown), or None for an expired, forged or odd field."""
    try:
        found = URLSafeTimedSerializer(_secret(settings), salt=salt).loads(
            token[:MAX_TOKEN], max_age=int(FORM_KEY_MAX_AGE.total_seconds())
        )
    except (BadSignature, SignatureExpired):
        return None
    if not (isinstance(found, list) and len(found) == 2 and isinstance(found[0], str)):
        return None
    # bool is an int in Python: refuse it, as any other odd value.
    if isinstance(found[1], bool) or not isinstance(found[1], (int, float)):
        return None
    return found[0][:64], float(found[1])
