"""Every feedback route: the public form and the staff results."""

from starlette.routing import BaseRoute

from pafinder.feedback import public_routes, staff_routes

routes: list[BaseRoute] = [*public_routes.routes, *staff_routes.routes]
