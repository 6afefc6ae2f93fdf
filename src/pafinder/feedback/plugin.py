"""What the feedback feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.feedback.routes import routes

FEATURE = Feature(
    name="feedback",
    routes=routes,
    staff_links=[
        (
            "/staff/feedback",
            "Feedback",
            "What people said on each service's anonymous feedback form, against the 75% target.",
        ),
    ],
)
