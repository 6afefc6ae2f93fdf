"""Shared pieces of the referral journey: finding the service, signed tokens, drafts in the
session, and the values a form is re-shown with."""

from __future__ import annotations

import re
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from pafinder.content import Service
from pafinder.referrals.models import ReferralConfig, referral_config
from pafinder.web.drafts import load_draft, new_draft, save_draft
from pafinder.web.render import render_page

SESSION_KEY = "referral_drafts"
FORM_KEY_MAX_AGE = 3 * 24 * 3600  # a form left open over a weekend can still be sent
CONFIRMATION_MAX_AGE = 30 * 24 * 3600
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NotFound(Exception):
    pass


def service_and_config(request: Request) -> tuple[Service, ReferralConfig]:
    slug = request.path_params["slug"]
    service = request.app.state.content.service(slug)
    config = referral_config(service) if service else None
    if service is None or config is None:
        raise NotFound(slug)
    return service, config


def not_found(request: Request) -> Response:
    return render_page(request, "pages/404.html", status_code=404, title="Page not found")


def draft_kind(slug: str) -> str:
    return f"referral:{slug}"


def _serializer(request: Request, purpose: str) -> URLSafeTimedSerializer:
    secret = str(request.app.state.settings.secret_key)
    return URLSafeTimedSerializer(secret, salt=f"pafinder-referral-{purpose}")


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def sign_form_key(request: Request, slug: str, key: str) -> str:
    return _serializer(request, "form").dumps([slug, key])


def read_form_key(request: Request, slug: str, token: str) -> str | None:
    """The form key from a hidden field, or None when it was changed, expired or is for
    another service's form."""
    try:
        found = _serializer(request, "form").loads(token, max_age=FORM_KEY_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not (isinstance(found, list) and len(found) == 2 and found[0] == slug):
        return None
    return str(found[1])


def confirmation_url(request: Request, slug: str, ref: str) -> str:
    # The reference is signed into the URL so only the person who sent the referral (who was
    # redirected here) can open its confirmation, without needing a cookie.
    return f"/refer/{slug}/confirmation/{_serializer(request, 'confirmation').dumps(ref)}"


def read_confirmation(request: Request, token: str) -> str | None:
    try:
        return str(_serializer(request, "confirmation").loads(token, max_age=CONFIRMATION_MAX_AGE))
    except (BadSignature, SignatureExpired):
        return None


def session_draft_id(request: Request, slug: str) -> str | None:
    drafts = request.session.get(SESSION_KEY)
    value = drafts.get(slug) if isinstance(drafts, dict) else None
    return value if isinstance(value, str) else None


def load_session_draft(request: Request, slug: str) -> tuple[str | None, dict[str, Any] | None]:
    draft_id = session_draft_id(request, slug)
    data = load_draft(request.app.state.engine, draft_id, draft_kind(slug)) if draft_id else None
    return (draft_id, data) if data is not None else (None, None)


def keep_draft(request: Request, slug: str, draft_id: str | None, data: dict[str, Any]) -> str:
    """Save the answers so far on the server; the session cookie carries only the draft id."""
    engine = request.app.state.engine
    if draft_id:
        save_draft(engine, draft_id, draft_kind(slug), data)
    else:
        draft_id = new_draft(engine, draft_kind(slug), data)
    drafts = request.session.get(SESSION_KEY)
    drafts = dict(drafts) if isinstance(drafts, dict) else {}
    drafts[slug] = draft_id
    request.session[SESSION_KEY] = drafts
    return draft_id


def display_values(values: dict[str, Any], date_fields: list[str]) -> dict[str, Any]:
    """Values to re-fill the form with: an ISO date posted in one field (as CONTRACT.md allows
    for date_of_birth) is split into the day, month and year boxes people see."""
    # Control characters cannot be shown in HTML (a NUL makes the page invalid): they are left
    # out of what is re-shown; the error message says why the answer was not accepted.
    shown = {k: CONTROL.sub("", v) if isinstance(v, str) else v for k, v in values.items()}
    for name in date_fields:
        match = ISO.match(str(shown.get(name, "")))
        if match and not any(shown.get(f"{name}-{p}") for p in ("day", "month", "year")):
            shown[f"{name}-year"], shown[f"{name}-month"], shown[f"{name}-day"] = match.groups()
        elif shown.get(name) and not shown.get(f"{name}-year"):
            shown[f"{name}-year"] = shown[name]  # not a date at all: keep it visible to correct
    return shown


def error_items(
    errors: dict[str, str], order: list[str], date_fields: list[str]
) -> list[dict[str, str]]:
    """GOV.UK error summary items; a date links to its day box."""
    ordered = [f for f in order if f in errors] + [f for f in errors if f not in order]
    return [
        {"text": errors[f], "href": f"#{f}-day" if f in date_fields else f"#{f}"} for f in ordered
    ]
