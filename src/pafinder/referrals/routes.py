"""Every route of the referrals feature, gathered from its journeys."""

from starlette.routing import BaseRoute

from pafinder.referrals import (
    casework_routes,
    checks_routes,
    export_routes,
    form_routes,
    staff_routes,
)
from pafinder.referrals.journey import routes as journey_routes

routes: list[BaseRoute] = [
    *form_routes.routes,
    *journey_routes.routes,
    *staff_routes.routes,
    *casework_routes.routes,
    *checks_routes.routes,
    *export_routes.routes,
]
