"""Files written exactly as docs/interchange.md describes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator import SimulationParams, run, simulate, write_dataset, write_simulation

# Fields of each file, in order, as documented in docs/interchange.md.
FIELDS = {
    "networks.jsonl": ["id", "name", "territoryCodes", "ackDelayHours", "retentionDays"],
    "territories.jsonl": ["id", "code", "name"],
    "places.jsonl": ["id", "name", "kind", "territoryId"],
    "organizations.jsonl": [
        "id", "name", "kind", "description", "languages", "territoryId", "active", "createdAt",
    ],
    "memberships.jsonl": ["organizationId", "networkId", "since", "until"],
    "services.jsonl": [
        "id", "organizationId", "name", "description", "eligibility", "languages",
        "availability", "needCodes", "territoryIds", "createdAt",
    ],
    "availability.jsonl": ["serviceId", "availability", "at"],
    "partnerships.jsonl": ["sourceId", "targetId", "kind", "since", "until"],
    "presence.jsonl": ["organizationId", "placeId", "date", "hours", "contacts", "needsHeard"],
    "referrals.jsonl": [
        "id", "senderId", "receiverId", "serviceId", "familyId", "familyRef", "needCodes",
        "urgency", "placeId", "sentAt", "acknowledgeBy", "overrideAvailability", "consent",
        "redirectedFromId", "idempotencyKey",
    ],
    "events.jsonl": [
        "id", "referralId", "type", "status", "at", "actorOrganizationId", "reason", "comment",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    params = SimulationParams(organizations=40, months=12, referrals=1_000)
    return write_simulation(params, 3, tmp_path_factory.mktemp("written"))


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_line_has_the_documented_fields_in_order(written: Path, name: str) -> None:
    records = _lines(written / name)

    assert records
    assert all(list(record) == FIELDS[name] for record in records)


def test_consent_has_the_documented_fields(written: Path) -> None:
    consents = [r["consent"] for r in _lines(written / "referrals.jsonl")]

    assert all(list(c) == ["given", "at", "method", "scope"] for c in consents)  # type: ignore[call-overload]


def test_files_are_utf8_json_lines_with_french_text_unescaped(written: Path) -> None:
    text = (written / "organizations.jsonl").read_text(encoding="utf-8")

    assert text.endswith("\n") and "\n\n" not in text
    assert "\\u00" not in text and "é" in text


def test_manifest_holds_seed_params_counts_and_planted_events(written: Path) -> None:
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["seed"] == 3
    assert manifest["preset"] == "custom"
    assert manifest["params"]["referrals"] == 1_000
    assert manifest["period"] == {"start": "2024-01-01", "end": "2025-01-01"}
    for name in FIELDS:
        lines = (written / name).read_text(encoding="utf-8").count("\n")
        assert manifest["counts"][name] == lines
    assert len(manifest["plantedEvents"]) == 5


def test_write_dataset_creates_missing_directories(tmp_path: Path) -> None:
    data = simulate(SimulationParams(organizations=30, months=6, referrals=100), 1)

    out = write_dataset(data, tmp_path / "a" / "b")

    assert sorted(p.name for p in out.iterdir()) == sorted([*FIELDS, "manifest.json"])


def test_writing_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    data = simulate(SimulationParams(organizations=30, months=6, referrals=100), 1)

    with pytest.raises(NotADirectoryError, match="not a directory"):
        write_dataset(data, tmp_path / "taken")


def test_run_writes_a_preset_and_reports_progress(tmp_path: Path) -> None:
    reports: list[tuple[str, int, int]] = []

    out = run("demo", 7, tmp_path / "demo", progress=lambda *r: reports.append(r))

    assert out == tmp_path / "demo"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["preset"] == "demo" and manifest["seed"] == 7
    assert 4_500 < manifest["counts"]["referrals.jsonl"] < 5_500
    assert reports[-1] == ("referrals", 24, 24)
    assert [r for r in reports if r[0] == "referrals"] == [
        ("referrals", m, 24) for m in range(1, 25)
    ]
