"""A throwaway portal for one benchmark size: real content, SQLite file, Whoosh index."""

from __future__ import annotations

import random
from pathlib import Path

from pafinder.content import load_content
from pafinder.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def settings_for(base: Path) -> Settings:
    return Settings.from_env(env_for(base))


def env_for(base: Path) -> dict[str, str]:
    return {
        "PAFINDER_DATA_DIR": str(base / "var"),
        "PAFINDER_CONTENT_DIR": str(CONTENT),
        "PAFINDER_SITE_DIR": str(base / "site"),
        "PAFINDER_INDEX_DIR": str(base / "search_index"),
        "PAFINDER_SECRET_KEY": "benchmark-secret-key-for-pafinder-only",
    }


def queries(count: int = 60, seed: int = 7) -> list[list[tuple[str, str]]]:
    """Three filters each (an area, a task, a DBS level), as an employer would set them."""
    content = load_content(CONTENT)
    rng = random.Random(seed)
    areas = [t.slug for t in content.taxonomies["areas"]]
    tasks = [t.slug for t in content.taxonomies["tasks"]]
    return [
        [("area", rng.choice(areas)), ("task", rng.choice(tasks)),
         ("dbs", rng.choice(["basic", "standard", "enhanced"]))]
        for _ in range(count)
    ]  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
