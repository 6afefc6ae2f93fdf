"""create_app(settings) -> Starlette: mounts every feature's routes, then serves site/ as static
files for everything else, so a production host can serve site/ from nginx or a CDN unchanged."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from pafinder.build import site_globals
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.features import all_features
from pafinder.settings import Settings
from pafinder.staff.routes import routes as staff_routes
from pafinder.web.core_routes import routes as core_routes
from pafinder.web.csrf import CSRFMiddleware
from pafinder.web.ratelimit import RateLimiter
from pafinder.web.security import SecurityHeadersMiddleware, content_security_policy
from pafinder.web.templating import inline_script_hashes, make_environment

SESSION_COOKIE = "pafinder_session"


def all_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [*core_routes, *staff_routes]
    for feature in all_features():
        routes.extend(feature.routes)
    return routes


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    content = load_content(settings.content_dir)
    templates = make_environment(site_globals(content))
    secret = str(settings.secret_key)

    settings.site_dir.mkdir(parents=True, exist_ok=True)
    routes = all_routes()
    app = Starlette(
        routes=[
            *routes,
            Mount("/", StaticFiles(directory=settings.site_dir, html=True, check_dir=False)),
        ],
        middleware=[
            Middleware(
                SecurityHeadersMiddleware,
                csp=content_security_policy(inline_script_hashes(templates)),
                hsts=settings.production,
            ),
            Middleware(
                CSRFMiddleware,
                routes=routes,
                secret=secret,
                secure=settings.production,
                error_page=_error_page(
                    templates,
                    "Your form could not be sent",
                    "This can happen if the page was open for a long time, or your browser "
                    "blocks cookies.",
                    "Nothing was saved. Go back, refresh the page, check your answers and send "
                    "the form again.",
                ),
            ),
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie=SESSION_COOKIE,
                max_age=None,  # a browser-session cookie: gone when the browser closes
                same_site="lax",
                https_only=settings.production,
            ),
        ],
        exception_handlers={500: _server_error},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.content = content
    app.state.templates = templates
    app.state.limiter = RateLimiter(settings.redis_url)
    return app


def _error_page(templates: Any, title: str, *paragraphs: str) -> str:
    page: str = templates.get_template("pages/error.html").render(
        title=title, paragraphs=paragraphs, csrf_token=lambda: ""
    )
    return page


async def _server_error(request: Request, _exc: Exception) -> Response:
    page = _error_page(
        request.app.state.templates,
        "Sorry, there is a problem with the service",
        "Try again later. Anything you had already sent to us is safe.",
    )
    return HTMLResponse(page, status_code=500)
