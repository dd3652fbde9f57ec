"""Panel waves for stochastic actor-oriented models, and tie spells for dynamic networks.

From the periods of an export (one wave per period), built only from what
the export publishes (which organizations are members, which ordered pairs
have a referral tie), so every file here is reproducible from ``nodes`` and
``edges``:

- one adjacency matrix per wave over the fixed set of every organization of
  any wave (RSiena's ``sienaDependent`` input), 1 for a tie, 0 otherwise;
- the composition change: each organization's presence as runs of waves
  (RSiena's ``sienaCompositionChange``: an absent organization's row and
  column are 0 in that wave and must be treated as structurally absent);
- tie spells: each ordered pair's runs of consecutive waves with a tie (the
  spell input of ``networkDynamic`` / temporal ERGMs);
- the Jaccard index of the tie sets of consecutive waves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Wave", "actors", "adjacency", "composition", "jaccard_series", "runs", "tie_spells"]


@dataclass(frozen=True)
class Wave:
    """One wave: its period label, member organizations and ordered tie pairs."""

    period: str
    members: frozenset[str]
    ties: frozenset[tuple[str, str]]


def actors(waves: Sequence[Wave]) -> list[str]:
    """Every organization of any wave, sorted: the fixed actor set of the panel."""
    return sorted(set().union(*(w.members for w in waves))) if waves else []


def adjacency(wave: Wave, ids: Sequence[str]) -> list[list[int]]:
    """The wave's 0/1 adjacency matrix over ``ids`` (row = sender, column = receiver).

    Examples
    --------
    >>> adjacency(Wave("p", frozenset("ab"), frozenset({("a", "b")})), ["a", "b"])
    [[0, 1], [0, 0]]
    """
    return [[1 if (u, v) in wave.ties else 0 for v in ids] for u in ids]


def runs(waves: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs of wave numbers, as ``(first, last)``.

    Examples
    --------
    >>> runs([1, 2, 3, 5, 7, 8])
    [(1, 3), (5, 5), (7, 8)]
    """
    found: list[tuple[int, int]] = []
    for n in sorted(waves):
        if found and n == found[-1][1] + 1:
            found[-1] = (found[-1][0], n)
        else:
            found.append((n, n))
    return found


def composition(waves: Sequence[Wave]) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each actor's presence as runs of wave numbers (1-based)."""
    return [
        (a, runs([i for i, w in enumerate(waves, start=1) if a in w.members]))
        for a in actors(waves)
    ]


def tie_spells(waves: Sequence[Wave]) -> list[tuple[str, str, int, int]]:
    """``(source, target, first wave, last wave)`` of every run of a tie, sorted.

    Examples
    --------
    >>> w = [Wave(str(i), frozenset("ab"), frozenset(t)) for i, t in
    ...      enumerate([{("a", "b")}, {("a", "b")}, set(), {("a", "b")}])]
    >>> tie_spells(w)
    [('a', 'b', 1, 2), ('a', 'b', 4, 4)]
    """
    pairs = sorted(set().union(*(w.ties for w in waves))) if waves else []
    spells = []
    for u, v in pairs:
        present = [i for i, w in enumerate(waves, start=1) if (u, v) in w.ties]
        spells += [(u, v, first, last) for first, last in runs(present)]
    return spells


def jaccard_series(waves: Sequence[Wave]) -> list[float | None]:
    """Jaccard index of each wave's ties with the previous wave's (None for the first).

    None when neither wave has a tie, as in :mod:`analytics.dynamics`.

    Examples
    --------
    >>> w = [Wave("1", frozenset("abc"), frozenset({("a", "b"), ("b", "c")})),
    ...      Wave("2", frozenset("abc"), frozenset({("a", "b")}))]
    >>> jaccard_series(w)
    [None, 0.5]
    """
    series: list[float | None] = [None] if waves else []
    for before, now in pairwise(waves):
        union = before.ties | now.ties
        series.append(len(before.ties & now.ties) / len(union) if union else None)
    return series
