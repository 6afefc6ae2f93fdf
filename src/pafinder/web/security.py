"""Security middleware: response headers on everything, CSRF on every state-changing request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from asgi_csrf import asgi_csrf
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "csrftoken"


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


class SecurityHeadersMiddleware:
    """Adds the same security headers to every response, static files included."""

    def __init__(self, app: ASGIApp, csp: str, hsts: bool = False) -> None:
        self.app = app
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
        self.headers = headers

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


class _EveryPath:
    """asgi-csrf skips the check for a POST that carries no cookies at all unless the path is in
    ``always_protect``; containing every path makes a POST without a valid token always a 403."""

    def __contains__(self, _path: object) -> bool:
        return True


def csrf_protect(
    app: ASGIApp,
    secret: str,
    secure: bool,
    on_failure: Callable[[Scope, Send, Any], Any],
) -> ASGIApp:
    wrapped: ASGIApp = asgi_csrf(
        app,
        signing_secret=secret,
        signing_namespace="pafinder-csrf",
        always_protect=_EveryPath(),
        cookie_name=CSRF_COOKIE,
        cookie_secure=secure,
        cookie_samesite="Lax",
        send_csrf_failed=on_failure,
    )
    return wrapped


def csrf_token(scope: Scope) -> str:
    """The token for the hidden ``csrftoken`` form field (sets the cookie if needed)."""
    getter = scope.get("csrftoken")
    if getter is None:
        raise RuntimeError("CSRF middleware is not installed")
    token: str = getter()
    return token
