"""Signed values for alerts: the confirm, unsubscribe and "keep this alert" links, and the
form's start time (the minimum fill time).

Links carry only the row id, signed with the app's secret key, each purpose and kind with its
own salt so no link can be replayed as another. A confirmation link lasts store.CONFIRM_FOR; an
unsubscribe or keep link never expires (it sits in a digest someone may open months later).
"""

from __future__ import annotations

from pafinder.alerts.store import CONFIRM_FOR
from pafinder.settings import Settings
from pafinder.web import signed
from pafinder.web.signed import TokenProblem

__all__ = ["TokenProblem"]

# kind -> the path its links live under
PATHS = {"jobs": "/jobs/alerts", "pas": "/find-a-pa/alerts"}
FORM = "alerts"


def _salt(purpose: str, kind: str) -> str:
    return f"alerts-{purpose}-{kind}"


def token(settings: Settings, purpose: str, kind: str, alert_id: int) -> str:
    return signed.dump_id(settings, _salt(purpose, kind), alert_id, timed=purpose == "confirm")


def read(settings: Settings, purpose: str, kind: str, value: str) -> int:
    """The alert id a link names; TokenProblem when it is expired (confirm only) or not ours."""
    max_age = CONFIRM_FOR if purpose == "confirm" else None
    return signed.load_id(settings, _salt(purpose, kind), value, max_age)


def url(settings: Settings, purpose: str, kind: str, alert_id: int) -> str:
    path = f"{PATHS[kind]}/{purpose}/{token(settings, purpose, kind, alert_id)}"
    return settings.base_url.rstrip("/") + path


def form_started(settings: Settings, at: float | None = None) -> str:
    """A hidden field saying when the form was shown, signed so a robot cannot backdate it."""
    return signed.form_started(settings, FORM, at)


def started_at(settings: Settings, value: str) -> float | None:
    return signed.started_at(settings, FORM, value)
