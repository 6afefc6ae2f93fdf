"""Routes for the reports feature."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
