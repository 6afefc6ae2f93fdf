"""Routes for the referrals feature."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
