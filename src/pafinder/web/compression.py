"""gzip for dynamic text responses, except where compression could leak a secret.

BREACH: a page that holds a secret (our CSRF token is the same in every page of a session) and
reflects something an attacker chose (a search word) lets the attacker read the secret from
compressed sizes. So a response is never compressed when its page holds a CSRF token
(``render_page`` marks it with ``NO_COMPRESS``, removed here before it leaves), nor anything
under /staff/ (personal data beside filters a link can set). What remains (search results,
profiles, the API, feeds) carries nothing an attacker could want to read that way.

Static files are compressed at build time instead (pafinder.web.static), so this never spends
CPU on them.
"""

from __future__ import annotations

import gzip

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_COMPRESS = "x-pafinder-no-compress"
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "image/svg+xml",
    "application/vnd.oai.openapi",
)
MINIMUM_SIZE = 500  # below this gzip's header costs more than it saves
PRIVATE_PREFIXES = ("/staff/", "/staff")


def compressible(media_type: str) -> bool:
    return media_type.startswith(COMPRESSIBLE)


class CompressMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepts = "gzip" in Headers(scope=scope).get("accept-encoding", "")
        private = str(scope.get("path", "")).startswith(PRIVATE_PREFIXES)
        start: Message | None = None
        passing = False

        async def send_maybe_compressed(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message.setdefault("headers", []))
                secret = NO_COMPRESS in headers
                if secret:
                    del headers[NO_COMPRESS]
                media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
                if not compressible(media_type) or "content-encoding" in headers:
                    passing = True
                else:
                    headers.add_vary_header("Accept-Encoding")
                    passing = (
                        secret or private or not accepts or message["status"] in (204, 206, 304)
                    )
                if passing:
                    await send(message)
                else:
                    start = message
                return
            if passing or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            first, start = start, None
            if message.get("more_body", False) or len(body) < self.minimum_size:
                # Streamed (a file, a long export) or too small: sent as it is.
                passing = True
                await send(first)
                await send(message)
                return
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            headers = MutableHeaders(raw=first["headers"])
            headers["content-encoding"] = "gzip"
            headers["content-length"] = str(len(packed))
            if "etag" in headers:  # a different body needs a different tag
                headers["etag"] = headers["etag"].rstrip('"') + '-gzip"'
            await send(first)
            await send({"type": "http.response.body", "body": packed})

        await self.app(scope, receive, send_maybe_compressed)
