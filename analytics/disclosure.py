"""Disclosure control for de-identified audiences (researchers): the one written policy.

Every referral count a researcher receives, in the API or in an export,
goes through this module. The policy:

1. **Pseudonyms, never directory ids.** Organizations appear as
   ``o-`` + the first 16 hex digits of HMAC-SHA256(project key, directory id)
   (:func:`pseudonym`). The key belongs to one research project
   (``ResearchProject`` node in Neo4j, never exported), so the same
   organization keeps its pseudonym across the project's requests and exports
   but two projects cannot link theirs, and nobody without the key can map a
   pseudonym back to the public directory. Declared partnerships (directory
   data, joinable by graph matching) and organization profiles read by
   directory id are not given to researchers.
2. **Primary suppression.** A count from 1 to ``threshold - 1`` (5 by default)
   is suppressed: null in the API, ``S`` in CSV. Zero is published as 0, so
   an empty cell is never confused with a suppressed one.
3. **Atoms, not only cells** (:func:`protect_tree`). The counts of one row
   are sizes of nested sets of referrals (sent ⊃ acknowledged ⊃ accepted ⊃
   contacted ⊃ completed; acknowledged ⊃ declined ⊃ declined for each reason;
   acknowledged ⊃ redirected; sent ⊃ expired). From published counts anyone
   can compute every *atom* — a set minus its published subsets, e.g. "sent
   but never acknowledged nor expired" = sent − acknowledged − expired. Every
   atom must be 0 or at least the threshold; when one is not, the published
   subset with the smallest non-zero count is suppressed too (complementary
   suppression), until all atoms are safe. Counts whose sets overlap these
   (no-show, cancelled, overdue, still open) are withheld from researchers.
4. **Margins only from published parts** (:func:`margin`). A total (an
   organization's in- or out-strength, a receiver's or a need's funnel, a
   kind of place) is published only when every one of its parts is; then it
   is their sum and reveals nothing the parts do not. Grand totals, which
   several published partitions share (pairs, receivers, territories), are
   withheld. Hence no suppressed cell comes back by subtracting published
   figures.
5. **Derived figures.** A rate is withheld when its numerator or denominator
   is; a median of hours is published with the count it is taken over.
   A weighted measure that could be solved for a suppressed count is not
   given: Burt's constraint and effective size are computed on unit-weight
   ties (two partners: constraint = p1² + p2² would give a hidden weight from
   a published one), the Gini of in-strengths only when every in-strength is
   published. Measures of tie existence (density, betweenness…) are
   reproducible from the export; Louvain communities and their NMI are
   published precomputed and marked so in the codebook.
6. **One time grid.** Researchers' windows are whole calendar quarters cut
   into quarters (:func:`check_research_window`), so no two published cells
   overlap in time and no window can be differenced against another.

Residual risks, stated in the export codebook: an organization's kind,
territory and join date are public directory data, so a rare combination
can still single out a pseudonym; figures of recent quarters change as
referrals progress, so two reads months apart differ.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from analytics.suppression import SMALL_CELL_THRESHOLD

__all__ = [
    "EDGE_TREE",
    "FUNNEL_TREE",
    "PLACE_TREE",
    "SUPPRESSED_MARK",
    "WITHHELD_EDGE_FIELDS",
    "Pseudonyms",
    "check_research_window",
    "margin",
    "margins_by",
    "protect_tree",
    "pseudonym",
    "tree_with_reasons",
]

#: How a suppressed count is written in CSV files (an empty cell is a withheld column).
SUPPRESSED_MARK = "S"

#: Nested sets of one pair's referrals in a period: parent → subsets (disjoint siblings).
EDGE_TREE: Mapping[str, tuple[str, ...]] = {
    "sent": ("acknowledged", "expired"),
    "acknowledged": ("accepted", "declined", "redirected"),
    "accepted": ("contacted",),
    "contacted": ("completed",),
}
#: The same for a funnel row (no redirected or expired counts).
FUNNEL_TREE: Mapping[str, tuple[str, ...]] = {
    "sent": ("acknowledged",),
    "acknowledged": ("accepted", "declined"),
    "accepted": ("contacted",),
    "contacted": ("completed",),
}
#: Referrals from an outreach place and those completed.
PLACE_TREE: Mapping[str, tuple[str, ...]] = {"referrals": ("completed",)}
#: Edge counts whose sets overlap the tree's: never given to researchers.
WITHHELD_EDGE_FIELDS = ("no_show", "cancelled", "overdue", "acknowledged_late")


def pseudonym(key: bytes, organization_id: str) -> str:
    """The research project's pseudonym of an organization.

    Parameters
    ----------
    key : bytes
        The project's secret key (at least 16 bytes).
    organization_id : str
        The directory id.

    Returns
    -------
    str
        ``o-`` and 16 hex digits of HMAC-SHA256(key, id).

    References
    ----------
    .. [1] Krawczyk, H., Bellare, M. and Canetti, R. (1997). RFC 2104: HMAC.
       DOI 10.17487/RFC2104

    Examples
    --------
    >>> pseudonym(b"k" * 32, "a") == pseudonym(b"k" * 32, "a") != pseudonym(b"j" * 32, "a")
    True
    """
    if len(key) < 16:
        raise ValueError("a research project key has at least 16 bytes")
    digest = hmac.new(key, organization_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"o-{digest[:16]}"


@dataclass(frozen=True)
class Pseudonyms:
    """One research project's pseudonyms: call it on a directory id (None stays None)."""

    key: bytes

    def __call__(self, organization_id: str) -> str:
        """The pseudonym of ``organization_id``."""
        return pseudonym(self.key, organization_id)

    def maybe(self, organization_id: str | None) -> str | None:
        """The pseudonym, or None for None."""
        return None if organization_id is None else self(organization_id)


