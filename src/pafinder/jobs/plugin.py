"""What job adverts plug into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.jobs import staff_routes, tables  # noqa: F401 - the tables join the metadata
from pafinder.jobs.find import routes as find_routes
from pafinder.jobs.post import routes as post_routes

FEATURE = Feature(
    name="jobs",
    # The posting routes first: '/jobs/post' is not an advert reference.
    routes=[*staff_routes.routes, *post_routes.routes, *find_routes.routes],
    staff_links=[
        (
            "/staff/jobs",
            "Job adverts to check",
            "Publish job adverts employers have written, or return them with a reason.",
        ),
    ],
)
