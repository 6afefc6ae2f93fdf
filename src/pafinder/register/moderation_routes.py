"""Placeholder: filled in by the register work (issue 3)."""

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