def tree_with_reasons(
    tree: Mapping[str, tuple[str, ...]], reasons: Iterable[str], prefix: str = "declined_"
) -> dict[str, tuple[str, ...]]:
    """``tree`` with ``declined`` split into one subset per reason (``declined_<R>``)."""
    extended = dict(tree)
    extended["declined"] = tuple(f"{prefix}{r}" for r in sorted(reasons))
    return extended


def protect_tree(
    counts: Mapping[str, int],
    tree: Mapping[str, tuple[str, ...]],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
    exact: Collection[str] = ("declined",),
) -> dict[str, int | None]:
    """Suppress the counts of one row so that every computable atom is 0 or ≥ ``threshold``.

    A node in ``exact`` is the sum of its subsets (``declined`` of its
    reasons): its remainder is known to be 0, so a hidden subset would be
    pinned down when all the others are small; such a node is published only
    when every subset is (the margin rule).

    Parameters
    ----------
    counts : mapping of str to int
        The row's counts; keys not in ``tree`` are treated as leaves of no set.
    tree : mapping of str to tuple of str
        Parent → its disjoint subsets (:data:`EDGE_TREE`, :data:`FUNNEL_TREE`).
    threshold : int, default 5
        Smallest published count; 1 or less publishes everything.

    Returns
    -------
    dict
        Every key of ``counts``, its value or None when suppressed.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*,
       §5.3 (secondary suppression in hierarchical tables). Wiley.
       DOI 10.1002/9781118348239

    Examples
    --------
    >>> protect_tree({"sent": 7, "acknowledged": 6}, {"sent": ("acknowledged",)})
    {'sent': 7, 'acknowledged': None}
    >>> protect_tree({"sent": 7, "acknowledged": 0}, {"sent": ("acknowledged",)})
    {'sent': 7, 'acknowledged': 0}
    """
    if threshold <= 1:
        return dict(counts)
    published = {k for k, v in counts.items() if v == 0 or v >= threshold}
    order = _post_order(tree, counts)
    changed = True
    while changed:
        changed = False
        for node in order:
            if node in exact and node not in published and counts[node] > 0:
                kids = [c for c in tree.get(node, ()) if c in counts]
                if kids and all(c in published for c in kids):
                    # hidden, but the sum of its published parts: hide a part too
                    published.discard(min((c for c in kids if counts[c] > 0),
                                          key=lambda c: (counts[c], c)))  # fmt: skip
                    changed = True
                continue
            if node not in published:
                continue
            if node in exact and any(c in counts and c not in published for c in tree[node]):
                published.discard(node)
                changed = True
                continue
            frontier = _frontier(node, tree, published, counts)
            atom = counts[node] - sum(counts[f] for f in frontier)
            if 0 < atom < threshold:
                nonzero = [f for f in frontier if counts[f] > 0]
                published.discard(min(nonzero, key=lambda f: (counts[f], f)) if nonzero else node)
                changed = True
    return {k: (v if k in published else None) for k, v in counts.items()}


