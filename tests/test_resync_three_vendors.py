"""Statuspage, OnlineOrNot and PingPong in one resync, through Ocean's own machinery
(IntegrationTestHarness), all three dialects of the emulator, same raw ids: each lands in the
same five blueprints with its provider and no identifier colliding; a failing PingPong deletes
nothing of any vendor."""

from collections import Counter
from typing import Any

from sandbox.expected import expected_identifiers, pingpong_page_id
from sandbox.statuspage.server import StatuspageEmulator
from tests.conftest import Emulate
from tests.support import fail, in_port, pages_of
from tests.webhook_processors.support import captured_logs

PP_TOKEN = "pp-token-that-must-never-be-logged"
OON_TOKEN = "oon-token-that-must-never-be-logged"
# Entities an earlier sync left that no vendor has any more: a healthy resync deletes
# them, a failed one must not.
STALE = [
    {"identifier": "p1-c-gone", "blueprint": "statuspageComponent"},
    {"identifier": "onlineornot-p1-c-gone", "blueprint": "statuspageComponent"},
    {"identifier": "pingpong-p1-c-gone", "blueprint": "statuspageComponent"},
]
VENDORS = ("statuspage", "onlineornot", "pingpong")


def three(emulate: Emulate) -> StatuspageEmulator:
    """One data set with the same raw ids at the three vendors, with an incident under way
    and a maintenance to come (PingPong lists only those)."""
    served = emulate(PP_TOKEN, OON_TOKEN, groups=2, components=4, incidents=2)
    [page] = pages_of(served)
    affected = tuple(c for c in page.components if not page.components[c]["group"])
    served.add_incident(page.page_id, component_ids=affected[:2])
    served.add_incident(page.page_id, status="scheduled", impact="none")
    return served


def config(served: StatuspageEmulator) -> dict[str, str]:
    return {
        "host": served.base_url,
        "onlineornot_api_key": OON_TOKEN,
        "onlineornot_host": served.base_url,
        "pingpong_api_key": PP_TOKEN,
        "pingpong_host": served.base_url,
    }


def by_provider(entities: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((e["blueprint"], e["properties"]["provider"]) for e in entities)


def served_as(served: StatuspageEmulator, *vendors: str) -> Counter[tuple[str, str]]:
    """How many entities of each blueprint each vendor's dialect serves."""
    return Counter(
        {
            (blueprint, vendor): len(ids)
            for vendor in vendors
            for blueprint, ids in expected_identifiers(served, (vendor,)).items()
            if ids
        }
    )


async def test_three_vendors_land_in_the_five_blueprints_without_collisions(
    emulate: Emulate, run_harness: Any
) -> None:
    served = three(emulate)
    [page] = pages_of(served)
    port_entities = in_port(served, *STALE, vendors=VENDORS[:2])

    with captured_logs() as lines:
        async with run_harness(
            port_entities=port_entities, **config(served)
        ) as harness:
            result = await harness.trigger_resync()

    assert result.errors == []
    counts = by_provider(result.upserted_entities)
    assert counts == served_as(served, *VENDORS)
    # PingPong: its one page, its ongoing incidents and its maintenance (no updates).
    for provider in VENDORS:
        assert counts[("statuspage", provider)] == 1
        for blueprint in ("Component", "ComponentGroup", "Incident"):
            assert counts[(f"statuspage{blueprint}", provider)] > 0
    keys = [(e["blueprint"], e["identifier"]) for e in result.upserted_entities]
    assert len(keys) == len(set(keys)), "two entities share an identifier"
    pages = {
        e["identifier"]
        for e in result.upserted_entities
        if e["blueprint"] == "statuspage"
    }
    assert pages == {
        page.page_id,
        f"onlineornot-{page.page_id}",
        pingpong_page_id(served),
    }
    for entity in result.upserted_entities:
        provider = entity["properties"]["provider"]
        prefix = "" if provider == "statuspage" else f"{provider}-"
        assert entity["identifier"].startswith(prefix)
    assert sorted(result.deleted_entities, key=str) == sorted(STALE, key=str)
    assert not any(PP_TOKEN in line or OON_TOKEN in line for line in lines)


async def test_a_refused_pingpong_token_deletes_nothing_while_the_others_sync(
    emulate: Emulate, run_harness: Any
) -> None:
    served = three(emulate)
    fail(served, "/rest/v1/*", 401)
    port_entities = in_port(served, *STALE, vendors=VENDORS[:2])

    with captured_logs() as lines:
        async with run_harness(
            port_entities=port_entities, **config(served)
        ) as harness:
            result = await harness.trigger_resync()

    assert result.deleted_entities == []
    messages = [str(error) for error in result.errors]
    assert any(
        "pingpong: listing its pages" in m and "pingpongApiKey" in m for m in messages
    ), messages
    counts = by_provider(result.upserted_entities)
    assert counts == served_as(served, "statuspage", "onlineornot")
    assert not any(provider == "pingpong" for _, provider in counts)
    assert not any(PP_TOKEN in line for line in lines)
    assert not any(PP_TOKEN in m for m in messages)
