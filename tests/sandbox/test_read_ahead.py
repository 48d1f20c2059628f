"""Reading ahead, against the Statuspage emulator on loopback with latency, through Ocean's
harness: the next lists are read while Ocean maps the current one, and the limit still holds
in every window."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.expected import expected_identifiers
from sandbox.statuspage.config import (
    DEFAULT_API_KEY,
    DataConfig,
    EmulatorConfig,
    RateLimitConfig,
)
from sandbox.statuspage.journal import LoggedRequest
from sandbox.statuspage.server import StatuspageEmulator
from tests.support import integration_harness, most_in_any_window

INCIDENTS_LIST = "/v1/pages/{page_id}/incidents"


def emulator(
    latency: float, limit: int, window: float, pages: int, incidents: int
) -> StatuspageEmulator:
    data = DataConfig(
        pages=pages, groups=2, components=4, incidents=incidents, updates=1
    )
    return StatuspageEmulator(
        EmulatorConfig(
            data=data,
            rate_limit=RateLimitConfig(limit=limit, window_seconds=window),
            latency_seconds=latency,
        )
    )


@pytest.fixture
def slow_unlimited() -> Iterator[StatuspageEmulator]:
    with emulator(latency=0.2, limit=0, window=60, pages=2, incidents=450) as running:
        yield running


@pytest.fixture
def slow_limited() -> Iterator[StatuspageEmulator]:
    with emulator(latency=0.1, limit=4, window=3, pages=3, incidents=250) as running:
        yield running


async def resync(
    served: StatuspageEmulator,
    mapping: dict[str, Any],
    blueprints: dict[str, dict[str, Any]],
    limit: int,
    window: int,
) -> dict[str, set[str]]:
    harness = integration_harness(
        mapping,
        blueprints,
        {
            "statuspage_api_key": DEFAULT_API_KEY,
            "statuspage_host": served.base_url,
            "rate_limit_requests": limit,
            "rate_limit_window_seconds": window,
        },
    )
    await harness.start()
    try:
        result = await harness.trigger_resync()
    finally:
        await harness.shutdown()
    assert result.errors == []
    landed: dict[str, set[str]] = defaultdict(set)
    for entity in result.upserted_entities:
        landed[entity["blueprint"]].add(entity["identifier"])
    return landed


def incident_reads_by_page(log: list[LoggedRequest]) -> dict[str, list[float]]:
    reads: dict[str, list[float]] = defaultdict(list)
    for entry in log:
        if entry.route == INCIDENTS_LIST:
            reads[entry.path.split("/")[3]].append(entry.timestamp)
    return reads


async def test_with_latency_the_next_page_s_list_is_read_before_the_page_before_is_done(
    slow_unlimited: StatuspageEmulator,
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
) -> None:
    landed = await resync(
        slow_unlimited, shipped_mapping, shipped_blueprints, limit=1000, window=60
    )

    assert landed == expected_identifiers(slow_unlimited)
    with slow_unlimited.reading() as state:
        first, second = list(state.pages)
    reads = incident_reads_by_page(slow_unlimited.log)
    assert len(reads[first]) == len(reads[second]) == 5
    # The second page's incidents were asked before the first page had all its own. How far
    # ahead a list is read is counted, not timed, in test_fetch_memo: here Ocean forks a
    # pool in the event loop's thread for each batch, so on a loaded machine any gap between
    # two requests can stretch and a bound in seconds would measure the machine.
    assert min(reads[second]) < max(reads[first])


async def test_reading_ahead_under_latency_keeps_the_limit_in_every_window(
    slow_limited: StatuspageEmulator,
    shipped_mapping: dict[str, Any],
    shipped_blueprints: dict[str, dict[str, Any]],
) -> None:
    landed = await resync(
        slow_limited, shipped_mapping, shipped_blueprints, limit=4, window=3
    )

    assert landed == expected_identifiers(slow_limited)
    api = [entry for entry in slow_limited.log if entry.path.startswith("/v1/")]
    assert [entry for entry in api if entry.status != 200] == []
    # 1 page list, and per page 1 group, 1 component and 3 incident requests.
    assert len(api) == 1 + 3 * 5
    assert most_in_any_window([entry.timestamp for entry in api], 3) <= 4
