"""Every route of the complaints feature."""

from pafinder.complaints.public_routes import routes as public_routes
from pafinder.complaints.staff_routes import routes as staff_routes

routes = [*public_routes, *staff_routes]
