"""What the PA Finder plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.register import commands, index, lifecycle, seed
from pafinder.register.admin import routes as admin_routes
from pafinder.register.routes import routes

FEATURE = Feature(
    name="register",
    # The register's own staff routes first: '/staff/pas/all' is not a listing reference.
    routes=[*admin_routes.routes, *routes],
    commands=[*commands.commands, *lifecycle.commands],
    reindexers=[index.rebuild_pa_index],
    demo_seeders=[seed.seed_demo],
    staff_links=[
        (
            "/staff/pas",
            "PA listings to check",
            "Verify new and changed PA listings, record DBS checks, publish or reject.",
        ),
        (
            "/staff/pas/all",
            "PA register",
            "Find any PA listing by reference, name or email; take listings down, add notes, "
            "see each listing's history.",
        ),
    ],
)
