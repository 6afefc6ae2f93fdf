"""What the events feature plugs into the portal (see pafinder.features)."""

from pafinder.events import commands, publish, seed
from pafinder.events.routes import routes
from pafinder.features import Feature

FEATURE = Feature(
    name="events",
    routes=routes,
    commands=commands.commands,
    publishers=[publish.publisher],
    demo_seeders=[seed.seed_demo],
    staff_links=[
        (
            "/staff/events",
            "Events and groups",
            "Add, change, copy or cancel events; see bookings and mark attendance.",
        ),
    ],
)
