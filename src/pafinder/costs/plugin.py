"""What the cost calculator plugs into the portal (see pafinder.features)."""

from pafinder.costs import routes
from pafinder.features import Feature

FEATURE = Feature(name="costs", routes=routes.routes)
