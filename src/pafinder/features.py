"""What each feature plugs into the portal, so app.py and cli.py never list feature internals.

A feature's ``plugin.py`` exposes ``FEATURE``; adding a feature means adding it to ``all_features``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
from sqlalchemy import Engine
from starlette.routing import BaseRoute

from pafinder.build import Publisher
from pafinder.content import Content
from pafinder.settings import Settings

# (engine, settings, content) -> a line for the console saying what was seeded
DemoSeeder = Callable[[Engine, Settings, Content], str]
# (engine, settings, progress callback(done, total)) -> number of documents indexed
Reindexer = Callable[[Engine, Settings, Callable[[int, int], Any] | None], int]


@dataclass(frozen=True)
class Feature:
    name: str
    routes: Sequence[BaseRoute] = ()
    commands: Sequence[click.Command] = ()
    publishers: Sequence[Publisher] = ()
    reindexers: Sequence[Reindexer] = ()
    demo_seeders: Sequence[DemoSeeder] = ()
    # Staff home page links: (href, text, description)
    staff_links: Sequence[tuple[str, str, str]] = field(default_factory=tuple)


def all_features() -> list[Feature]:
    from pafinder.alerts.plugin import FEATURE as alerts
    from pafinder.complaints.plugin import FEATURE as complaints
    from pafinder.costs.plugin import FEATURE as costs
    from pafinder.dataprotection.plugin import FEATURE as dataprotection
    from pafinder.events.plugin import FEATURE as events
    from pafinder.feedback.plugin import FEATURE as feedback
    from pafinder.formats.plugin import FEATURE as formats
    from pafinder.jobs.plugin import FEATURE as jobs
    from pafinder.newsletter.plugin import FEATURE as newsletter
    from pafinder.oruk.plugin import FEATURE as oruk
    from pafinder.referrals.plugin import FEATURE as referrals
    from pafinder.register.plugin import FEATURE as register
    from pafinder.reports.plugin import FEATURE as reports

    return [
        alerts,  # first: its /jobs/alerts and /find-a-pa/alerts before {ref} routes
        register,
        referrals,
        events,
        feedback,
        complaints,
        newsletter,
        reports,
        dataprotection,
        oruk,
        jobs,
        costs,
        formats,
    ]


def all_publishers() -> list[Publisher]:
    """Every feature's build publisher, in feature order (what `pafinder build` runs)."""
    return [publish for feature in all_features() for publish in feature.publishers]
