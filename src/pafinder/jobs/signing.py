"""Signed links for job adverts: the email confirmation and the employer's management link.

Links carry only the advert row's id, signed with the app's secret key (itsdangerous), each
purpose with its own salt so one can never be replayed as the other. The confirmation lasts
CONFIRM_FOR (unconfirmed adverts are deleted by purge once it has passed); the management link
never expires while the advert exists, because it sits in every email the employer may reopen
weeks later, and row ids are never reused (tables.py: sqlite_autoincrement).
"""

from __future__ import annotations

from datetime import timedelta

from pafinder.settings import Settings
from pafinder.web import signed
from pafinder.web.signed import TokenProblem

__all__ = ["TokenProblem"]

CONFIRM_SALT = "job-confirm"
MANAGE_SALT = "job-manage"
CONFIRM_FOR = timedelta(days=7)


def confirm_token(settings: Settings, job_id: int) -> str:
    return signed.dump_id(settings, CONFIRM_SALT, job_id, timed=True)


def read_confirm_token(settings: Settings, token: str) -> int:
    return signed.load_id(settings, CONFIRM_SALT, token, CONFIRM_FOR)


def manage_token(settings: Settings, job_id: int) -> str:
    return signed.dump_id(settings, MANAGE_SALT, job_id, timed=False)


def read_manage_token(settings: Settings, token: str) -> int:
    return signed.load_id(settings, MANAGE_SALT, token)


def _url(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def confirm_url(settings: Settings, job_id: int) -> str:
    return _url(settings, f"/jobs/post/confirm/{confirm_token(settings, job_id)}")


def manage_path(settings: Settings, job_id: int) -> str:
    return f"/jobs/manage/{manage_token(settings, job_id)}"


def manage_url(settings: Settings, job_id: int) -> str:
    return _url(settings, manage_path(settings, job_id))
