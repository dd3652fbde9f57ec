"""Moved to :mod:`domain.errors`; this shim keeps old imports working until the merge."""

from __future__ import annotations

from domain.errors import *  # noqa: F403
from domain.errors import __all__ as __all__
