"""Presets and parameter validation."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from simulator import DEMO, LARGE, MEDIUM, PRESETS, SimulationParams, preset


@pytest.mark.parametrize(
    ("name", "organizations", "territories", "months", "referrals"),
    [
        pytest.param("demo", 60, 4, 24, 5_000, id="demo"),
        pytest.param("medium", 400, 8, 36, 100_000, id="medium"),
        pytest.param("large", 2_000, 12, 36, 1_000_000, id="large"),
    ],
)
def test_presets_have_the_sizes_of_the_issue(
    name: str, organizations: int, territories: int, months: int, referrals: int
) -> None:
    params = preset(name)

    assert params is PRESETS[name]
    assert params.preset == name
    assert (params.organizations, params.territories, params.months, params.referrals) == (
        organizations,
        territories,
        months,
        referrals,
    )


def test_defaults_are_the_demo_region() -> None:
    assert dataclasses.replace(DEMO, preset="custom") == SimulationParams()
    assert SimulationParams().start_date == date(2024, 1, 1)
    assert (MEDIUM.networks, LARGE.networks, DEMO.networks) == (2, 3, 2)


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="demo, medium, large"):
        preset("huge")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"organizations": 10}, "too few", id="too-few-organizations"),
        pytest.param({"territories": 2}, "two networks", id="one-network-with-planted-events"),
        pytest.param({"months": 3}, "too short", id="short-period"),
        pytest.param({"seasonality": (1.0,) * 11}, "12 monthly", id="seasonality"),
        pytest.param({"need_prevalence": (("HUNGER", 1.0),)}, "HUNGER", id="unknown-need"),
        pytest.param({"broker_closure": 1.0}, "broker_closure", id="closure-after-the-end"),
    ],
)
def test_invalid_params_say_what_is_wrong(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimulationParams(**changes)  # type: ignore[arg-type]


def test_one_network_is_fine_without_planted_events() -> None:
    params = SimulationParams(territories=2, organizations=30, planted=False)

    assert params.networks == 1


def test_params_serialize_to_json_for_the_manifest() -> None:
    data = json.loads(json.dumps(DEMO.to_json()))

    assert data["start_date"] == "2024-01-01"
    assert data["preset"] == "demo"
    assert data["kind_shares"]["COMMUNITY"] == 0.32
    assert data["no_capacity_rates"] == {
        "OPEN": 0.03,
        "WAITLIST": 0.3,
        "FULL": 0.85,
        "CLOSED": 0.95,
    }
    assert len(data["seasonality"]) == 12
    assert {f.name for f in dataclasses.fields(SimulationParams)} == set(data)


@pytest.mark.parametrize("params", [DEMO, MEDIUM, LARGE], ids=["demo", "medium", "large"])
def test_params_come_back_from_the_manifest(params: SimulationParams) -> None:
    assert SimulationParams.from_json(json.loads(json.dumps(params.to_json()))) == params
