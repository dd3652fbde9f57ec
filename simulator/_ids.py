"""Deterministic UUIDs drawn from a seeded random stream."""

from __future__ import annotations

import random

__all__ = ["IdFactory"]

_VERSION_MASK = ~(0xF000 << 64) & ~(0xC000 << 48)
_VERSION_BITS = (0x4000 << 64) | (0x8000 << 48)


class IdFactory:
    """Random (version 4) UUID strings, reproducible from a seed.

    Equivalent to ``str(uuid.UUID(int=rng.getrandbits(128), version=4))``,
    formatted directly because millions of ids are drawn.
    """

    def __init__(self, seed: int) -> None:
        self._bits = random.Random(seed).getrandbits

    def new(self) -> str:
        """The next UUID string."""
        h = f"{(self._bits(128) & _VERSION_MASK) | _VERSION_BITS:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def key(self) -> str:
        """A short opaque key (16 hex digits), e.g. for idempotency keys."""
        return f"{self._bits(64):016x}"
