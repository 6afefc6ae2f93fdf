"""Every route of the accessible-formats feature."""

from pafinder.formats.public_routes import routes as public_routes
from pafinder.formats.staff_routes import routes as staff_routes

routes = [*public_routes, *staff_routes]
