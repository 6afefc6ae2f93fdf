"""What the reports feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.reports.routes import routes

FEATURE = Feature(name="reports", routes=routes)
