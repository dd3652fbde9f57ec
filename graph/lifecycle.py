"""Moved to :mod:`domain.lifecycle`; this shim keeps old imports working until the merge."""

from __future__ import annotations

from domain.lifecycle import *  # noqa: F403
from domain.lifecycle import __all__ as __all__
