"""Same seed, same bytes; another seed, another network of the same shape."""

from __future__ import annotations

import hashlib
from pathlib import Path

from simulator import SimulationParams, simulate, write_dataset, write_simulation
from tests.simulator.dataset_index import Indexed


def _digests(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
    }


def test_same_seed_writes_byte_identical_files(
    tmp_path: Path, small_params: SimulationParams
) -> None:
    first = write_simulation(small_params, 11, tmp_path / "first")
    second = write_simulation(small_params, 11, tmp_path / "second")

    assert _digests(first) == _digests(second)
    assert len(_digests(first)) == 12  # eleven JSONL files and the manifest


def test_streamed_files_equal_the_in_memory_dataset_written(
    tmp_path: Path, small_params: SimulationParams
) -> None:
    streamed = write_simulation(small_params, 5, tmp_path / "streamed")
    in_memory = write_dataset(simulate(small_params, 5), tmp_path / "in-memory")

    assert _digests(streamed) == _digests(in_memory)


def test_different_seed_gives_a_different_network(demo: Indexed, demo_other_seed: Indexed) -> None:
    names = {o["name"] for o in demo.data.organizations}
    other_names = {o["name"] for o in demo_other_seed.data.organizations}
    ids = {r["id"] for r in demo.data.referrals}

    assert names != other_names
    assert not ids & {r["id"] for r in demo_other_seed.data.referrals}


def test_different_seed_keeps_the_same_statistical_shape(
    demo: Indexed, demo_other_seed: Indexed
) -> None:
    def shape(d: Indexed) -> dict[str, float]:
        referrals = d.data.referrals
        local = sum(
            d.orgs[r["senderId"]]["territoryId"] == d.orgs[r["receiverId"]]["territoryId"]
            for r in referrals
        )
        completed = sum(d.last_status(r["id"]) == "COMPLETED" for r in referrals)
        return {
            "organizations": len(d.data.organizations),
            "referrals": len(referrals),
            "events per referral": len(d.data.events) / len(referrals),
            "same territory": local / len(referrals),
            "completed": completed / len(referrals),
        }

    one, other = shape(demo), shape(demo_other_seed)

    assert one["organizations"] == other["organizations"] == 60
    assert abs(one["referrals"] - other["referrals"]) / one["referrals"] < 0.1
    assert abs(one["events per referral"] - other["events per referral"]) < 0.3
    assert abs(one["same territory"] - other["same territory"]) < 0.1
    assert abs(one["completed"] - other["completed"]) < 0.1
