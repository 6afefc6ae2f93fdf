"""The small-number rule for returns, as NHS and DfE statistics apply it.

Primary: a count of 1 to 4 shows as "fewer than 5" (0 shows: it points at nobody).

Secondary: a table's total is the sum of its parts, so one hidden part could be worked out
from the total and the others. We work out what a reader could: the range each hidden cell can
take (a primary one is 1 to 4, a secondary one at least 5), narrowed by every sum it is in, all
sums together, because one cell sits in several (the referral total closes the sources, the
first contacts, the months and the districts). Where a range is one number the cell is not
hidden at all, so the smallest non-zero part still shown beside it is hidden too
("suppressed"), or a total when no part is left; and that repeats until no cell can be pinned.

Not covered: differencing between returns (this quarter against the year to date, or two
overlapping date ranges). Commissioners get the year to date and each quarter, as they ask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pafinder.reports.tables import FEWER, SUPPRESSED, Cell, Percent

SMALL = 5
UNBOUNDED = 10**12  # a secondary cell's highest possible value: no bound but the total
MAX_PASSES = 200  # narrowing converges in a few passes on a return's tables; this is a stop


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts`` (keys of the figures)."""

    total: str
    parts: tuple[str, ...]


def _rule_bounds(value: int, shown: Cell) -> tuple[int, int]:
    """What a reader knows of a cell from the rule alone."""
    if shown == FEWER:
        return 1, SMALL - 1
    if shown == SUPPRESSED:
        return SMALL, UNBOUNDED
    return value, value


def narrowest(
    raw: Mapping[str, int], shown: Mapping[str, Cell], sums: Sequence[Sum]
) -> dict[str, tuple[int, int]]:
    """The range a reader can narrow each cell to, using every sum together: each sum bounds
    each of its cells by the others' ranges, over and over until nothing narrows (a total that
    one table bounds from above and another from below can be pinned to one number)."""
    bounds = {key: _rule_bounds(raw[key], shown[key]) for key in raw}
    for _ in range(MAX_PASSES):
        narrowed = False
        for group in sums:
            # The sum as parts minus total = 0, each cell with its sign.
            signed = [(1, key) for key in group.parts] + [(-1, group.total)]
            low_sum = sum(
                b[0] if sign > 0 else -b[1] for sign, b in ((s, bounds[k]) for s, k in signed)
            )
            high_sum = sum(
                b[1] if sign > 0 else -b[0] for sign, b in ((s, bounds[k]) for s, k in signed)
            )
            for sign, key in signed:
                low, high = bounds[key]
                if low == high:
                    continue
                mine_low, mine_high = (low, high) if sign > 0 else (-high, -low)
                # sign * value = -(the others), and the others lie in [low_sum - mine_low, ...].
                others_low, others_high = low_sum - mine_low, high_sum - mine_high
                new_low, new_high = sorted((-others_high * sign, -others_low * sign))
                tightened = (max(low, new_low), min(high, new_high))
                if tightened != (low, high) and tightened[0] <= tightened[1]:
                    bounds[key] = tightened
                    narrowed = True
        if not narrowed:
            break
    return bounds


def _given_away(
    raw: Mapping[str, int], shown: Mapping[str, Cell], sums: Sequence[Sum]
) -> list[str]:
    bounds = narrowest(raw, shown, sums)
    hidden = [k for k, v in shown.items() if v in (FEWER, SUPPRESSED) and k in bounds]
    return [k for k in hidden if bounds[k][0] == bounds[k][1]]


def suppress(raw: Mapping[str, int | Percent | None], sums: Sequence[Sum]) -> dict[str, Cell]:
    """The figures as the return shows them. Percents and missing figures pass through; the
    caller decides a percent of few answers (see pafinder.reports.returns)."""
    shown: dict[str, Cell] = {}
    for key, value in raw.items():
        if isinstance(value, int) and 0 < value < SMALL:
            shown[key] = FEWER
        else:
            shown[key] = value
    counts = {k: v for k, v in raw.items() if isinstance(v, int)}
    in_sums = [s for s in sums if s.total in counts and all(p in counts for p in s.parts)]
    stuck: set[str] = set()
    while True:
        open_cells = [k for k in _given_away(counts, shown, in_sums) if k not in stuck]
        if not open_cells:
            return shown
        key = open_cells[0]
        mine = [s for s in in_sums if key == s.total or key in s.parts]
        candidates = [p for s in mine for p in s.parts if shown[p] not in (FEWER, SUPPRESSED, 0)]
        totals = [s.total for s in mine if shown[s.total] not in (FEWER, SUPPRESSED, 0)]
        if candidates:
            shown[min(candidates, key=lambda k: counts[k])] = SUPPRESSED
        elif totals:
            shown[totals[0]] = SUPPRESSED
        else:
            stuck.add(key)  # nothing left to hide next to it: every cell is hidden or zero
