"""What the accessible-formats feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.formats.routes import routes

FEATURE = Feature(
    name="formats",
    routes=routes,
    staff_links=[
        (
            "/staff/format-requests",
            "Requests for other formats",
            "People asking for our information as audio, Braille, BSL, large print, Easy Read "
            "or in another language.",
        ),
    ],
)
