"""End to end: one-shot runs of the real entry point against the emulator and the Port stand-in
fill every page's status, public or private, with no webhook; and, opted in, components'
uptime within the per-resync budget, keeping the last value of the others."""

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.ocean_process import Sandbox, ocean_environment, run_once
from sandbox.port.server import PortStub
from sandbox.statuspage.config import DEFAULT_API_KEY, DataConfig, EmulatorConfig
from sandbox.statuspage.server import StatuspageEmulator

SAMPLE_PAGE = "8m2l51279rpl"
PUBLIC_ROUTE = "/public/{subdomain}/api/v2/status.json"
UPTIME_ROUTE = "/v1/pages/{page_id}/components/{component_id}/uptime"


@pytest.fixture
def port() -> Iterator[PortStub]:
    with PortStub() as stub:
        yield stub


def emulator(pages: int = 3) -> StatuspageEmulator:
    data = DataConfig(pages=pages, groups=2, components=6, incidents=5, updates=2)
    return StatuspageEmulator(EmulatorConfig(data=data))


def sync(
    statuspage: StatuspageEmulator, port: PortStub, config: dict[str, str] | None = None
) -> None:
    sandbox = Sandbox(statuspage.base_url, port.base_url, DEFAULT_API_KEY)
    run = run_once(ocean_environment(sandbox, config=config), timeout_seconds=120)
    assert run.returncode == 0, run.failure()
    assert DEFAULT_API_KEY not in run.output


def page_entities(port: PortStub) -> dict[str, dict[str, Any]]:
    return {e["identifier"]: e for e in port.entities("statuspage")}


def requests_to(statuspage: StatuspageEmulator, route: str) -> int:
    return statuspage.counters.by_route.get(route, 0)


def test_a_one_shot_run_fills_every_page_s_status_public_and_private(
    port: PortStub,
) -> None:
    with emulator() as statuspage:
        statuspage.set_page_private(SAMPLE_PAGE)
        sync(statuspage, port)
        expected = {
            page_id: statuspage.page_status(page_id) for page_id in page_entities(port)
        }
        published = requests_to(statuspage, PUBLIC_ROUTE)

    pages = page_entities(port)
    assert len(pages) == 3
    for page_id, entity in pages.items():
        properties = entity["properties"]
        assert (
            properties["status_indicator"],
            properties["status_description"],
        ) == expected[page_id]
        assert properties["status_source"] == (
            "derived" if page_id == SAMPLE_PAGE else "public_api"
        )
    # Only the public pages' status APIs were asked, once each.
    assert published == 2


def test_a_failing_public_status_api_leaves_every_page_a_derived_status(
    port: PortStub,
) -> None:
    with emulator() as statuspage:
        statuspage.inject_fault("/public/*", "status", status=503, count=1000)
        sync(statuspage, port)
        expected = {
            page_id: statuspage.page_status(page_id) for page_id in page_entities(port)
        }

    pages = page_entities(port)
    assert len(pages) == 3
    for page_id, entity in pages.items():
        properties = entity["properties"]
        assert properties["status_source"] == "derived"
        assert (
            properties["status_indicator"],
            properties["status_description"],
        ) == expected[page_id]


def test_uptime_within_the_budget_and_the_last_value_of_the_others_kept(
    port: PortStub,
) -> None:
    config = {"COMPONENT_UPTIME": "true", "COMPONENT_UPTIME_REQUESTS_PER_RESYNC": "3"}
    with emulator(pages=1) as statuspage:
        sync(statuspage, port, config)
        first = _uptimes(port)
        first_requests = requests_to(statuspage, UPTIME_ROUTE)
        sync(statuspage, port, config)
        second = _uptimes(port)
        total_requests = requests_to(statuspage, UPTIME_ROUTE)

    assert first_requests == 3
    assert total_requests == 6
    assert len(first) == 3
    assert all(97.0 <= uptime <= 100.0 for uptime in first.values())
    # What the first run read is still there after the second, whatever it read.
    assert {cid: second[cid] for cid in first} == first
    assert 3 <= len(second) <= 6
    # The uptime resource wrote only `uptime`: names, statuses and relations are intact.
    for entity in port.entities("statuspageComponent"):
        assert entity["title"]
        assert entity["properties"]["status"]
        assert entity["relations"]["statuspage"] == SAMPLE_PAGE


def _uptimes(port: PortStub) -> dict[str, float]:
    return {
        entity["identifier"]: entity["properties"]["uptime"]
        for entity in port.entities("statuspageComponent")
        if entity["properties"].get("uptime") is not None
    }
