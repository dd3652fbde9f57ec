"""The region's make-up: how many organizations each territory has, of which kinds.

Territories differ in size (a weight drawn per territory). Kinds follow
``SimulationParams.kind_shares`` over the whole region, exactly up to
rounding, so that a 60-organization demo has plausible proportions rather
than the luck of 60 draws; a few essential kinds exist in every network.
"""

from __future__ import annotations

import random

from simulator.params import SimulationParams

__all__ = ["ESSENTIAL_KINDS", "allocate_organizations", "assign_kinds"]

# A housing office, an employment service, a food bank, a daycare, a school and
# a family organization in every network, so that every need is served nearby.
ESSENTIAL_KINDS = ("HOUSING", "EMPLOYMENT", "FOOD_SECURITY", "CHILDCARE", "SCHOOL", "COMMUNITY")
_MINIMUM = 4  # organizations per territory


def allocate_organizations(params: SimulationParams, weights: list[float]) -> list[int]:
    """Organizations located in each territory (one regional organization per
    network aside), proportional to ``weights`` by largest remainder, at least 4 each.

    >>> from simulator.params import SimulationParams
    >>> allocate_organizations(SimulationParams(organizations=32), [1.0, 1.0, 2.0, 4.0])
    [6, 6, 7, 11]
    """
    local = params.organizations - params.networks
    spare = local - _MINIMUM * len(weights)
    quotas = [spare * w / sum(weights) for w in weights]
    counts = [_MINIMUM + int(q) for q in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (int(quotas[i]) - quotas[i], i))
    for i in by_remainder[: local - sum(counts)]:
        counts[i] += 1
    return counts


def assign_kinds(
    params: SimulationParams,
    rng: random.Random,
    networks: list[list[int]],
    counts: list[int],
    gap: tuple[int, str] | None,
) -> dict[int, list[str]]:
    """The kinds of each territory's organizations after its CLSC.

    ``networks`` lists the territory indices of each network. Every network
    first gets the essential kinds once (outside the gap territory when there
    is a choice); the other organizations follow ``kind_shares`` over the
    whole region, dealt to territories at random.
    """
    assigned: dict[int, list[str]] = {t: [] for territories in networks for t in territories}
    for territories in networks:
        hosts = [t for t in territories if gap is None or t != gap[0]] or territories
        for kind in ESSENTIAL_KINDS:
            roomy = [t for t in hosts if len(assigned[t]) < counts[t] - 1]
            if roomy:
                assigned[rng.choice(roomy)].append(kind)
    slots = sum(counts) - len(counts)
    essential = [k for kinds in assigned.values() for k in kinds]
    total_share = sum(w for _, w in params.kind_shares)
    quotas = {
        k: max(0.0, slots * w / total_share - essential.count(k)) for k, w in params.kind_shares
    }
    free = slots - len(essential)
    scale = free / sum(quotas.values()) if sum(quotas.values()) else 0.0
    exact = {k: q * scale for k, q in quotas.items()}
    numbers = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: (numbers[k] - exact[k], k))
    for k in by_remainder[: free - sum(numbers.values())]:
        numbers[k] += 1
    deck = [k for k, n in numbers.items() for _ in range(n)]
    rng.shuffle(deck)
    for territory in sorted(assigned):
        room = counts[territory] - 1 - len(assigned[territory])
        assigned[territory] += deck[:room]
        del deck[:room]
    return assigned
