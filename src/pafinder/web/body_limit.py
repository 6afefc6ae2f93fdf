"""Request bodies the app will not read: too big (413) or compressed (415).

A body over ``max_bytes`` is refused at once when its Content-Length says so, before a byte of it
is read; one without a Content-Length (chunked) is counted as it streams in and refused as soon
as it passes the limit, so no request can make the app buffer more than the limit. A compressed
body (any Content-Encoding but identity) is refused rather than inflated: nothing we serve sends
one, and inflating a stranger's gzip is how a small request becomes a huge one.

It sits outside the CSRF middleware (which reads every form body) and everything else that reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pafinder.web.request_errors import send_error


class BodyTooLarge(Exception):
    """Raised from receive() when a streamed body passes the limit; caught by the middleware."""


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int, pages: Mapping[int, str] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.pages = pages or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"", b"identity"):
            await send_error(self.pages, 415, scope, receive, send)
            return
        declared = headers.get(b"content-length")
        if declared is not None and not _within(declared, self.max_bytes):
            await send_error(self.pages, 413, scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:  # once a response has begun it cannot become a 413: just stop
                await send_error(self.pages, 413, scope, receive, send)


def _within(declared: bytes, limit: int) -> bool:
    """A Content-Length of ASCII digits no greater than the limit. Anything else (a sign, a
    list, 30 digits) is treated as too big rather than parsed: the server would refuse it
    anyway, and int() on it is not something to trust."""
    text = declared.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 15:
        return False
    return int(text) <= limit
