"""What the Open Referral UK feed plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.oruk import publish
from pafinder.oruk.routes import routes

FEATURE = Feature(name="oruk", routes=routes, publishers=[publish.publisher])
