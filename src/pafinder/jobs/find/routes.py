"""The PA's routes: /jobs, /jobs/{ref}, /api/jobs and replying."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
