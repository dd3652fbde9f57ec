"""The disclosure policy attacked row by row: no small atom, no suppressed cell pinned down.

The attacker here is independent of :func:`analytics.disclosure.protect_tree`:
a linear programme (SciPy) over the atoms of a row finds the smallest and
largest value each suppressed count can take given the published ones (and
that a null is never 0, and a null ``sent`` is 1 to 4). A suppressed count is
recovered when only one integer fits.
"""

from __future__ import annotations

import math
from datetime import date
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analytics.disclosure import (
    EDGE_TREE,
    Pseudonyms,
    check_research_window,
    margin,
    protect_tree,
    pseudonym,
    tree_with_reasons,
)

REASONS = ("NO_CAPACITY", "NOT_ELIGIBLE")
TREE = tree_with_reasons(EDGE_TREE, REASONS)
NODES = ["sent", "acknowledged", "expired", "accepted", "declined", "redirected", "contacted",
         "completed", *(f"declined_{r}" for r in REASONS)]  # fmt: skip


def _row(atoms: dict[str, int]) -> dict[str, int]:
    """Counts of every set from the sizes of its atoms (set minus its subsets)."""

    def size(node: str) -> int:
        return atoms.get(node, 0) + sum(size(c) for c in TREE.get(node, ()))

    return {n: size(n) for n in NODES}


def _range(published: dict[str, int | None], target: str) -> tuple[float, float]:
    """Smallest and largest value of ``target`` consistent with ``published`` (LP relaxation)."""
    index = {n: i for i, n in enumerate(NODES)}  # one remainder variable per node

    def coefficients(node: str) -> list[float]:
        row = [0.0] * len(NODES)
        stack = [node]
        while stack:
            current = stack.pop()
            row[index[current]] = 1.0
            stack += TREE.get(current, ())
        return row

    equal, values, upper, bounds_up = [], [], [], []
    for node, value in published.items():
        if value is not None:
            equal.append(coefficients(node))
            values.append(float(value))
        else:
            upper.append([-c for c in coefficients(node)])  # value ≥ 1
            bounds_up.append(-1.0)
    if published["sent"] is None:
        upper.append(coefficients("sent"))  # a null root is a primary cell: ≤ 4
        bounds_up.append(4.0)
    bounds = [(0.0, 0.0) if n == "declined" else (0.0, None) for n in NODES]
    found = []
    for sign in (1.0, -1.0):
        result = linprog(
            [sign * c for c in coefficients(target)], A_ub=upper or None, b_ub=bounds_up or None,
            A_eq=equal or None, b_eq=values or None, bounds=bounds, method="highs",
        )  # fmt: skip
        assert result.status in (0, 3)
        found.append(math.inf if result.status == 3 else sign * result.fun)
    return found[0], found[1]


atoms = st.fixed_dictionaries(
    {n: st.integers(0, 9) for n in ["sent", "acknowledged", "expired", "accepted",
                                    "redirected", "contacted", "completed",
                                    *(f"declined_{r}" for r in REASONS)]}
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(atoms)
def test_no_suppressed_count_of_a_row_is_pinned_down(sizes: dict[str, int]) -> None:
    row = _row(sizes)
    published = protect_tree(row, TREE)
    for node, value in published.items():
        if value is not None:
            assert value == row[node]  # what is published is exact
            continue
        low, high = _range(published, node)
        assert math.floor(high + 1e-9) - math.ceil(low - 1e-9) >= 1, (row, published, node)


@settings(max_examples=200, deadline=None)
@given(atoms)
def test_every_atom_computable_from_a_row_is_zero_or_at_least_five(
    sizes: dict[str, int],
) -> None:
    published = protect_tree(_row(sizes), TREE)
    for node in NODES:
        if published[node] is None:
            continue
        below, stack = [], list(TREE.get(node, ()))
        while stack:  # the largest published subsets of the node
            child = stack.pop()
            if published[child] is not None:
                below.append(published[child])
            else:
                stack += TREE.get(child, ())
        atom = cast(int, published[node]) - sum(cast(list[int], below))
        assert atom == 0 or atom >= 5, (node, published)


def test_the_pair_of_the_issue_hides_the_accepted_count_next_to_one_decline() -> None:
    # 6 sent, 6 acknowledged, 5 accepted, 1 declined: accepted = 6 - 1 would give the decline.
    row = {"sent": 6, "acknowledged": 6, "expired": 0, "accepted": 5, "declined": 1,
           "redirected": 0, "contacted": 5, "completed": 3, "declined_NO_CAPACITY": 1,
           "declined_NOT_ELIGIBLE": 0}  # fmt: skip
    published = protect_tree(row, TREE)
    assert (published["sent"], published["acknowledged"]) == (6, 6)
    assert published["accepted"] is None and published["declined"] is None
    assert published["declined_NOT_ELIGIBLE"] == 0  # zero stays zero, not null


def test_a_margin_is_published_only_when_every_part_is() -> None:
    assert margin([6, 5, 0]) == 11
    assert margin([6, None]) is None


def test_pseudonyms_depend_on_the_project_key_and_never_show_the_id() -> None:
    one, other = Pseudonyms(b"1" * 32), Pseudonyms(b"2" * 32)
    org = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert one(org) == one(org) == pseudonym(b"1" * 32, org)
    assert one(org) != other(org)
    assert org not in one(org) and one(org).startswith("o-")
    with pytest.raises(ValueError, match="16 bytes"):
        pseudonym(b"short", org)


@pytest.mark.parametrize(
    ("start", "end", "period", "allowed"),
    [
        (date(2025, 1, 1), date(2025, 12, 31), "QUARTER", True),
        (date(2025, 1, 1), date(2025, 3, 31), None, True),
        (date(2025, 1, 1), date(2025, 6, 30), None, False),  # breakdowns: one quarter
        (date(2025, 1, 2), date(2025, 3, 31), "QUARTER", False),
        (date(2025, 1, 1), date(2025, 3, 30), "QUARTER", False),
        (date(2025, 1, 1), date(2025, 3, 31), "MONTH", False),
    ],
)
def test_researchers_read_whole_quarters_only(
    start: date, end: date, period: str | None, allowed: bool
) -> None:
    assert (check_research_window(start, end, period) is None) is allowed
