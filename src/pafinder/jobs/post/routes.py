"""The employer's routes: /jobs/post question pages, confirmation and management."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
