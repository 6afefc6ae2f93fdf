"""The pages for requests refused before any route sees them (a body that cannot be read, is too
big or is sent in a form we do not accept), so even a hostile request gets a plain answer and
never a 500. app.py renders them once with the site's layout and hands them to the middleware."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

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


async def send_error(
    pages: Mapping[int, str], status: int, scope: Scope, receive: Receive, send: Send
) -> None:
    # no-store: an error page answers one request and must never be served from a cache.
    page = pages.get(status) or REQUEST_ERRORS[status][0]
    response = HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})
    await response(scope, receive, send)
