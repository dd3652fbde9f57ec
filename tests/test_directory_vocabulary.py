"""The directory's vocabularies: the needs taxonomy and coded terms in French and English."""

from __future__ import annotations

from tests.conftest import World
from tests.directory_helpers import only_error


async def test_needs_are_the_taxonomy_labelled_in_french_and_english(world: World) -> None:
    reader = await world.caller("ORG_STAFF", organization=await world.organization())
    needs = {
        n["code"]: n for n in (await reader.data("{ needs { code labelFr labelEn } }"))["needs"]
    }
    assert needs["HOUSING"] == {"code": "HOUSING", "labelFr": "Logement", "labelEn": "Housing"}
    assert needs["MENTAL_HEALTH"]["labelFr"] == "Santé mentale"
    assert {
        "HOUSING",
        "EMPLOYMENT",
        "FOOD_SECURITY",
        "CHILD_DEVELOPMENT",
        "PARENTING",
        "HEALTH",
        "MENTAL_HEALTH",
        "INCOME",
        "LEGAL",
        "IMMIGRATION_FRANCISATION",
        "SOCIAL_ISOLATION",
        "TRANSPORT",
    } <= set(needs)


async def test_vocabulary_gives_codes_with_both_labels(world: World) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    terms = (await reader.data('{ vocabulary(name: "availability") { code labelFr labelEn } }'))[
        "vocabulary"
    ]
    assert terms == [
        {"code": "OPEN", "labelFr": "Ouvert", "labelEn": "Open"},
        {"code": "WAITLIST", "labelFr": "Liste d'attente", "labelEn": "Waitlist"},
        {"code": "FULL", "labelFr": "Complet", "labelEn": "Full"},
        {"code": "CLOSED", "labelFr": "Fermé", "labelEn": "Closed"},
    ]


async def test_unknown_vocabulary_is_not_found_and_lists_the_known_ones(world: World) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    error = only_error(await reader('{ vocabulary(name: "colours") { code } }'))
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "name"}
    assert "placeKind" in error["message"]
