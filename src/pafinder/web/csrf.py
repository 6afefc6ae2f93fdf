"""CSRF on every state-changing request (asgi-csrf), and a kind answer when it refuses one.

A refused POST is never processed. By default the person gets a page saying nothing was saved.
A form route can do better by declaring ``@rerender_on_csrf_failure(show_form)``: ``show_form``
gets a request carrying the refused POST's body (and no session) and re-shows the form with
everything typed and a message, with a fresh token, so the person can send it again. It must
only render: the request was not authorised to change anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pafinder.web.security import csrf_protect

BODY_KEY = "pafinder.form_body"
MAX_BUFFERED_BODY = 1_000_000  # larger bodies are refused without a re-shown form
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


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        secret: str,
        secure: bool,
        error_page: str,
        routes: list[BaseRoute],
    ) -> None:
        self.app = csrf_protect(app, secret, secure, self.refused)
        self.error_page = error_page
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and _is_form(scope):
            body = await _read_body(receive)
            if body is not None:
                await self.app({**scope, BODY_KEY: body}, _replay(body), send)
                return
        await self.app(scope, receive, send)

    async def refused(self, scope: Scope, send: Send, _reason: Any) -> None:
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

    def _rerender_for(self, scope: Scope) -> tuple[Rerender | None, dict[str, Any]]:
        for route in self.routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                endpoint = getattr(route, "endpoint", None)
                return getattr(endpoint, "csrf_rerender", None), child.get("path_params", {})
        return None, {}


def _is_form(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            return bool(value.split(b";", 1)[0].strip() == b"application/x-www-form-urlencoded")
    return False


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None past MAX_BUFFERED_BODY (then it cannot be replayed: refuse)."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BUFFERED_BODY:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)
