"""incident.io through Ocean's own machinery (IntegrationTestHarness), beside Statuspage,
OnlineOrNot and PingPong, all four reading the emulator's one data set on loopback: incident.io
lands in the five blueprints with its own identifiers and at its measured cost, its uptime stays
within the shared budget, and a failing incident.io page deletes nothing of any vendor.
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from port_ocean.integration_testing import ResyncResult

from sandbox.expected import expected_identifiers
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DEFAULT_INCIDENTIO_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
)
from sandbox.statuspage.server import StatuspageEmulator
from tests.webhook_processors.support import captured_logs

SAMPLE_PAGE = "8m2l51279rpl"
VENDORS = ("statuspage", "onlineornot", "pingpong", "incidentio")
KEYS = (
    DEFAULT_API_KEY,
    DEFAULT_ONLINEORNOT_API_KEY,
    DEFAULT_PINGPONG_API_KEY,
    DEFAULT_INCIDENTIO_API_KEY,
)
# What an earlier sync left that no vendor has any more: a healthy resync deletes it, a
# failed one must not.
STALE = [
    {"identifier": "gone-component", "blueprint": "statuspageComponent"},
    {"identifier": "onlineornot-gone-component", "blueprint": "statuspageComponent"},
    {"identifier": "incidentio-gone-component", "blueprint": "statuspageComponent"},
]


@pytest.fixture
def emulator() -> Iterator[StatuspageEmulator]:
    data = DataConfig(pages=2, groups=3, components=6, incidents=5, updates=2)
    config = EmulatorConfig(data=data, rate_limit=RateLimitConfig(limit=0))
    with StatuspageEmulator(config) as running:
        yield running


def in_port(emulator: StatuspageEmulator) -> list[dict[str, str]]:
    """What an earlier sync of the vendors but PingPong left (PingPong's resync asks Port
    about its own incidents, which is not what this test is about), and the stale ones.
    """
    held = expected_identifiers(emulator, ("statuspage", "onlineornot", "incidentio"))
    return [
        {"identifier": identifier, "blueprint": blueprint}
        for blueprint, identifiers in held.items()
        for identifier in identifiers
    ] + STALE


async def resync(
    run_harness: Any, emulator: StatuspageEmulator, **config: Any
) -> tuple[ResyncResult, list[str]]:
    """One resync of the four vendors through Ocean's harness, with the shipped mapping."""
    host = emulator.base_url
    with captured_logs() as lines:
        async with run_harness(
            host=host,
            port_entities=in_port(emulator),
            statuspage_api_key=DEFAULT_API_KEY,
            rate_limit_requests=1000,
            onlineornot_api_key=DEFAULT_ONLINEORNOT_API_KEY,
            onlineornot_host=host,
            pingpong_api_key=DEFAULT_PINGPONG_API_KEY,
            pingpong_host=host,
            incidentio_api_key=DEFAULT_INCIDENTIO_API_KEY,
            incidentio_host=host,
            request_timeout_seconds=5,
            **config,
        ) as harness:
            result = await harness.trigger_resync()
    assert not any(key in line for key in KEYS for line in lines)
    assert not any(key in str(error) for key in KEYS for error in result.errors)
    return result, lines


def landed(result: ResyncResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for entity in result.upserted_entities:
        found.setdefault(entity["blueprint"], set()).add(entity["identifier"])
    return found


def incidentio_requests(emulator: StatuspageEmulator) -> Counter[str]:
    """incident.io's requests, by route: all under /v2, which no other dialect uses."""
    return Counter(
        str(entry.route) for entry in emulator.log if entry.path.startswith("/v2/")
    )


async def test_four_vendors_land_in_the_five_blueprints_and_incident_io_costs_what_it_says(
    emulator: StatuspageEmulator, run_harness: Any
) -> None:
    result, _ = await resync(
        run_harness,
        emulator,
        component_uptime=True,
        component_uptime_requests_per_resync=3,
    )

    assert result.errors == []
    assert landed(result) == expected_identifiers(emulator, VENDORS)
    assert sorted(result.deleted_entities, key=str) == sorted(STALE, key=str)
    own = [
        e for e in result.upserted_entities if e["identifier"].startswith("incidentio-")
    ]
    pages = [e for e in own if e["blueprint"] == "statuspage"]
    # incident.io publishes no page status: it is derived.
    assert {page["properties"]["status_source"] for page in pages} == {"derived"}
    # The uptime mapping writes the uptime alone.
    with_uptime = [e for e in own if "uptime" in e["properties"]]
    assert len(with_uptime) == 3
    assert all(0 <= e["properties"]["uptime"] <= 100 for e in with_uptime)
    # The page list, then per page its structure, its incidents and its maintenance (each
    # under 250): 1 + 2 x 3 for all five kinds; and uptime within the budget set for it.
    assert incidentio_requests(emulator) == {
        "/v2/status_pages": 1,
        "/v2/status_page_structures/{page_id}": 2,
        "/v2/status_page_incidents": 2,
        "/v2/status_page_maintenances": 2,
        "/v2/status_pages/{page_id}/components/{component_id}/availability": 3,
    }


async def test_a_failing_incident_io_page_deletes_nothing_of_any_vendor(
    emulator: StatuspageEmulator, run_harness: Any
) -> None:
    emulator.inject_fault(
        f"/v2/status_page_structures/{SAMPLE_PAGE}", "status", status=403, count=1000
    )

    result, lines = await resync(run_harness, emulator)

    assert result.deleted_entities == []
    failing = f"incidentio page incidentio-{SAMPLE_PAGE}"
    assert result.errors
    assert all(failing in str(error) for error in result.errors)
    assert any("incidentioApiKey" in str(error) for error in result.errors)
    expected = expected_identifiers(emulator, VENDORS)
    synced = landed(result)
    # All but the failing page's groups and components, and the page itself (whose status
    # is derived from them), synced: the other vendors' whole, incident.io's other page,
    # and the failing page's own incidents and updates.
    with emulator.reading() as state:
        page = state.page(SAMPLE_PAGE)
        failed = {
            "statuspage": {f"incidentio-{SAMPLE_PAGE}"},
            "statuspageComponentGroup": {f"incidentio-{g}" for g in page.groups},
            "statuspageComponent": {
                f"incidentio-{SAMPLE_PAGE}-{cid}"
                for cid, component in page.components.items()
                if not component["group"]
            },
        }
    assert {
        blueprint: identifiers - synced.get(blueprint, set())
        for blueprint, identifiers in expected.items()
    } == {blueprint: failed.get(blueprint, set()) for blueprint in expected}
    assert any(failing in line and "entities are kept" in line for line in lines)