def margin(parts: Iterable[int | None]) -> int | None:
    """A total published only when every part is: their sum, else None.

    Examples
    --------
    >>> margin([6, 0, 5]), margin([6, None]), margin([])
    (11, None, 0)
    """
    total = 0
    for part in parts:
        if part is None:
            return None
        total += part
    return total


def margins_by(
    rows: Iterable[Mapping[str, Any]], key: str, fields: Sequence[str]
) -> dict[Any, dict[str, int | None]]:
    """Group rows by ``row[key]`` and take :func:`margin` of each field.

    Examples
    --------
    >>> margins_by([{"t": "b", "sent": 6}, {"t": "b", "sent": None}, {"t": "c", "sent": 5}],
    ...            "t", ["sent"])
    {'b': {'sent': None}, 'c': {'sent': 5}}
    """
    grouped: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return {
        k: {f: margin(r.get(f, 0) for r in group) for f in fields} for k, group in grouped.items()
    }


def check_research_window(start: date, end: date, period: str | None) -> str | None:
    """Why a window is refused to a de-identified audience, or None when it is whole quarters.

    Parameters
    ----------
    start, end : date
        First and last day, both included.
    period : str or None
        ``"QUARTER"`` (several quarters) or None (a single quarter, for breakdowns).

    Returns
    -------
    str or None
        An actionable message, or None when the window is allowed.

    Examples
    --------
    >>> check_research_window(date(2025, 1, 1), date(2025, 6, 30), "QUARTER") is None
    True
    >>> check_research_window(date(2025, 1, 1), date(2025, 6, 30), None) is not None
    True
    """
    if start.day != 1 or start.month not in (1, 4, 7, 10):
        return (
            "Researchers read whole calendar quarters: from must be 1 January, April, July "
            "or October."
        )
    after = end + timedelta(days=1)
    if after.day != 1 or after.month not in (1, 4, 7, 10):
        return (
            "Researchers read whole calendar quarters: to must be 31 March, 30 June, "
            "30 September or 31 December."
        )
    if period is None:
        if (after.year * 12 + after.month) - (start.year * 12 + start.month) != 3:
            return "Researchers read breakdowns one calendar quarter at a time."
    elif period != "QUARTER":
        return "Researchers read figures per quarter: use period: QUARTER."
    return None


def _post_order(tree: Mapping[str, tuple[str, ...]], counts: Mapping[str, int]) -> list[str]:
    children = {c for kids in tree.values() for c in kids}
    roots = [k for k in counts if k not in children]
    order: list[str] = []

    def visit(node: str) -> None:
        for child in tree.get(node, ()):
            if child in counts:
                visit(child)
        order.append(node)

    for root in roots:
        visit(root)
    return order


def _frontier(
    node: str, tree: Mapping[str, tuple[str, ...]], published: set[str], counts: Mapping[str, int]
) -> list[str]:
    """The published subsets of ``node`` not inside another published subset of it."""
    found: list[str] = []
    for child in tree.get(node, ()):
        if child not in counts:
            continue
        if child in published:
            found.append(child)
        else:
            found += _frontier(child, tree, published, counts)
    return found
