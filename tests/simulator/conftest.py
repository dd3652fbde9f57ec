"""Shared simulated datasets: simulated once per test session, read by many tests."""

from __future__ import annotations

import pytest

from simulator import DEMO, SimulationParams, simulate
from tests.simulator.dataset_index import Indexed, index


@pytest.fixture(scope="session")
def demo() -> Indexed:
    """The demo preset, seed 7."""
    return index(simulate(DEMO, seed=7))


@pytest.fixture(scope="session")
def demo_other_seed() -> Indexed:
    """The demo preset, seed 8."""
    return index(simulate(DEMO, seed=8))


@pytest.fixture(scope="session")
def small_params() -> SimulationParams:
    """A region small enough to simulate and write several times in one test."""
    return SimulationParams(organizations=40, territories=4, months=12, referrals=1_200)
