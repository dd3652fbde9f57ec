"""The GraphQL schema: types and resolvers over ``graph/`` and ``analytics/``."""

from __future__ import annotations

from schema.build import build_schema

__all__ = ["build_schema"]
