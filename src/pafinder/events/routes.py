"""Routes for the events feature: public (listing, API, booking) and staff."""

from starlette.routing import BaseRoute

from pafinder.events.attendance_routes import routes as attendance_routes
from pafinder.events.public_routes import routes as public_routes
from pafinder.events.staff_routes import routes as staff_routes

routes: list[BaseRoute] = [*public_routes, *staff_routes, *attendance_routes]
