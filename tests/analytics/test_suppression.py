"""Small-cell suppression: counts 1 to 4 become None, zero stays zero."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from analytics.suppression import suppress_small_cells, suppressed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(0, 0, id="zero-stays"),
        pytest.param(1, None, id="one"),
        pytest.param(4, None, id="four"),
        pytest.param(5, 5, id="five-published"),
        pytest.param(120, 120, id="large"),
    ],
)
def test_a_count_under_five_but_not_zero_is_suppressed(value: int, expected: int | None) -> None:
    assert suppressed(value) == expected


def test_suppression_reaches_nested_counts_and_leaves_other_values_alone() -> None:
    row = {
        "org_id": "a",
        "sent": 12,
        "declined": {"NO_CAPACITY": 2, "OTHER": 0},
        "active": True,
        "share": 0.25,
    }
    assert suppress_small_cells([row]) == [
        {
            "org_id": "a",
            "sent": 12,
            "declined": {"NO_CAPACITY": None, "OTHER": 0},
            "active": True,
            "share": 0.25,
        }
    ]
    assert row["declined"] == {"NO_CAPACITY": 2, "OTHER": 0}  # input untouched


def test_a_rate_computed_from_a_suppressed_count_is_suppressed_too() -> None:
    rows = [
        {"sent": 10, "acknowledged": 2, "rate": 0.2},  # numerator small: rate would reveal 2
        {"sent": 10, "acknowledged": 6, "rate": 0.6},
        {"sent": 10, "acknowledged": 0, "rate": 0.0},  # zero is published, so is its rate
    ]
    cleaned = suppress_small_cells(rows, derived={"rate": ("acknowledged", "sent")})
    assert [r["rate"] for r in cleaned] == [None, 0.6, 0.0]


def test_a_rate_over_a_mapping_with_a_suppressed_entry_is_suppressed() -> None:
    rows = [{"declined": {"NO_CAPACITY": 3}, "gap_share": 0.3}]
    assert suppress_small_cells(rows, derived={"gap_share": ("declined",)})[0]["gap_share"] is None


def test_exempt_columns_and_a_threshold_of_one_publish_everything() -> None:
    rows = [{"year": 3, "organizations": 2, "sent": 2}]
    assert suppress_small_cells(rows, exempt=("year", "organizations")) == [
        {"year": 3, "organizations": 2, "sent": None}
    ]
    assert suppress_small_cells(rows, threshold=1) == rows


def test_dataclass_rows_are_suppressed_field_by_field() -> None:
    @dataclass(frozen=True)
    class Row:
        place_id: str
        referrals: int

    assert suppress_small_cells([Row("p", 3), Row("q", 9)]) == [
        {"place_id": "p", "referrals": None},
        {"place_id": "q", "referrals": 9},
    ]


def test_rows_that_are_neither_mappings_nor_dataclasses_are_refused() -> None:
    with pytest.raises(TypeError, match="mapping or dataclass"):
        suppress_small_cells([("a", 1)])
