"""Network analytics of Maillage: plain period aggregates in, plain figures out.

The database layer reduces referral events to one
:class:`~analytics.model.PeriodAggregate` per period (organizations, referral
ties with funnel counts, declared partnerships) and a few breakdown rows
(:mod:`analytics.model`). The modules here turn them into figures:

- :mod:`analytics.build` — referral and partnership graphs of a period;
- :mod:`analytics.network` — density, reciprocity, transitivity, components,
  centralization (with :mod:`analytics.inequality` and
  :mod:`analytics.communities`);
- :mod:`analytics.dynamics`, :mod:`analytics.evolution` — change between
  periods;
- :mod:`analytics.organizations` — degree, strength, betweenness, brokerage,
  responsiveness;
- :mod:`analytics.funnel`, :mod:`analytics.breakdowns`,
  :mod:`analytics.vulnerability` — where referrals break down;
- :mod:`analytics.suppression`, :mod:`analytics.export` — research releases.

Nothing here imports the database or GraphQL layers. NetworkX 3 can dispatch
the graph algorithms to a backend (nx-parallel, nx-cugraph) configured
through ``networkx.config``, without any change to these callers.
"""

from __future__ import annotations

__all__: list[str] = []
