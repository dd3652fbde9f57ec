"""``maillage import …`` and ``maillage export …`` sub-commands."""

from __future__ import annotations

from typing import Any

__all__ = ["add_commands"]


def add_commands(sub: Any, with_db: Any) -> None:
    """Register the import and export commands on the CLI's sub-parsers."""
    return None
