"""Statuspage, OnlineOrNot and PingPong in one resync, through Ocean's own machinery
(IntegrationTestHarness), all three mocked at HTTP with the same raw ids: each lands in the
same five blueprints with its provider and no identifier colliding; a failing PingPong deletes
nothing of any vendor."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.pingpong_support import PAGE_ID, PINGPONG_HOST, FakePingPong, detail
from tests.support import HOST, ONLINEORNOT_HOST, FakeAccount, FakeOnlineOrNot
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


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def config() -> dict[str, str]:
    return {
        "onlineornot_api_key": OON_TOKEN,
        "onlineornot_host": ONLINEORNOT_HOST,
        "pingpong_api_key": PP_TOKEN,
        "pingpong_host": PINGPONG_HOST,
    }


def three(api: respx.MockRouter, pingpong_gate: Any = None) -> list[dict[str, str]]:
    """The same raw ids at the three vendors (p1-g0, p1-c0, p1-i0, p1-i0-u0, ...); returns
    what an earlier sync left in Port."""
    statuspage = FakeAccount.generate(groups=2, components=4, incidents=2, updates=2)
    onlineornot = FakeOnlineOrNot.generate(
        groups=2, components=4, incidents=2, updates=2
    )
    pingpong = FakePingPong.generate(
        groups=2, components=4, incidents=2, updates=2, maintenance=1
    )
    statuspage.serve(api)
    onlineornot.serve(api)
    pingpong.serve(api, gate=pingpong_gate)
    return statuspage.in_port() + onlineornot.in_port() + STALE


def by_provider(entities: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((e["blueprint"], e["properties"]["provider"]) for e in entities)


async def test_three_vendors_land_in_the_five_blueprints_without_collisions(
    api: respx.MockRouter, run_harness: Any
) -> None:
    in_port = three(api)

    with captured_logs() as lines:
        async with run_harness(host=HOST, port_entities=in_port, **config()) as harness:
            result = await harness.trigger_resync()

    assert result.errors == []
    counts = by_provider(result.upserted_entities)
    for provider in ("statuspage", "onlineornot", "pingpong"):
        assert counts[("statuspage", provider)] == 1
        assert counts[("statuspageComponentGroup", provider)] == 2
        assert counts[("statuspageComponent", provider)] == 4
    # PingPong: its two ongoing incidents and its maintenance, which has no updates.
    assert counts[("statuspageIncident", "pingpong")] == 3
    assert counts[("statuspageIncidentUpdate", "pingpong")] == 4
    keys = [(e["blueprint"], e["identifier"]) for e in result.upserted_entities]
    assert len(keys) == len(set(keys)), "two entities share an identifier"
    pages = {
        e["identifier"]
        for e in result.upserted_entities
        if e["blueprint"] == "statuspage"
    }
    assert pages == {"p1", "onlineornot-p1", PAGE_ID}
    for entity in result.upserted_entities:
        provider = entity["properties"]["provider"]
        prefix = "" if provider == "statuspage" else f"{provider}-"
        assert entity["identifier"].startswith(prefix)
    assert sorted(result.deleted_entities, key=str) == sorted(STALE, key=str)
    assert not any(PP_TOKEN in line or OON_TOKEN in line for line in lines)


def refuse_everything(request: httpx.Request) -> httpx.Response:
    return detail(401, "Invalid token.")


async def test_a_refused_pingpong_token_deletes_nothing_while_the_others_sync(
    api: respx.MockRouter, run_harness: Any
) -> None:
    in_port = three(api, pingpong_gate=refuse_everything)

    with captured_logs() as lines:
        async with run_harness(host=HOST, port_entities=in_port, **config()) as harness:
            result = await harness.trigger_resync()

    assert result.deleted_entities == []
    messages = [str(error) for error in result.errors]
    assert any(
        "pingpong: listing its pages" in m and "pingpongApiKey" in m for m in messages
    ), messages
    counts = by_provider(result.upserted_entities)
    for provider in ("statuspage", "onlineornot"):
        assert counts[("statuspageIncident", provider)] == 2
    assert not any(provider == "pingpong" for _, provider in counts)
    assert not any(PP_TOKEN in line for line in lines)
    assert not any(PP_TOKEN in m for m in messages)
