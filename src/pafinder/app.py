"""create_app(settings) -> Starlette: mounts every feature's routes, then serves site/ as static
files for everything else, so a production host can serve site/ from nginx or a CDN unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount

from pafinder.build import site_globals
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events.publish import catch_up as events_catch_up
from pafinder.features import all_features
from pafinder.nodes.sync import NodeSync, own_engine
from pafinder.register.index import sync_pa_index
from pafinder.register.text_search import share_the_gil_sooner
from pafinder.settings import Settings
from pafinder.staff.accounts_routes import routes as account_routes
from pafinder.staff.auth import dummy_hash
from pafinder.staff.routes import routes as staff_routes
from pafinder.web.body_limit import BodyLimitMiddleware
from pafinder.web.compression import CompressMiddleware
from pafinder.web.core_routes import routes as core_routes
from pafinder.web.csrf import CSRFMiddleware
from pafinder.web.nul_bytes import RefuseNulMiddleware
from pafinder.web.ratelimit import RateLimiter
from pafinder.web.request_errors import REQUEST_ERRORS
from pafinder.web.security import SecurityHeadersMiddleware, content_security_policy
from pafinder.web.sessions import Limits, SessionMiddleware
from pafinder.web.static import SiteFiles
from pafinder.web.templating import inline_script_hashes, make_environment

SESSION_COOKIE = "pafinder_session"  # pafinder.web.sessions.COOKIE


def all_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [*core_routes, *staff_routes, *account_routes]
    for feature in all_features():
        routes.extend(feature.routes)
    return routes


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    state = app.state
    # Other nodes' changes reach this one's index and site/ (pafinder.nodes.sync).
    engine = own_engine(state.engine)
    node_sync = NodeSync(
        engine,
        [
            partial(sync_pa_index, engine, state.settings),
            partial(events_catch_up, engine, state.settings, state.content, state.templates),
        ],
        interval=state.settings.sync_seconds,
    )
    node_sync.start()
    try:
        yield
    finally:
        node_sync.stop()
        if engine is not state.engine:
            engine.dispose()
        # PostgreSQL connections stay pooled while the server runs: close them when it stops.
        state.engine.dispose()


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    dummy_hash()  # before the first sign-in, so an unknown email is never the slow one
    share_the_gil_sooner()  # word searches run in threads: let the event loop in between
    content = load_content(settings.content_dir)
    templates = make_environment(site_globals(content), auto_reload=settings.env == "development")
    secret = str(settings.secret_key)

    settings.site_dir.mkdir(parents=True, exist_ok=True)
    routes = all_routes()
    request_pages = {code: _error_page(templates, *text) for code, text in REQUEST_ERRORS.items()}
    app = Starlette(
        routes=[
            *routes,
            Mount("/", SiteFiles(directory=settings.site_dir, html=True, check_dir=False)),
        ],
        middleware=[
            # Outermost, so it sees the finished response (pafinder.web.compression says what
            # it leaves alone, and why).
            Middleware(CompressMiddleware),
            Middleware(
                SecurityHeadersMiddleware,
                csp=content_security_policy(inline_script_hashes(templates)),
                hsts=settings.production,
            ),
            # Before anything reads a body (or a session): too big is 413, compressed is 415.
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, pages=request_pages),
            # A NUL in a path or query would reach PostgreSQL, which refuses it: 404 or 400.
            Middleware(RefuseNulMiddleware, pages=request_pages),
            # Outside CSRF, so scope["session"] (and its csrf_bind) exists when CSRF runs.
            Middleware(
                SessionMiddleware,
                limits=Limits(
                    staff_idle=timedelta(minutes=settings.staff_idle_minutes),
                    staff_max=timedelta(hours=settings.staff_max_hours),
                ),
                secure=settings.production,
            ),
            Middleware(
                CSRFMiddleware,
                routes=routes,
                secret=secret,
                secure=settings.production,
                pages=request_pages,
                error_page=_error_page(
                    templates,
                    "Your form could not be sent",
                    "This can happen if the page was open for a long time, or your browser "
                    "blocks cookies.",
                    "Nothing was saved. Go back, refresh the page, check your answers and send "
                    "the form again.",
                ),
            ),
        ],
        exception_handlers={500: _server_error},
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.content = content
    app.state.templates = templates
    # Counts live in the database (or Redis), so every worker and restart shares them.
    app.state.limiter = RateLimiter(app.state.engine, settings.redis_url, secret)
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
