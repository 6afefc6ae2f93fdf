"""What data protection plugs into the portal (see pafinder.features)."""

from pafinder.dataprotection import commands
from pafinder.dataprotection.routes import routes
from pafinder.features import Feature

FEATURE = Feature(
    name="dataprotection",
    routes=routes,
    commands=commands.commands,
    staff_links=[
        (
            "/staff/data-protection",
            "Subject access and erasure",
            "Administrators: find every record held about a person, give it to them, or erase it.",
        ),
    ],
)
