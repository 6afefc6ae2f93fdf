"""Signed links for job adverts: the email confirmation and the employer's management link.

Links carry only the advert row's id, signed with the app's secret key (itsdangerous), each
purpose with its own salt so one can never be replayed as the other. The confirmation lasts
CONFIRM_FOR (unconfirmed adverts are deleted by purge once it has passed); the management link
never expires while the advert exists, because it sits in every email the employer may reopen
weeks later, and row ids are never reused (tables.py: sqlite_autoincrement).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from pafinder.settings import Settings

CONFIRM_SALT = "job-confirm"
MANAGE_SALT = "job-manage"
CONFIRM_FOR = timedelta(days=7)
MAX_TOKEN = 500  # longer than any we make: a longer one is not ours


class TokenProblem(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _id(data: Any) -> int:
    value = data.get("id") if isinstance(data, dict) else None
    # bool is an int in Python: refuse it, as any other odd value.
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise TokenProblem(expired=False)


def confirm_token(settings: Settings, job_id: int) -> str:
    return URLSafeTimedSerializer(str(settings.secret_key), salt=CONFIRM_SALT).dumps({"id": job_id})


def read_confirm_token(settings: Settings, token: str) -> int:
    serializer = URLSafeTimedSerializer(str(settings.secret_key), salt=CONFIRM_SALT)
    try:
        data = serializer.loads(token[:MAX_TOKEN], max_age=int(CONFIRM_FOR.total_seconds()))
    except SignatureExpired:
        raise TokenProblem(expired=True) from None
    except BadSignature:
        raise TokenProblem(expired=False) from None
    return _id(data)


def manage_token(settings: Settings, job_id: int) -> str:
    return URLSafeSerializer(str(settings.secret_key), salt=MANAGE_SALT).dumps({"id": job_id})


def read_manage_token(settings: Settings, token: str) -> int:
    try:
        data = URLSafeSerializer(str(settings.secret_key), salt=MANAGE_SALT).loads(
            token[:MAX_TOKEN]
        )
    except BadSignature:
        raise TokenProblem(expired=False) from None
    return _id(data)


def _url(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def confirm_url(settings: Settings, job_id: int) -> str:
    return _url(settings, f"/jobs/post/confirm/{confirm_token(settings, job_id)}")


def manage_path(settings: Settings, job_id: int) -> str:
    return f"/jobs/manage/{manage_token(settings, job_id)}"


def manage_url(settings: Settings, job_id: int) -> str:
    return _url(settings, manage_path(settings, job_id))
