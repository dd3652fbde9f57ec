"""The rules of Maillage's domain, pure: no database, no GraphQL, no HTTP.

- :mod:`domain.vocabulary` — the controlled vocabularies (statuses, event
  types, decline reasons…) with their French and English labels;
- :mod:`domain.lifecycle` — the referral lifecycle as one table: each action,
  the party that may take it, the event it writes, the statuses it is allowed
  from, the status it leads to and whether it closes the loop;
- :mod:`domain.deadlines` — the acknowledgement deadline: *overdue* (still
  waiting past ``acknowledgeBy``), *acknowledged late*, and expiry;
- :mod:`domain.errors` — the expected failures, each with a ``code``.

``graph/``, ``schema/``, ``simulator/`` and ``analytics/`` import this package;
it imports none of them. Cypher receives its rules as ``$parameters``.
"""
