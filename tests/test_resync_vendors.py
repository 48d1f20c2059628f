"""Statuspage and OnlineOrNot in one resync, through Ocean's own machinery
(IntegrationTestHarness), both mocked at HTTP: both land in the same five blueprints, each
entity with its provider and no identifier of one vendor colliding with the other's; and a
failing OnlineOrNot deletes nothing of either vendor."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from sandbox.expected import BLUEPRINTS
from tests.support import (
    HOST,
    ONLINEORNOT_HOST,
    FakeAccount,
    FakeOnlineOrNot,
    onlineornot_error,
)
from tests.webhook_processors.support import captured_logs

OON_KEY = "oon-token-that-must-never-be-logged"
# Entities an earlier sync left that neither vendor has any more: a healthy resync deletes
# them, a failed one must not.
STALE = [
    {"identifier": "p1-i-gone", "blueprint": "statuspageIncident"},
    {"identifier": "onlineornot-p1-i-gone", "blueprint": "statuspageIncident"},
]


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


def both(
    api: respx.MockRouter, onlineornot_gate: Any = None
) -> tuple[FakeAccount, FakeOnlineOrNot]:
    """The same ids at both vendors: p1, p1-g0, p1-c0, p1-i0, p1-i0-u0, ..."""
    statuspage = FakeAccount.generate(groups=2, components=4, incidents=3, updates=2)
    onlineornot = FakeOnlineOrNot.generate(
        groups=2, components=4, incidents=3, updates=2
    )
    statuspage.serve(api)
    onlineornot.serve(api, gate=onlineornot_gate)
    return statuspage, onlineornot


def config() -> dict[str, str]:
    return {"onlineornot_api_key": OON_KEY, "onlineornot_host": ONLINEORNOT_HOST}


def by_provider(entities: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((e["blueprint"], e["properties"]["provider"]) for e in entities)


async def test_both_vendors_land_in_the_five_blueprints_without_collisions(
    api: respx.MockRouter, run_harness: Any
) -> None:
    statuspage, onlineornot = both(api)
    in_port = statuspage.in_port() + onlineornot.in_port() + STALE

    async with run_harness(host=HOST, port_entities=in_port, **config()) as harness:
        result = await harness.trigger_resync()

    assert result.errors == []
    expected = {"statuspage": 1, "statuspageComponentGroup": 2}
    expected |= {"statuspageComponent": 4, "statuspageIncident": 3}
    expected |= {"statuspageIncidentUpdate": 6}
    assert by_provider(result.upserted_entities) == Counter(
        {
            (blueprint, provider): count
            for blueprint, count in expected.items()
            for provider in ("statuspage", "onlineornot")
        }
    )
    keys = [(e["blueprint"], e["identifier"]) for e in result.upserted_entities]
    assert len(keys) == len(set(keys)), "two entities share an identifier"
    for entity in result.upserted_entities:
        vendor_id = entity["identifier"]
        prefixed = vendor_id.startswith("onlineornot-")
        assert prefixed == (entity["properties"]["provider"] == "onlineornot")
    assert sorted(result.deleted_entities, key=str) == sorted(STALE, key=str)


async def test_onlineornot_relations_use_its_prefixed_identifiers(
    api: respx.MockRouter, run_harness: Any
) -> None:
    both(api)

    async with run_harness(host=HOST, **config()) as harness:
        result = await harness.trigger_resync()

    entities = {(e["blueprint"], e["identifier"]): e for e in result.upserted_entities}
    component = entities[("statuspageComponent", "onlineornot-p1-c1")]
    assert component["relations"] == {
        "statuspage": "onlineornot-p1",
        "componentGroup": "onlineornot-p1-g1",
    }
    assert component["properties"]["status"] == "operational"
    incident = entities[("statuspageIncident", "onlineornot-p1-i0")]
    assert incident["relations"] == {
        "statuspage": "onlineornot-p1",
        "components": ["onlineornot-p1-c0", "onlineornot-p1-c1"],
    }
    assert (incident["properties"]["status"], incident["properties"]["impact"]) == (
        "investigating",
        "major",
    )
    first_update = entities[("statuspageIncidentUpdate", "onlineornot-p1-i0-u0")]
    assert first_update["relations"] == {
        "incident": "onlineornot-p1-i0",
        "affectedComponents": ["onlineornot-p1-c0"],
    }
    page = entities[("statuspage", "onlineornot-p1")]
    assert page["properties"]["status_indicator"] == "minor"
    assert page["properties"]["url"] == "https://p1.onlineornot.com"


def refuse_everything(request: httpx.Request) -> httpx.Response:
    return onlineornot_error(401, "Unauthenticated", code=10002)


def fail_incidents(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/v1/status_pages/p1/incidents":
        return httpx.Response(503, json={"success": False, "errors": []})
    return None


@pytest.mark.parametrize(
    ("gate", "named"),
    [
        (refuse_everything, "onlineornot: listing its pages"),
        (fail_incidents, "onlineornot page onlineornot-p1"),
    ],
    ids=["refused token", "5xx past every retry"],
)
async def test_a_failing_onlineornot_deletes_nothing_while_statuspage_syncs(
    api: respx.MockRouter, run_harness: Any, gate: Any, named: str
) -> None:
    statuspage, onlineornot = both(api, onlineornot_gate=gate)
    in_port = statuspage.in_port() + onlineornot.in_port() + STALE

    with captured_logs() as lines:
        async with run_harness(host=HOST, port_entities=in_port, **config()) as harness:
            result = await harness.trigger_resync()

    assert result.errors
    assert any(named in str(error) for error in result.errors)
    assert result.deleted_entities == []
    upserted = by_provider(result.upserted_entities)
    for blueprint in BLUEPRINTS:
        assert upserted[(blueprint, "statuspage")] > 0
    assert not any(OON_KEY in line for line in lines)
    assert not any(OON_KEY in str(error) for error in result.errors)
