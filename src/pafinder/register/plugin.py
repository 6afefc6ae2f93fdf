"""What the register feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.register.routes import routes

FEATURE = Feature(name="register", routes=routes)
