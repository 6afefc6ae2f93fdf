"""Staff routes for job adverts: /staff/jobs, publish or return with a reason."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
