"""What alerts plug into the portal (see pafinder.features). Listed before the register and jobs
features, so /find-a-pa/alerts and /jobs/alerts are not read as a PA or advert reference."""

from pafinder.alerts import commands, routes, tables  # noqa: F401 - the tables join the metadata
from pafinder.features import Feature

FEATURE = Feature(name="alerts", routes=routes.routes, commands=commands.commands)
