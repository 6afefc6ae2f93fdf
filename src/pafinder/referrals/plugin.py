"""What the referrals feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.referrals.routes import routes

FEATURE = Feature(name="referrals", routes=routes)
