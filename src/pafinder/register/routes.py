"""Routes for the register feature."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
