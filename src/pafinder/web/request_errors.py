"""The pages for requests refused before any route sees them (a body that cannot be read, is too
big or is sent in a form we do not accept), so even a hostile request gets a plain answer and
never a 500. app.py renders them once with the site's layout and hands them to the middleware."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

# Paths whose clients are programs (pafinder.web.openapi describes them): errors come as JSON.
API_PREFIX = "/api/"
# status -> (title, paragraphs...): GOV.UK style, saying what happened and what to do.
REQUEST_ERRORS: dict[int, tuple[str, ...]] = {
    400: (
        "Your form could not be read",
        "Something in the form could not be read, so nothing was saved.",
        "Go back, check your answers and send the form again.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct.",
        "If you pasted the web address, check you copied the entire address.",
    ),
    413: (
        "Your form is too big to send",
        "Nothing was saved.",
        "Go back, make your answers shorter and send the form again.",
    ),
    415: (
        "Your form could not be sent",
        "The form was not sent in a way this website accepts, so nothing was saved.",
        "Go back to the form on this website and send it from there.",
    ),
}

API_MESSAGES = {
    400: "The request could not be read",
    404: "Page not found",
    413: "The request body is too large",
    415: "The request body is compressed or of a type not accepted",
}


async def send_error(
    pages: Mapping[int, str],
    status: int,
    scope: Scope,
    receive: Receive,
    send: Send,
    errors: Mapping[str, str] | None = None,
) -> None:
    """The error page; under /api/ the JSON the API's description promises instead (a 400 as
    ``{"errors": {parameter: message}}``, anything else as ``{"error": message}``), since an
    API client cannot read a page. ``errors`` names the parameters at fault, when known."""
    # no-store: an error page answers one request and must never be served from a cache.
    headers = {"cache-control": "no-store"}
    response: Response
    if str(scope.get("path", "")).startswith(API_PREFIX):
        message = API_MESSAGES[status]
        body: dict[str, object] = (
            {"errors": dict(errors or {"request": message})}
            if status == 400
            else {"error": message}
        )
        response = JSONResponse(body, status_code=status, headers=headers)
    else:
        page = pages.get(status) or REQUEST_ERRORS[status][0]
        response = HTMLResponse(page, status_code=status, headers=headers)
    await response(scope, receive, send)
