"""Every GraphQL example of the README is valid against the schema the server builds."""

from __future__ import annotations

import re

import pytest
from graphql import parse, validate

from schema import build_schema
from server.settings import Settings, project_root

_BLOCKS = re.findall(
    r"```graphql\n(.*?)```", (project_root() / "README.md").read_text(encoding="utf-8"), re.S
)
# A block may hold several operations, each starting at the beginning of a line.
EXAMPLES = [
    op
    for block in _BLOCKS
    for op in re.split(r"\n(?=(?:query|mutation|subscription)\b)", block.strip())
]


def test_the_readme_has_graphql_examples() -> None:
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.split("\n")[0][:50] for e in EXAMPLES])
def test_a_readme_example_is_valid_against_the_schema(example: str) -> None:
    schema = build_schema(Settings(env="test"))._schema
    assert [error.message for error in validate(schema, parse(example))] == []
