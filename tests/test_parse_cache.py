"""A query text is parsed once; a document that does not parse is never cached."""

from __future__ import annotations

import pytest
import strawberry
import strawberry.schema.schema as strawberry_schema
from graphql import parse

from schema.parse_cache import ParsedDocuments


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "bonjour"


SCHEMA = strawberry.Schema(query=Query, extensions=[ParsedDocuments])


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts Strawberry parses itself (not answered from the cache)."""
    seen: list[str] = []

    def counting(source: str, **options: object) -> object:
        seen.append(source)
        return parse(source, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(strawberry_schema, "parse", counting)
    return seen


async def test_the_second_request_of_a_query_text_is_not_parsed_again(parses: list[str]) -> None:
    text = "{ hello } # parse-cache test 1"
    first = await SCHEMA.execute(text)
    second = await SCHEMA.execute(text)
    assert first.data == second.data == {"hello": "bonjour"}
    assert parses == [text]


async def test_a_syntax_error_is_answered_each_time_and_never_cached(parses: list[str]) -> None:
    text = "{ hello  # parse-cache test 2"
    answers = [await SCHEMA.execute(text) for _ in range(2)]
    assert all(a.errors and "Syntax Error" in a.errors[0].message for a in answers)
    assert parses == [text, text]
