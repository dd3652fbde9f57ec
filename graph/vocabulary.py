"""Moved to :mod:`domain.vocabulary`; this shim keeps old imports working until the merge."""

from __future__ import annotations

from domain.lifecycle import TERMINAL_STATUSES
from domain.vocabulary import *  # noqa: F403
from domain.vocabulary import __all__ as _vocabulary_all

__all__ = [*_vocabulary_all, "TERMINAL_STATUSES"]
