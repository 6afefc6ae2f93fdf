"""The small-number rule: 1 to 4 reads "fewer than 5"; and no hidden count can be worked out
from the totals and the cells shown. The second is checked by brute force: for many small
tables, every assignment of values to the hidden cells that fits what is shown is listed, and
each hidden cell must have at least two possible values."""

from __future__ import annotations

import itertools
import random

import pytest

from pafinder.reports.suppression import Sum, suppress
from pafinder.reports.tables import FEWER, SUPPRESSED, Cell, Percent


def _possible_values(
    raw: dict[str, int], shown: dict[str, Cell], sums: list[Sum]
) -> dict[str, set[int]]:
    """For each hidden cell, every value it can take in some assignment that fits the shown
    cells, the rule's ranges and every sum."""
    hidden = [k for k, v in shown.items() if v in (FEWER, SUPPRESSED)]
    # No cell of these tables exceeds the largest total, so a secondary one is tried up to
    # a little past it: enough to find a second value for any cell that has one.
    ceiling = max(raw.values()) + 3
    ranges = [range(1, 5) if shown[k] == FEWER else range(5, ceiling) for k in hidden]
    possible: dict[str, set[int]] = {k: set() for k in hidden}
    for values in itertools.product(*ranges):
        guess = {**{k: v for k, v in raw.items() if k not in hidden}, **dict(zip(hidden, values))}
        if all(guess[s.total] == sum(guess[p] for p in s.parts) for s in sums):
            for key, value in zip(hidden, values):
                possible[key].add(value)
    return possible


def test_one_to_four_read_fewer_than_5_and_zero_and_five_show() -> None:
    shown = suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": 1234}, [])
    assert shown == {"a": 0, "b": FEWER, "c": FEWER, "d": 5, "e": 1234}


def test_one_small_part_hides_the_smallest_other_part() -> None:
    sums = [Sum("t", ("a", "b", "c"))]
    shown = suppress({"t": 30, "a": 3, "b": 20, "c": 7}, sums)
    assert shown == {"t": 30, "a": FEWER, "b": 20, "c": SUPPRESSED}


def test_two_small_parts_that_could_only_be_four_each_hide_more() -> None:
    # 8 = a + b with both 1 to 4 means both are 4: the total goes too (no non-zero part left).
    sums = [Sum("t", ("a", "b", "c"))]
    shown = suppress({"t": 8, "a": 4, "b": 4, "c": 0}, sums)
    assert shown == {"t": SUPPRESSED, "a": FEWER, "b": FEWER, "c": 0}


def test_a_total_hidden_in_one_table_is_hidden_in_the_others_and_they_are_safe() -> None:
    # The referral total closes two tables; hiding a cell in one must not open the other.
    sums = [Sum("t", ("a", "b")), Sum("t", ("x", "y", "z"))]
    raw = {"t": 8, "a": 4, "b": 4, "x": 3, "y": 5, "z": 0}
    shown = suppress(raw, sums)
    assert shown["t"] == SUPPRESSED and shown["a"] == shown["b"] == shown["x"] == FEWER
    assert all(len(v) > 1 for v in _possible_values(raw, shown, sums).values())


def test_percents_and_missing_figures_pass_through() -> None:
    shown = suppress({"p": Percent(3), "q": None, "n": 2}, [])
    assert shown == {"p": Percent(3), "q": None, "n": FEWER}


@pytest.mark.parametrize("seed", range(6))
def test_no_hidden_cell_can_be_worked_out_in_random_linked_tables(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(150):
        # Two tables sharing a total, as sources and first contacts share the referral total.
        first = [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9]) for _ in range(3)]
        total = sum(first)
        second = [0, 0]
        for _ in range(total):
            second[rng.randrange(2)] += 1
        raw = {"t": total, "a": first[0], "b": first[1], "c": first[2]}
        raw |= {"x": second[0], "y": second[1]}
        sums = [Sum("t", ("a", "b", "c")), Sum("t", ("x", "y"))]
        shown = suppress(raw, sums)
        assert all(shown[k] == raw[k] for k in raw if shown[k] not in (FEWER, SUPPRESSED))
        assert all(shown[k] == FEWER for k in raw if 0 < raw[k] < 5)
        for key, values in _possible_values(raw, shown, sums).items():
            assert raw[key] in values
            assert len(values) > 1, (raw, shown, key)
            checked += 1
    assert checked > 0
