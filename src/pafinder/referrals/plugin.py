"""What the referrals feature plugs into the portal (see pafinder.features)."""

from pafinder.features import Feature
from pafinder.referrals import commands, seed
from pafinder.referrals.models import check_content
from pafinder.referrals.routes import routes

FEATURE = Feature(
    name="referrals",
    routes=routes,
    commands=commands.commands,
    publishers=[check_content],
    demo_seeders=[seed.seed_demo],
    staff_links=[
        (
            "/staff/referrals",
            "Referrals",
            "New referrals for every service, most pressing first, with their respond-by dates.",
        ),
        (
            "/staff/exports/referrals.csv",
            "Download referrals (CSV)",
            "Every referral of the services you work on, with its case work, as a spreadsheet.",
        ),
    ],
)
