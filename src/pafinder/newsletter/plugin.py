"""What the newsletter feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.newsletter import commands, routes, staff_routes

FEATURE = Feature(
    name="newsletter",
    routes=[*routes.routes, *staff_routes.routes],
    commands=commands.commands,
    staff_links=[
        (
            "/staff/newsletter",
            "Newsletter",
            "How many people are on the newsletter list, and download the list.",
        ),
    ],
)
