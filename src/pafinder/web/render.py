"""Render a dynamic page with the same layout and globals as the static build."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from pafinder.web.compression import NO_COMPRESS
from pafinder.web.security import csrf_token


def render_page(
    request: Request,
    template: str,
    status_code: int = 200,
    private: bool = True,
    **context: Any,
) -> HTMLResponse:
    """``private`` pages (forms, profiles, staff) are never cached by browsers or proxies."""
    env = request.app.state.templates
    # A function, not a value: asking for the token sets the CSRF cookie, so only pages with a
    # POST form set it and public pages stay cookie-free.
    asked: list[bool] = []

    def token() -> str:
        asked.append(True)
        return csrf_token(request.scope)

    context.setdefault("csrf_token", token)
    context.setdefault("staff", getattr(request.state, "staff", None))
    html = env.get_template(template).render(request=request, **context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["cache-control"] = "no-store" if private else "public, max-age=60"
    if asked:  # a page holding the CSRF token is never compressed (BREACH)
        response.headers[NO_COMPRESS] = "1"
    return response
