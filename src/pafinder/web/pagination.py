"""The GOV.UK pagination component's parameters, for every paged staff list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def govuk_pagination(
    current: int, pages: int, href: Callable[[int], str], label: str
) -> dict[str, Any] | None:
    """First, last and the pages either side of ``current``, with ellipses between; previous
    and next links. None for a single page (the component is then left out)."""
    if pages <= 1:
        return None
    shown = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(shown):
        if i and number - shown[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == current})
    result: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if current > 1:
        result["previous"] = {"href": href(current - 1)}
    if current < pages:
        result["next"] = {"href": href(current + 1)}
    return result
