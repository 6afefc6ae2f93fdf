"""CSRF on every state-changing request, and a kind answer when it refuses one.

Our own middleware (it replaced asgi-csrf 0.11, which skipped the check for any request with an
``Authorization: Bearer`` header, tied the token to nothing but its cookie, and crashed on
multipart bodies and non-ASCII tokens). The token is made and compared in security.py.

Every request that is not GET, HEAD, OPTIONS or TRACE must carry a valid ``csrftoken`` form
field, whatever its headers say and whether or not it has cookies; otherwise it is refused with
403 and never reaches a route. Our forms are all ``application/x-www-form-urlencoded`` (nothing
uploads files), so that is the one body accepted: multipart and any other type get 415, rather
than a second parser whose differences from the first could hide a field. A body that is not
UTF-8 gets 400. The body is read once, checked, and handed to the route re-encoded as plain
ASCII, so the route reads exactly the fields that were checked. Its size is bounded by
BodyLimitMiddleware, which sits outside this one.

A refused POST is never processed. By default the person gets a page saying nothing was saved.
A form route can do better by declaring ``@rerender_on_csrf_failure(show_form)``: ``show_form``
gets a request carrying the refused POST's body (and no session) and re-shows the form with
everything typed and a message, with a fresh token, so the person can send it again. It must
only render: the request was not authorised to change anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pafinder.web import one_click as one_click_form
from pafinder.web.nul_bytes import has_nul
from pafinder.web.request_errors import send_error
from pafinder.web.security import (
    CSRF_COOKIE,
    SCOPE_KEY,
    csrf_key,
    make_token,
    new_browser_id,
    session_binding,
    token_matches,
    valid_browser_id,
)

BODY_KEY = "pafinder.form_body"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPE = b"application/x-www-form-urlencoded"
MAX_FIELDS = 1000  # more than any of our forms has; parse_qsl refuses past it
EXPIRED_MESSAGE = (
    "This form had expired, so your answers have not been sent yet. "
    "Check them, then send the form again"
)

Rerender = Callable[[Request], Awaitable[Response]]
Endpoint = Callable[..., Any]


def rerender_on_csrf_failure(rerender: Rerender) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        endpoint.csrf_rerender = rerender  # type: ignore[attr-defined]
        return endpoint

    return decorate


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class _Browser:
    """This request's browser id (from the cookie, or a new one) and its token; sets the cookie
    on the response when a token was handed out for a browser that had no valid cookie."""

    def __init__(self, scope: Scope, key: bytes, secure: bool) -> None:
        cookie = _cookies(scope).get(CSRF_COOKIE)
        self.known = valid_browser_id(cookie)  # a malformed cookie counts as none: replaced
        self.id = cookie if cookie is not None and self.known else new_browser_id()
        self.key = key
        self.secure = secure
        self.handed_out = False
        self.scope = scope

    def token(self) -> str:
        """What templates put in the hidden field. Reads the session binding when called, so a
        page rendered after sign-in in the same request gets the new session's token."""
        self.handed_out = True
        return make_token(self.key, self.id, session_binding(self.scope))

    def accepts(self, submitted: str) -> bool:
        expected = make_token(self.key, self.id, session_binding(self.scope))
        # Always compare (constant time), then also require a cookie we did not just invent.
        return token_matches(submitted, expected) and self.known

    def wrap(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and self.handed_out:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                vary = [v for k, v in message.get("headers", []) if k.lower() == b"vary"]
                # The page holds a per-browser token: no shared cache may serve it to another.
                headers.append((b"vary", b", ".join([*vary, b"Cookie"])))
                if not self.known:
                    headers.append((b"set-cookie", self._cookie()))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    def _cookie(self) -> bytes:
        # A browser-session cookie (no Max-Age). HttpOnly: no script needs it, the token is in
        # the form.
        attrs = [f"{CSRF_COOKIE}={self.id}", "Path=/", "SameSite=Lax", "HttpOnly"]
        if self.secure:
            attrs.append("Secure")
        return "; ".join(attrs).encode("ascii")


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        secret: str,
        secure: bool,
        error_page: str,
        routes: list[BaseRoute],
        pages: Mapping[int, str] | None = None,
    ) -> None:
        self.app = app
        self.key = csrf_key(secret)
        self.secure = secure
        self.error_page = error_page
        self.routes = routes
        self.pages = pages or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inner: dict[str, Any] = {**scope}
        browser = _Browser(inner, self.key, self.secure)
        inner[SCOPE_KEY] = browser.token
        send = browser.wrap(send)
        if scope["method"] in SAFE_METHODS:
            await self.app(inner, receive, send)
            return

        content_type = _header(scope, b"content-type").split(b";", 1)[0].strip().lower()
        # RFC 8058 one-click unsubscribe may come as multipart: read it, on that route only.
        one_click = content_type == one_click_form.MULTIPART and self._one_click_route(inner)
        if content_type not in (FORM_TYPE, b"") and not one_click:
            await send_error(self.pages, 415, inner, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away before sending it all: nobody to answer
            return
        if one_click:
            if not one_click_form.is_one_click_multipart(_header(scope, b"content-type"), body):
                await send_error(self.pages, 415, inner, receive, send)
                return
            body = b"=".join(part.encode() for part in one_click_form.FIELD)
        fields = _parse_form(body)
        if fields is None:
            await send_error(self.pages, 400, inner, receive, send)
            return
        canonical = urlencode(fields).encode("ascii")
        inner[BODY_KEY] = canonical
        inner["headers"] = [
            *[(k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")],
            (b"content-type", FORM_TYPE),
            (b"content-length", str(len(canonical)).encode("ascii")),
        ]
        submitted = next((v for k, v in fields if k == "csrftoken"), "")
        # The one exemption (see pafinder.web.one_click for why it is safe): a mail client's
        # RFC 8058 one-click unsubscribe, which has no cookie and so no token, and whose body
        # is exactly List-Unsubscribe=One-Click, to a route marked for it. Any other field (a
        # token included) means an ordinary form POST, checked as every other.
        exempt = fields == [one_click_form.FIELD] and self._one_click_route(inner)
        if not exempt and not browser.accepts(submitted):
            await self.refused(inner, send)
            return
        await self.app(inner, _replay(canonical), send)

    async def refused(self, scope: Scope, send: Send) -> None:
        rerender, params = self._rerender_for(scope)
        body = scope.get(BODY_KEY)
        if rerender is not None and body is not None:
            request = Request({**scope, "path_params": params, "session": {}}, _replay(body))
            response = await rerender(request)
        else:
            response = HTMLResponse(self.error_page, status_code=403)
        response.status_code = 403
        response.headers["cache-control"] = "no-store"
        await response({**scope, "type": "http"}, _replay(b""), send)

    def _one_click_route(self, scope: Scope) -> bool:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return one_click_form.is_marked(getattr(route, "endpoint", None))
        return False

    def _rerender_for(self, scope: Scope) -> tuple[Rerender | None, dict[str, Any]]:
        for route in self.routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                endpoint = getattr(route, "endpoint", None)
                return getattr(endpoint, "csrf_rerender", None), child.get("path_params", {})
        return None, {}


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return b""


def _cookies(scope: Scope) -> dict[str, str]:
    # latin-1 maps every byte, so a cookie with any bytes in it parses (and fails validation)
    # instead of raising.
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"cookie"]
    return cookie_parser("; ".join(values)) if values else {}


def _parse_form(body: bytes) -> list[tuple[str, str]] | None:
    """The form's fields in order, or None if it is not UTF-8 (raw or percent-encoded) or has
    more than MAX_FIELDS fields."""
    try:
        fields = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:  # UnicodeDecodeError is a ValueError too
        return None
    # No one can type a NUL into a browser's form (browsers drop it), it is an HTML parse error
    # when a form is shown again, and PostgreSQL refuses it in text: only a script sends one.
    if any(has_nul(key) or has_nul(value) for key, value in fields):
        return None
    return fields


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body (BodyLimitMiddleware bounds its size), or None if the client left."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)
