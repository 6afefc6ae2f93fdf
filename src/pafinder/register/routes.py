"""Every route of the PA Finder, gathered from its journeys."""

from starlette.routing import BaseRoute

from pafinder.register import (
    api_routes,
    find_routes,
    journey_routes,
    manage_routes,
    moderation_routes,
)

routes: list[BaseRoute] = [
    *api_routes.routes,
    *journey_routes.routes,
    *manage_routes.routes,
    *find_routes.routes,
    *moderation_routes.routes,
]
