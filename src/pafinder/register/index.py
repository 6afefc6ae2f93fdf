"""Placeholder for the PA search index (issue 3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from pafinder.settings import Settings


def rebuild_pa_index(
    engine: Engine, settings: Settings, progress: Callable[[int, int], Any] | None = None
) -> int:
    """Rebuild the PA index from the database; returns the number of listings indexed."""
    return 0


def refresh_pa(engine: Engine, settings: Settings, pa_id: int) -> None:
    """After a committed change to one PA: re-index it if searchable, else remove it at once."""
