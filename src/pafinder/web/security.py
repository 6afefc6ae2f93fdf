"""Security headers on every response, and the CSRF tokens that web/csrf.py checks on every
state-changing request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(script_hashes: Iterable[str]) -> str:
    # No 'unsafe-inline' anywhere: the one inline script (GOV.UK's js-enabled class) is allowed by
    # its hash, and no third party is ever contacted.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(csp: str, hsts: bool = False) -> list[tuple[bytes, bytes]]:
    """The headers every response carries: from the app, and from nginx for site/ files
    (pafinder.nodes.nginx writes the same list into its configuration)."""
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (
            b"permissions-policy",
            b"camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    """Adds the same security headers to every response, static files included."""

    def __init__(self, app: ASGIApp, csp: str, hsts: bool = False) -> None:
        self.app = app
        self.headers = security_headers(csp, hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.headers if k not in existing
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- CSRF tokens ------------------------------------------------------------------------------
#
# The cookie ``csrftoken`` holds a random id for the browser, nothing else. The token a form
# carries is HMAC(key, browser id + "|" + session binding): it proves the form was served to this
# browser, and (once signed in) to this session. The session binding is ``csrf_bind`` in the
# session, which sign-in and opening a PA's manage link set to a fresh random value, so every token
# changes at sign-in and a token from before it (or from another session) is refused. The session
# middleware sits outside the CSRF middleware, so ``scope["session"]`` is there when it checks; a
# request without a session binds to "".

CSRF_COOKIE = "csrftoken"
SCOPE_KEY = "csrftoken"  # scope[SCOPE_KEY]() returns the token for this request's forms
SESSION_BIND_KEY = "csrf_bind"
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes


def csrf_key(secret: str) -> bytes:
    """The HMAC key for CSRF tokens: derived from the secret key and namespaced, so a value
    signed for another purpose with the same secret can never pass as a CSRF token."""
    return hmac.new(secret.encode(), b"pafinder-csrf-v2", hashlib.sha256).digest()


def new_browser_id() -> str:
    return secrets.token_urlsafe(32)


def valid_browser_id(value: str | None) -> bool:
    return value is not None and _BROWSER_ID.fullmatch(value) is not None


def session_binding(scope: Scope) -> str:
    session = scope.get("session")
    if not isinstance(session, Mapping):
        return ""
    return str(session.get(SESSION_BIND_KEY) or "")


def make_token(key: bytes, browser_id: str, binding: str) -> str:
    # The browser id never contains "|", so the message splits one way only.
    mac = hmac.new(key, f"{browser_id}|{binding}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def token_matches(submitted: str, expected: str) -> bool:
    """Constant-time comparison. Bytes, because ``hmac.compare_digest`` raises TypeError for a
    str with non-ASCII characters, and a stranger chooses what ``submitted`` holds."""
    return hmac.compare_digest(submitted.encode("utf-8"), expected.encode("ascii"))


def csrf_token(scope: Scope) -> str:
    """The token for the hidden ``csrftoken`` form field (sets the cookie if needed)."""
    getter = scope.get(SCOPE_KEY)
    if getter is None:
        raise RuntimeError("CSRF middleware is not installed")
    token: str = getter()
    return token
