"""Simulated referral networks of community organizations, reproducible from a seed.

A region of neighbourhoods (territories) grouped under *tables de
concertation* (networks), with family organizations, CLSCs, schools,
daycares, food banks… that refer families to each other over months, with
outreach workers present at parks, grocery stores and festivals, and five
planted events whose ground truth goes to ``manifest.json``.

>>> from simulator import DEMO, simulate, write_dataset
>>> dataset = simulate(DEMO, seed=7)                       # doctest: +SKIP
>>> write_dataset(dataset, "out/demo-7")                   # doctest: +SKIP

or, streaming (for the large preset): ``write_simulation(LARGE, 7, "out/large")``
or ``run("large", 7, Path("out/large"))``.
"""

from __future__ import annotations

from simulator.params import DEMO, LARGE, MEDIUM, PRESETS, SimulationParams, preset
from simulator.records import Dataset
from simulator.simulation import Progress, Simulation, simulate
from simulator.writer import run, write_dataset, write_simulation

__all__ = [
    "DEMO",
    "LARGE",
    "MEDIUM",
    "PRESETS",
    "Dataset",
    "Progress",
    "Simulation",
    "SimulationParams",
    "preset",
    "run",
    "simulate",
    "write_dataset",
    "write_simulation",
]
