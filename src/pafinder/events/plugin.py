"""What the events feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.events.routes import routes

FEATURE = Feature(name="events", routes=routes)
