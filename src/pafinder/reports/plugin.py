"""What the returns feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.reports.commands import commands
from pafinder.reports.returns import check_content
from pafinder.reports.routes import routes

FEATURE = Feature(
    name="reports",
    routes=routes,
    commands=commands,
    publishers=[check_content],
    staff_links=[
        (
            "/staff/reports",
            "Returns",
            "The quarterly and monthly figures each service sends the council, with charts, "
            "and downloads as CSV or a spreadsheet.",
        ),
    ],
)
