"""Placeholder: synthetic and demo PA listings (issue 3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from pafinder.content import Content
from pafinder.settings import Settings


def seed_pas(
    engine: Engine, settings: Settings, count: int, random_seed: int,
    progress: Callable[[int, int], Any] | None = None,
) -> None:
    raise NotImplementedError("seed_pas is built by issue 3")


def seed_demo(engine: Engine, settings: Settings, content: Content) -> str:
    return "PA listings: not yet available"
