"""Routes for the events feature."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
