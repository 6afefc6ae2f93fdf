"""Refuse a NUL character anywhere a request can carry text to the database.

No address, query or form we serve has a use for U+0000, and PostgreSQL refuses it in any text
value ("A string literal cannot contain NUL"), so a stranger's ``%00`` in a path id or a search
word would otherwise reach the database and come back as a 500. SQLite accepts it, which is why
only the PostgreSQL run of the hostile-request test found it. Paths and query strings are checked
here, before any route; form bodies in the CSRF middleware, which is where they are parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from pafinder.web.request_errors import send_error

NUL_MESSAGE = "must not contain a NUL character (%00)"


def has_nul(text: str) -> bool:
    return "\x00" in text


def _query_has_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw.lower()


def _names_with_nul(raw: bytes) -> list[str]:
    """The query parameters holding a NUL (in the name or the value), for the API's answer."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
    names = [name for name, value in pairs if has_nul(name) or has_nul(value)]
    return list(dict.fromkeys(n[:40] for n in names))  # a stranger's name, shortened


class RefuseNulMiddleware:
    """A NUL in the path is a page that cannot exist (404); in the query string, a request we
    cannot read (400)."""

    def __init__(self, app: ASGIApp, pages: Mapping[int, str] | None = None) -> None:
        self.app = app
        self.pages = pages or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if has_nul(scope.get("path", "")):
                await send_error(self.pages, 404, scope, receive, send)
                return
            raw = scope.get("query_string", b"")
            if _query_has_nul(raw):
                errors = dict.fromkeys(_names_with_nul(raw), NUL_MESSAGE)
                await send_error(self.pages, 400, scope, receive, send, errors or None)
                return
        await self.app(scope, receive, send)
