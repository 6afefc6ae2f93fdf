"""site/ served as a CDN or nginx would serve it.

- A file written with a content hash in its name (``app.3f9c2b1a7d.css``, see
  pafinder.build.hashed_assets) never changes: ``Cache-Control: public, max-age=31536000,
  immutable``. Everything else (HTML, feeds, robots.txt) is ``no-cache``: kept, but checked
  with its ETag each time, so a rebuild shows at once.
- Text files have a ``.gz`` twin written at build time; it is sent to clients that accept gzip,
  with ``Vary: Accept-Encoding`` (nginx does the same with ``gzip_static on``).
- A directory without its slash is a permanent 308, not Starlette's 307.
"""

from __future__ import annotations

import os
import re
from mimetypes import guess_type

from starlette.datastructures import Headers
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASHED = re.compile(r"\.[0-9a-f]{10}\.[a-z0-9]+$")
# Open data any web page may read (the Open Referral UK profile requires it): nginx adds the
# same header to these paths (pafinder.nodes.nginx).
OPEN_PREFIX = "api/oruk/"


class SiteFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if isinstance(response, RedirectResponse) and response.status_code == 307:
            response.status_code = 308
        if path.replace(os.sep, "/").startswith(OPEN_PREFIX):
            response.headers["access-control-allow-origin"] = "*"
        return response

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        request_headers = Headers(scope=scope)
        name = os.fspath(full_path)
        packed = name + ".gz"
        has_twin = os.path.isfile(packed)
        if has_twin and "gzip" in request_headers.get("accept-encoding", ""):
            media_type = guess_type(name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith("javascript"):
                media_type += "; charset=utf-8"
            response = FileResponse(
                packed, status_code=status_code, stat_result=os.stat(packed), media_type=media_type
            )
            response.headers["content-encoding"] = "gzip"
        else:
            response = FileResponse(name, status_code=status_code, stat_result=stat_result)
        if has_twin:
            response.headers["vary"] = "Accept-Encoding"
        response.headers["cache-control"] = IMMUTABLE if HASHED.search(name) else REVALIDATE
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response


def prebuilt(path: str | os.PathLike[str], scope: Scope, media_type: str, cache: str) -> Response:
    """A file of site/ answered by a route rather than the mount (``/events`` without filters):
    its ``.gz`` twin when the client accepts gzip, as the mount and nginx would send it."""
    name = os.fspath(path)
    packed = name + ".gz"
    headers = {"cache-control": cache}
    if not os.path.isfile(packed):
        return FileResponse(name, media_type=media_type, headers=headers)
    headers["vary"] = "Accept-Encoding"
    if "gzip" in Headers(scope=scope).get("accept-encoding", ""):
        headers["content-encoding"] = "gzip"
        return FileResponse(packed, media_type=media_type, headers=headers)
    return FileResponse(name, media_type=media_type, headers=headers)
