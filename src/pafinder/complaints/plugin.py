"""What the complaints feature plugs into the portal (see pafinder.features)."""

from pafinder.complaints.routes import routes
from pafinder.features import Feature

FEATURE = Feature(
    name="complaints",
    routes=routes,
    staff_links=[
        (
            "/staff/complaints",
            "Complaints, compliments and comments",
            "What people told us about the services you work on, with the theme, action taken "
            "and outcome staff recorded.",
        ),
    ],
)
