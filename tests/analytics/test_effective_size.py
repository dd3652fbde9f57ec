"""Burt's effective size does not depend on whether SciPy is installed.

NetworkX's ``effective_size`` takes another formula when SciPy is importable;
:func:`analytics.organizations.effective_size` computes Burt's directly. This
module imports SciPy on purpose, so it runs with SciPy present (a dev
dependency). Expected values by hand (issue 17's example): ties a–b 1,
a–c 3, b–c 2, a–d 1. For a: p_ab = 1/5, p_ac = 3/5, p_ad = 1/5; redundancy of
b = p_ac · m_bc = 3/5 · 2/2, of c = p_ab · m_cb = 1/5 · 2/3, of d = 0; so
e_a = (1 − 3/5) + (1 − 2/15) + 1 = 34/15 = 2.2667. For b: p_ba = 1/3,
p_bc = 2/3; e_b = (1 − p_bc · m_ac) + (1 − p_ba · m_ca) = (1 − 2/3 · 3/3)
+ (1 − 1/3 · 1) = 1/3 + 2/3 = 1. For d: one partner, e_d = 1.
"""

from __future__ import annotations

import networkx as nx
import pytest
import scipy  # noqa: F401  (the point: SciPy is importable while this runs)

from analytics.organizations import burt_constraint, effective_size


def _graph() -> nx.DiGraph:
    return nx.DiGraph(
        [("a", "b", {"weight": 1}), ("a", "c", {"weight": 3}), ("b", "c", {"weight": 2}),
         ("a", "d", {"weight": 1})]
    )  # fmt: skip


def test_effective_size_matches_burt_by_hand_with_scipy_installed() -> None:
    sizes = effective_size(_graph())
    assert sizes["a"] == pytest.approx(34 / 15)
    assert sizes["b"] == pytest.approx(1.0)
    assert sizes["d"] == pytest.approx(1.0)


def test_an_organization_without_ties_has_no_effective_size() -> None:
    graph = _graph()
    graph.add_node("alone")
    assert effective_size(graph)["alone"] is None
    assert effective_size(nx.DiGraph()) == {}


def test_a_star_centre_has_the_number_of_its_partners() -> None:
    star = nx.DiGraph([("hub", x, {"weight": w}) for x, w in zip("xyz", (1, 5, 2), strict=True)])
    assert effective_size(star)["hub"] == pytest.approx(3.0)


def test_constraint_matches_burt_by_hand_with_scipy_installed() -> None:
    # a: p_ab = 1/5, p_ac = 3/5, p_ad = 1/5; c's shares: p_cb = 2/5; b's: p_bc = 2/3.
    expected = (1 / 5 + 3 / 5 * 2 / 5) ** 2 + (3 / 5 + 1 / 5 * 2 / 3) ** 2 + (1 / 5) ** 2
    assert burt_constraint(_graph())["a"] == pytest.approx(expected)
    assert burt_constraint(_graph())["d"] == pytest.approx(1.0)  # a single partner
